# CI lint stage: output formats, configuration, environments (testdata/lint).
add_test(NAME golden.lint COMMAND bash ${CMFV_SRC}/tests/golden/run.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/lint)
add_test(NAME lint.schemas COMMAND bash ${CMFV_SRC}/tests/lint/validate.sh ${CMFV_BIN})
add_test(NAME lint.tty COMMAND bash ${CMFV_SRC}/tests/lint/tty.sh ${CMFV_BIN})
set_tests_properties(golden.lint lint.schemas lint.tty PROPERTIES LABELS e2e)
add_test(NAME lint.docs COMMAND bash ${CMFV_SRC}/tests/lint/docs.sh ${CMFV_BIN})
set_tests_properties(lint.docs PROPERTIES LABELS e2e)
add_test(NAME lint.completion COMMAND bash ${CMFV_SRC}/tests/lint/completion.sh ${CMFV_BIN})
set_tests_properties(lint.completion PROPERTIES LABELS e2e)
add_test(NAME lint.version COMMAND bash ${CMFV_SRC}/tests/lint/version.sh ${CMFV_BIN})
set_tests_properties(lint.version PROPERTIES LABELS e2e)
# The tree's shape (docs/design.md, CONTRIBUTING.md): rules raised only by
# the core, file sizes, include and call cycles, clang-format.
add_test(NAME lint.structure COMMAND python3 ${CMFV_SRC}/tests/lint/structure.py ${CMFV_SRC} ${CMAKE_BINARY_DIR})
set_tests_properties(lint.structure PROPERTIES LABELS e2e)
