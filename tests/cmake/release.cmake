# Release artefacts, installed and run as users do (needs the real Helm 3 and 4).
add_test(NAME release.artefacts COMMAND bash ${CMFV_SRC}/tests/release/run.sh)
set_tests_properties(release.artefacts PROPERTIES LABELS release TIMEOUT 900)
