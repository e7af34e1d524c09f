# GitOps (issue 16): Argo CD Applications and Flux HelmReleases turned into
# values exactly as those tools do, compared with the real Helm given the
# equivalent flags; flux-patch applied with the real Kustomize; the Argo CD
# plugin's generate run as argocd-cmp-server runs it.
add_test(NAME gitops.argocd COMMAND bash ${CMFV_SRC}/tests/gitops/argocd-diff.sh ${CMFV_BIN})
add_test(NAME gitops.flux COMMAND bash ${CMFV_SRC}/tests/gitops/flux-diff.sh ${CMFV_BIN})
set_tests_properties(gitops.argocd gitops.flux PROPERTIES LABELS helm TIMEOUT 300)
add_test(NAME gitops.check
  COMMAND bash ${CMFV_SRC}/tests/golden/run.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/gitops/check)
add_test(NAME gitops.fluxpatch COMMAND bash ${CMFV_SRC}/tests/gitops/flux-patch.sh ${CMFV_BIN})
set_tests_properties(gitops.check PROPERTIES LABELS e2e)
set_tests_properties(gitops.fluxpatch PROPERTIES LABELS helm SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME gitops.cmp COMMAND bash ${CMFV_SRC}/tests/gitops/cmp.sh ${CMFV_BIN})
set_tests_properties(gitops.cmp PROPERTIES LABELS helm SKIP_RETURN_CODE 77 TIMEOUT 300)
add_test(NAME gitops.pull COMMAND bash ${CMFV_SRC}/tests/gitops/pull.sh ${CMFV_BIN})
set_tests_properties(gitops.pull PROPERTIES LABELS helm TIMEOUT 300)
add_test(NAME gitops.fluxoracle COMMAND bash ${CMFV_SRC}/tests/gitops/flux-oracle.sh ${CMFV_BIN})
set_tests_properties(gitops.fluxoracle PROPERTIES LABELS helm SKIP_RETURN_CODE 77 TIMEOUT 600)
# The Argo CD sidecar image: every Dockerfile step run in a scratch Debian
# root (root, mount namespaces, a release build or CMFV_DIST), then used as
# argocd-cmp-server uses it.
add_test(NAME gitops.argocdimage COMMAND bash ${CMFV_SRC}/tests/gitops/argocd-image.sh)
set_tests_properties(gitops.argocdimage PROPERTIES LABELS release TIMEOUT 1800 RUN_SERIAL ON
  SKIP_RETURN_CODE 77)
