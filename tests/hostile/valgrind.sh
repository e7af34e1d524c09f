#!/usr/bin/env bash
# cmf-validate under valgrind memcheck, as a drop-in binary for the golden
# and hostile runners: $CMFV_VALGRIND_BIN is the real binary. Any memory
# error or definite/indirect leak makes the exit code 99, which no case
# expects; valgrind's report goes to $CMFV_VALGRIND_LOG/vg.PID, not stderr,
# so that expected stderr still compares.
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--log-file="${CMFV_VALGRIND_LOG:-/tmp}/vg.%p" "${CMFV_VALGRIND_BIN:?set CMFV_VALGRIND_BIN}" "$@"
