# Key verification end to end: real openssl and kubectl fixtures, --cluster
# against a stand-in API server, keygen, key-info, redaction.
add_test(NAME keys.e2e COMMAND bash ${CMFV_SRC}/tests/keys/run.sh ${CMFV_BIN})
set_tests_properties(keys.e2e PROPERTIES LABELS e2e TIMEOUT 600)
