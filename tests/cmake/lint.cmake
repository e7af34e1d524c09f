# CI lint stage: output formats, configuration, environments (testdata/lint).
add_test(NAME golden.lint COMMAND bash ${CMFV_SRC}/tests/golden/run.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/lint)
add_test(NAME lint.schemas COMMAND bash ${CMFV_SRC}/tests/lint/validate.sh ${CMFV_BIN})
add_test(NAME lint.tty COMMAND bash ${CMFV_SRC}/tests/lint/tty.sh ${CMFV_BIN})
set_tests_properties(golden.lint lint.schemas lint.tty PROPERTIES LABELS e2e)
add_test(NAME lint.docs COMMAND bash ${CMFV_SRC}/tests/lint/docs.sh ${CMFV_BIN})
set_tests_properties(lint.docs PROPERTIES LABELS e2e)
add_test(NAME lint.completion COMMAND bash ${CMFV_SRC}/tests/lint/completion.sh ${CMFV_BIN})
set_tests_properties(lint.completion PROPERTIES LABELS e2e)
