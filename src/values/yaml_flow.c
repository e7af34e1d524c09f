/* The cost of a document's flow collections for libyaml, before parsing. */
#include "cmfv/yaml.h"

/* libyaml checks every pending simple key, one per open flow level, at
 * every token (yaml_parser_stale_simple_keys): a document's parse costs
 * the sum, over its tokens, of the flow depth they sit at. 100,000 items
 * 999 levels deep took 3 s, 1,000,000 took 10 s and more. This counts
 * that sum from above: every ',' ':', bracket and word at depth N counts
 * N.
 * Quotes and plain text are not told apart: a bracket in a string only
 * makes the estimate larger, and a real document (JSON included, a few
 * levels deep) stays far below the limit. */
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
