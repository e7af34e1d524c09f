/* GitOps manifests: a Flux HelmRelease with the objects its valuesFrom
 * names (the input split at its first NUL byte: the HelmRelease, then the
 * objects), or, when byte 0 is '#', an Argo CD Application over an empty
 * repository. Properties: no crash, only input errors, every plan's user
 * values are a map that survives a JSON round trip, and a HelmRelease's
 * postRenderers are judged (kpatch.c) with a reason whenever not mounted. */
#include "fuzz.h"

#include <unistd.h>

#include "cmfv/gitops.h"
#include "cmfv/inject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *empty_repo(void)
{
	static char dir[64];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/cmfv-fuzz-repo-XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
	}
	return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	struct cmfv_source *main_src = fuzz_source(data, n1, "in.yaml");
	struct cmfv_source *objs =
	    fuzz_source(nul ? nul + 1 : data, nul ? size - n1 - 1 : 0, "objs.yaml");
	const struct cmfv_source *ov[1] = {objs};
	struct cmfv_sources src = {0};
	struct cmfv_plan *plans = NULL;
	struct cmfv_diag d;
	size_t np = 0, i;
	enum cmfv_err e;

	cmfv_diag_clear(&d);
	if (size > 0 && data[0] == '#') {
		struct cmfv_argocd_opts o = {0};

		o.repo_root = empty_repo();
		e = cmfv_argocd_plans(main_src, &o, &src, &plans, &np, &d);
		FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e) || e == CMFV_EUSAGE ||
			    e == CMFV_ENOENT);
	} else {
		struct cmfv_flux_objects fo = {ov, 1};

		e = cmfv_flux_plans(main_src, ".", ".", &fo, 4, &src, &plans, &np, &d);
		FUZZ_ASSERT(e == CMFV_OK || fuzz_input_error(e) || e == CMFV_EUSAGE);
	}
	if (e != CMFV_OK) {
		FUZZ_ASSERT(d.code == e && d.msg[0] != '\0');
	}
	for (i = 0; e == CMFV_OK && i < np; i++) {
		struct cmfv_buf b = {0};
		struct cmfv_node *back = NULL;

		FUZZ_ASSERT(plans[i].app && plans[i].release && plans[i].namespace);
		if (plans[i].user) {
			FUZZ_ASSERT(plans[i].user->kind == CMFV_MAP);
			if (fuzz_json_cycle(plans[i].user, &b, &back) == CMFV_OK)
				cmfv_node_free(back);
		}
		cmfv_buf_free(&b);
		if (plans[i].postrenderers) {
			struct cmfv_inject_opts io = {0};
			enum cmfv_pr_verdict v = CMFV_PR_MOUNTED;
			struct cmfv_loc at;
			char why[600];
			enum cmfv_err pe;

			io.secret_name = "cmf-key";
			io.property = "encryption-key";
			pe = cmfv_flux_postrender_eval(plans[i].postrenderers, &io, &v, &at, why,
						       sizeof(why));
			FUZZ_ASSERT(pe == CMFV_OK || pe == CMFV_ENOMEM);
			FUZZ_ASSERT(pe != CMFV_OK || v == CMFV_PR_MOUNTED || why[0] != '\0');
		}
	}
	cmfv_plans_free(plans, np);
	cmfv_sources_free(&src);
	fuzz_source_free(main_src);
	fuzz_source_free(objs);
	return 0;
}
