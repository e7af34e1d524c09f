# The plugin and post-renderer end to end with the real Helm 3 and Helm 4.
add_test(NAME helm.e2e COMMAND bash ${CMFV_SRC}/tests/e2e/helm.sh)
set_tests_properties(helm.e2e PROPERTIES LABELS helm TIMEOUT 900)
# The wrapper's command line (issue 12): Helm's flag spellings, -f -, charts
# pulled from a repository or unpacked, the nested Helm 4 post-renderer.
add_test(NAME helm.wrapper COMMAND bash ${CMFV_SRC}/tests/e2e/wrapper.sh ${CMFV_BIN})
set_tests_properties(helm.wrapper PROPERTIES LABELS helm TIMEOUT 600)
# The flag tables (testdata/helm-flags) against the real `helm <cmd> --help`.
add_test(NAME helm.flagtable COMMAND bash ${CMFV_SRC}/tests/e2e/flag-table.sh)
set_tests_properties(helm.flagtable PROPERTIES LABELS helm TIMEOUT 120)
# Property: generated values and flag spellings through the wrapper; when
# `helm template` renders production, the output has the mount or it failed.
add_test(NAME helm.wrapper.property COMMAND python3 ${CMFV_SRC}/tests/e2e/wrapper-property.py ${CMFV_BIN} 40 12)
set_tests_properties(helm.wrapper.property PROPERTIES LABELS helm TIMEOUT 300)
