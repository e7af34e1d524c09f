# Upgrade guards CMF040-CMF042, offline forms (testdata/upgrade).
add_test(NAME golden.upgrade COMMAND bash ${CMFV_SRC}/tests/golden/run.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/upgrade)
set_tests_properties(golden.upgrade PROPERTIES LABELS e2e)
add_test(NAME upgrade.release COMMAND bash ${CMFV_SRC}/tests/upgrade/release.sh ${CMFV_BIN})
set_tests_properties(upgrade.release PROPERTIES LABELS e2e TIMEOUT 300)
