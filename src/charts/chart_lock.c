/* Chart.lock and requirements.lock: Helm refuses a chart whose lock file it
 * cannot load (yaml.Unmarshal into its Lock struct), so we do too. */

#include "chart_int.h"
#include "cmfv/alloc.h"
#include "cmfv/yaml.h"

enum cmfv_err cmfv_chart_load_lock(const struct cfile *f, const char *label,
				   struct cmfv_sources *src, struct cmfv_diag *d)
{
	const struct cmfv_yaml_opts opts = {
	    .keep_ints = 1, .keep_nonfinite = 1, .max_nodes = CMFV_CHART_META_MAX_NODES};
	const struct cmfv_source *s;
	struct cmfv_node *lock = NULL;
	enum cmfv_err e = cmfv_sources_add(src, f->display, f->data ? f->data : "", f->len, 0, &s);

	if (e != CMFV_OK)
		return cmfv_diag_fail(d, CMFV_ENOMEM, "out of memory");
	e = cmfv_yaml_load_go(s->text, s->len, s->name, &opts, &lock, d);
	if (e == CMFV_OK && lock && lock->kind != CMFV_MAP && lock->kind != CMFV_NULL)
		e = cmfv_diag_set(d, CMFV_EINPUT, s->name, lock->loc.line, lock->loc.col,
				  "cannot load %s: it must be a map, not a %s", label,
				  cmfv_kind_name(lock->kind));
	if (e == CMFV_OK)
		e = cmfv_chart_check_lock(lock, label, d);
	cmfv_node_free(lock);
	return e;
}
