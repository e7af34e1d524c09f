# The document classifier (issue 18): its differential property test
# against the YAML loader, over generated and real documents.
add_test(NAME classify.property
  COMMAND bash ${CMFV_SRC}/tests/classify/run.sh $<TARGET_FILE:classify_diff>)
set_tests_properties(classify.property PROPERTIES LABELS e2e TIMEOUT 120)
