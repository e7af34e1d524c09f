# The plugin and post-renderer end to end with the real Helm 3 and Helm 4.
add_test(NAME helm.e2e COMMAND bash ${CMFV_SRC}/tests/e2e/helm.sh)
set_tests_properties(helm.e2e PROPERTIES LABELS helm TIMEOUT 900)
