# Key verification end to end (issue 3): fixtures from the real openssl and
# kubectl made at test time, --cluster with the real kubectl against a
# stand-in API server, keygen against kubectl's own manifests, key-info, the
# one-line messages (testdata/keys/expected) and the redaction test. The unit
# tests (test_key, test_secret, test_proc, test_kube) are found by the glob.
add_test(NAME keys.e2e COMMAND bash ${CMFV_SRC}/tests/keys/run.sh ${CMFV_BIN})
set_tests_properties(keys.e2e PROPERTIES LABELS e2e TIMEOUT 900)

# Secrets at rest: the freed-memory scanner (tests/keys/freescan.c) that
# keys.e2e preloads. glibc only; not with the sanitizers, whose own
# allocator would stand between it and the program.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT CMFV_SANITIZE)
  include(CheckCSourceCompiles)
  check_c_source_compiles("
#include <malloc.h>
extern void __libc_free(void *p);
int main(void) { __libc_free(0); return (int)malloc_usable_size(0); }" CMFV_HAVE_GLIBC_MALLOC)
  if(CMFV_HAVE_GLIBC_MALLOC)
    add_library(freescan MODULE ${CMAKE_CURRENT_SOURCE_DIR}/keys/freescan.c)
    target_compile_options(freescan PRIVATE ${CMFV_WARNINGS} -Wno-missing-prototypes)
    set_target_properties(freescan PROPERTIES PREFIX "")
    target_link_libraries(freescan PRIVATE ${CMAKE_DL_LIBS})
    set_property(TEST keys.e2e APPEND PROPERTY ENVIRONMENT CMFV_FREESCAN_LIB=$<TARGET_FILE:freescan>)
  endif()
endif()
