# Key verification end to end (issue 3): fixtures from the real openssl and
# kubectl made at test time, --cluster with the real kubectl against a
# stand-in API server, keygen against kubectl's own manifests, key-info, the
# one-line messages (testdata/keys/expected) and the redaction test. The unit
# tests (test_key, test_secret, test_proc, test_kube) are found by the glob.
add_test(NAME keys.e2e COMMAND bash ${CMFV_SRC}/tests/keys/run.sh ${CMFV_BIN})
set_tests_properties(keys.e2e PROPERTIES LABELS e2e TIMEOUT 900)
