/* Private to the chart code: Helm's copies of values (globals pushed into
 * every subchart, one values.yaml per dependency alias, import-values)
 * counted against the run's node budget (CMFV_MAX_VALUES_NODES) before they
 * are made (issue 13: 100 subcharts of a 900,000-item global list took 72 s
 * and 8.6 GB). */
#ifndef CMFV_CHART_BUDGET_H
#define CMFV_CHART_BUDGET_H

#include <stddef.h>

#include "cmfv/chart.h"
#include "cmfv/diag.h"
#include "cmfv/node.h"

/* Give \p c and its subcharts the run's budget \p src. */
void cmfv_chart_budget_set(struct cmfv_chart *c, struct cmfv_sources *src);
/* Nodes in \p n as the loader counts them (a map entry: key and value). */
size_t cmfv_chart_nodes(const struct cmfv_node *n);
/* Take \p k nodes from \p c's budget: 1, or 0 when that would cross it
 * (then the budget stays crossed: cmfv_chart_over says so). */
int cmfv_chart_charge(const struct cmfv_chart *c, size_t k);
/* Nodes left in \p c's budget (SIZE_MAX without one). */
size_t cmfv_chart_left(const struct cmfv_chart *c);
/* A copy of \p n counted first; NULL when out of memory or over budget. */
struct cmfv_node *cmfv_chart_copy(const struct cmfv_chart *c, const struct cmfv_node *n);
int cmfv_chart_over(const struct cmfv_chart *c);
/* The error for a crossed budget (replaces whatever \p d holds). */
enum cmfv_err cmfv_chart_over_fail(const struct cmfv_chart *c, struct cmfv_diag *d);

#endif
