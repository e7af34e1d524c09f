#include "chart_budget.h"

#include <stdint.h>

#include "cmfv/source.h"

void cmfv_chart_budget_set(struct cmfv_chart *c, struct cmfv_sources *src)
{
	size_t i;

	c->budget = src;
	for (i = 0; i < c->nsubs; i++)
		cmfv_chart_budget_set(c->subs[i], src);
}

/* Depth is bounded by the parsers (10,000 levels). */
size_t cmfv_chart_nodes(const struct cmfv_node *n)
{
	size_t c = 1, i;

	if (n == NULL)
		return 0;
	if (n->kind == CMFV_MAP)
		for (i = 0; i < n->u.map.n; i++)
			c += 1 + cmfv_chart_nodes(n->u.map.v[i].val);
	else if (n->kind == CMFV_SEQ)
		for (i = 0; i < n->u.seq.n; i++)
			c += cmfv_chart_nodes(n->u.seq.v[i]);
	return c;
}

size_t cmfv_chart_left(const struct cmfv_chart *c)
{
	struct cmfv_sources *s = c->budget;

	if (s == NULL)
		return SIZE_MAX;
	return s->values_nodes < CMFV_MAX_VALUES_NODES ? CMFV_MAX_VALUES_NODES - s->values_nodes
						       : 0;
}

int cmfv_chart_charge(const struct cmfv_chart *c, size_t k)
{
	struct cmfv_sources *s = c->budget;

	if (s == NULL)
		return 1;
	if (k > cmfv_chart_left(c)) {
		s->values_nodes = CMFV_MAX_VALUES_NODES + 1;
		return 0;
	}
	s->values_nodes += k;
	return 1;
}

struct cmfv_node *cmfv_chart_copy(const struct cmfv_chart *c, const struct cmfv_node *n)
{
	if (!cmfv_chart_charge(c, cmfv_chart_nodes(n)))
		return NULL;
	return cmfv_node_copy(n);
}

int cmfv_chart_over(const struct cmfv_chart *c)
{
	return c->budget && c->budget->values_nodes > CMFV_MAX_VALUES_NODES;
}

enum cmfv_err cmfv_chart_over_fail(const struct cmfv_chart *c, struct cmfv_diag *d)
{
	cmfv_diag_clear(d);
	return cmfv_diag_set(d, CMFV_EINPUT, c->where, 0, 0,
			     "the values of this run with the copies Helm makes of them (globals "
			     "copied into every subchart, one values.yaml per dependency alias, "
			     "import-values) would hold more than %zu nodes in all; refusing "
			     "rather than computing them",
			     CMFV_MAX_VALUES_NODES);
}
