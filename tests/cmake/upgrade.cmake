# Upgrade guards CMF040-CMF042, offline forms (testdata/upgrade).
add_test(NAME golden.upgrade COMMAND bash ${CMFV_SRC}/tests/golden/run.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/upgrade)
set_tests_properties(golden.upgrade PROPERTIES LABELS e2e)
