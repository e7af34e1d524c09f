# Golden end-to-end cases for check (testdata/check).
add_test(NAME golden.check COMMAND bash ${CMFV_SRC}/tests/golden/run.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/check)
set_tests_properties(golden.check PROPERTIES LABELS e2e)
add_test(NAME golden.post-render COMMAND bash ${CMFV_SRC}/tests/golden/run.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/post-render)
add_test(NAME post-render.property COMMAND python3 ${CMFV_SRC}/tests/post-render/property.py ${CMFV_BIN} ${CMFV_SRC}/testdata/e2e/prod.yaml 300)
set_tests_properties(golden.post-render post-render.property PROPERTIES LABELS e2e)
