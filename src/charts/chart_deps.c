/* The dependency checks of a chart that must stay fast on a hostile
 * Chart.yaml: names and aliases compared in O(n log n), not pair by pair
 * (80,000 dependencies took 15.7 s). */
#include <stdlib.h>
#include <string.h>

#include "chart_int.h"
#include "cmfv/alloc.h"

struct dkey {
	const char *key;
	size_t i;
};

static int dkey_cmp(const void *x, const void *y)
{
	const struct dkey *a = x, *b = y;
	int r = strcmp(a->key, b->key);

	if (r)
		return r;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* The first dependency (in order) whose name or alias an earlier one has,
 * as Helm's loop meets it: c->ndeps when there is none, (size_t)-1 when
 * out of memory. */
size_t cmfv_chart_first_dup_dep(const struct cmfv_chart *c)
{
	struct dkey *k;
	size_t i, first = c->ndeps;

	if (c->ndeps < 2)
		return c->ndeps;
	k = cmfv_calloc(c->ndeps, sizeof(*k));
	if (k == NULL)
		return (size_t)-1;
	for (i = 0; i < c->ndeps; i++) {
		k[i].key = c->deps[i].alias[0] ? c->deps[i].alias : c->deps[i].name;
		k[i].i = i;
	}
	qsort(k, c->ndeps, sizeof(*k), dkey_cmp);
	/* in a run of equal keys the second is the first one found twice */
	for (i = 1; i < c->ndeps; i++)
		if (strcmp(k[i].key, k[i - 1].key) == 0 &&
		    (i < 2 || strcmp(k[i - 1].key, k[i - 2].key) != 0) && k[i].i < first)
			first = k[i].i;
	cmfv_free(k);
	return first;
}
