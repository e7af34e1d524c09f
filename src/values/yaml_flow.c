/* The cost of a document's flow collections for libyaml, before parsing. */
#include "cmfv/yaml.h"

#include <yaml.h>

/* libyaml checks every pending simple key, one per open flow level, at
 * every token (yaml_parser_stale_simple_keys): a document's parse costs
 * the sum, over its tokens, of the flow depth they sit at. 100,000 items
 * 999 levels deep took 3 s, 1,000,000 took 10 s and more. This counts
 * that sum from above: every ',' ':', bracket and word at depth N counts
 * N.
 * Quotes and plain text are not told apart: a bracket in a string may
 * make the estimate larger or, a closing one, smaller (issue 13: 999
 * levels hidden by a quoted string of `]`), so this is only an early
 * refusal; cmfv_flow_meter_add bounds the real parse. */
size_t cmfv_yaml_flow_cost(const char *text, size_t len, size_t *max_depth)
{
	size_t i, depth = 0, cost = 0, deepest = 0;
	int in_token = 0;

	for (i = 0; i < len; i++) {
		switch (text[i]) {
		case '[':
		case '{':
			depth++;
			deepest = depth > deepest ? depth : deepest;
			cost += depth;
			in_token = 0;
			break;
		case ']':
		case '}':
			cost += depth;
			depth -= depth > 0;
			in_token = 0;
			break;
		case ',':
		case ':':
			cost += depth;
			in_token = 0;
			break;
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			in_token = 0;
			break;
		default: /* a scalar's first character is a token too */
			cost += in_token ? 0 : depth;
			in_token = 1;
			break;
		}
	}
	*max_depth = deepest;
	return cost;
}

int cmfv_flow_meter_add(struct cmfv_flow_meter *m, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		/* a block collection never opens inside a flow one */
		if ((ev->type == YAML_SEQUENCE_START_EVENT &&
		     ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE) ||
		    (ev->type == YAML_MAPPING_START_EVENT &&
		     ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE))
			m->depth++;
		m->cost += m->depth;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		/* inside a flow collection every end closes a flow one */
		m->cost += m->depth;
		m->depth -= m->depth > 0;
		break;
	case YAML_SCALAR_EVENT:
	case YAML_ALIAS_EVENT:
		m->cost += 2 * m->depth;
		break;
	default:
		break;
	}
	return m->cost > CMFV_YAML_MAX_FLOW_COST;
}
