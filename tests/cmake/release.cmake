# Release artefacts, installed and run as users do (needs the real Helm 3 and
# 4, the arm64 cross toolchain and qemu-user-static): amd64 and arm64
# archives, Helm 4 packages and .debs, the arm64 binary's golden suites under
# qemu, the install hook on every kind of install.
add_test(NAME release.artefacts COMMAND bash ${CMFV_SRC}/tests/release/run.sh)
set_tests_properties(release.artefacts PROPERTIES LABELS release TIMEOUT 1200)
# Two release builds in two folders give the same bytes.
add_test(NAME release.reproducible COMMAND bash ${CMFV_SRC}/tests/release/repro.sh)
set_tests_properties(release.reproducible PROPERTIES LABELS release TIMEOUT 900)
# The README's two commands, as typed; .ci/run runs them verbatim. Real
# apt-get (root or sudo), so alone.
add_test(NAME release.readme COMMAND bash ${CMFV_SRC}/tests/release/readme.sh)
set_tests_properties(release.readme PROPERTIES LABELS release TIMEOUT 900 RUN_SERIAL ON SKIP_RETURN_CODE 77)
