# Hardening (docs/hardening.md). The fault-injection unit test
# (tests/unit/test_faults.c) registers itself with the other unit tests.

# Hostile inputs for every entry point, and output errors (/dev/full, a
# closed pipe). Sanitizer builds are slower and bigger by design: they keep
# the exit codes and messages but not the time and memory bounds.
# Under ctest the time bounds get a slack of 5 (tests/hostile/run.sh): wall
# time on a loaded machine is noise; the figures are measured by hand.
if(CMFV_SANITIZE)
  set(CMFV_HOSTILE_LIMITS --no-limits)
else()
  set(CMFV_HOSTILE_LIMITS --time-slack 5)
endif()
add_test(NAME hostile.corpus
  COMMAND bash ${CMFV_SRC}/tests/hostile/run.sh ${CMFV_BIN} ${CMFV_HOSTILE_LIMITS})
set_tests_properties(hostile.corpus PROPERTIES LABELS "e2e;hostile" TIMEOUT 900)

# The fuzz smoke run: each harness about a minute, only in a fuzz build
# (CC=clang -DCMFV_FUZZ=ON). CI calls tests/fuzz/smoke.sh directly.
if(CMFV_FUZZ)
  add_test(NAME fuzz.smoke COMMAND bash ${CMFV_SRC}/tests/fuzz/smoke.sh ${CMAKE_BINARY_DIR} 60)
  set_tests_properties(fuzz.smoke PROPERTIES LABELS fuzz TIMEOUT 900)
endif()

# Files we write: planted symlinks and hard links, foreign report folders,
# special files; as root, a second user racing links (tests/hostile/files.sh).
add_test(NAME hostile.files COMMAND bash ${CMFV_SRC}/tests/hostile/files.sh ${CMFV_BIN})
set_tests_properties(hostile.files PROPERTIES LABELS "e2e;hostile" TIMEOUT 300)
