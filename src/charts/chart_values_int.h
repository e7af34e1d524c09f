/* Private to chart_values.c and chart_import.c: the pieces of Helm's
 * coalescing that import-values (processImportValues) uses too. */
#ifndef CMFV_CHART_VALUES_INT_H
#define CMFV_CHART_VALUES_INT_H

#include "cmfv/chart.h"
#include "cmfv/diag.h"
#include "cmfv/node.h"

/* coalesceTablesFullKey(dst, src, merge); \p src is consumed. */
enum cmfv_err cmfv_chart_ctables(struct cmfv_node *dst, struct cmfv_node *src, int merge,
				 int major);
/* CoalesceValues (merge 0) / MergeValues (merge 1) over a copy of \p v. */
enum cmfv_err cmfv_chart_coalesce_values(const struct cmfv_chart *c, const struct cmfv_node *v,
					 int merge, int major, struct cmfv_node **out,
					 struct cmfv_diag *d);
/* Values.Table: the map at dotted \p path, or NULL. */
struct cmfv_node *cmfv_chart_table(const struct cmfv_node *v, const char *path);
/* processDependencyImportValues: children first. */
enum cmfv_err cmfv_chart_dep_imports(struct cmfv_chart *c, int major, struct cmfv_diag *d);

#endif
