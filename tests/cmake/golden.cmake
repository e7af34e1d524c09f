# Golden end-to-end cases for check (testdata/check).
add_test(NAME golden.check COMMAND bash ${CMFV_SRC}/tests/golden/run.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/check)
set_tests_properties(golden.check PROPERTIES LABELS e2e)

