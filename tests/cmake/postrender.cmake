# post-render (issue 4): golden streams compared byte for byte, a property
# test over generated streams, I/O failures, and real Helm 3/4 output.
add_test(NAME postrender.golden
  COMMAND bash ${CMFV_SRC}/tests/post-render/golden.sh ${CMFV_BIN} ${CMFV_SRC}/testdata/post-render)
add_test(NAME postrender.property
  COMMAND python3 ${CMFV_SRC}/tests/post-render/property.py ${CMFV_BIN} 300)
add_test(NAME postrender.io COMMAND bash ${CMFV_SRC}/tests/post-render/io.sh ${CMFV_BIN})
add_test(NAME postrender.helm COMMAND bash ${CMFV_SRC}/tests/post-render/helm-real.sh ${CMFV_BIN})
set_tests_properties(postrender.golden postrender.io PROPERTIES LABELS e2e)
set_tests_properties(postrender.property PROPERTIES LABELS e2e SKIP_RETURN_CODE 77 TIMEOUT 300)
set_tests_properties(postrender.helm PROPERTIES LABELS helm SKIP_RETURN_CODE 77 TIMEOUT 600)
