#!/usr/bin/env bash
# Every test, as CI runs them: a -Werror build and ctest, then the unit and
# end-to-end suites again under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the unit tests, the golden suites and the small hostile inputs under
# valgrind memcheck, then the deterministic fuzz smoke run (docs/hardening.md).
# CMFV_SKIP_SANITIZERS=1 and CMFV_SKIP_FUZZ=1 skip stages.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

echo "== build (-Werror) and ctest"
cmake -S . -B build -DCMFV_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${CMFV_SKIP_SANITIZERS:-0}" != 1 ]; then
	echo "== ASan + UBSan build and ctest (unit, e2e)"
	cmake -S . -B build-asan -DCMFV_WERROR=ON -DCMFV_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j "$jobs"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build-asan --output-on-failure -j "$jobs" -L 'unit|e2e'

	echo "== valgrind memcheck (unit tests)"
	fails=0
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		if ! valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			"$t" >/dev/null 2>"$t.valgrind"; then
			echo "valgrind: $t failed:"; tail -30 "$t.valgrind"; fails=$((fails + 1))
		fi
	done
	[ $fails = 0 ] || { echo "valgrind: $fails test program(s) failed"; exit 1; }
	echo "valgrind: all unit test programs clean"

	echo "== valgrind memcheck (end-to-end golden suites: every command, every format)"
	for suite in check lint upgrade gitops/check; do
		CMFV_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
			bash tests/golden/run.sh build/cmf-validate "testdata/$suite" | tail -1
		[ "${PIPESTATUS[0]}" = 0 ] || { echo "valgrind: golden suite $suite failed"; exit 1; }
	done
	for t in argocd-diff flux-diff; do
		CMFV_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
			bash tests/gitops/$t.sh build/cmf-validate 4 | tail -1
		[ "${PIPESTATUS[0]}" = 0 ] || { echo "valgrind: gitops $t failed"; exit 1; }
	done
	CMFV_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
		bash tests/post-render/golden.sh build/cmf-validate testdata/post-render | tail -1
	[ "${PIPESTATUS[0]}" = 0 ] || { echo "valgrind: post-render golden suite failed"; exit 1; }
	# post-render from a pipe (the memory that grows by mremap), once
	HELM_CACHE_HOME="$PWD/build/helm-cache" valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		build/cmf-validate post-render -f testdata/post-render/_values/prod.yaml --kcv 1a2b3c \
		< <(cat testdata/post-render/helm3-chart/input.yaml) >/dev/null 2>build/valgrind-pipe.log ||
		{ cat build/valgrind-pipe.log; echo "valgrind: post-render from a pipe failed"; exit 1; }
	echo "valgrind: post-render from a pipe clean"

	echo "== valgrind memcheck (hostile corpus, inputs up to 64 KiB)"
	CMFV_RUNNER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect" \
		bash tests/hostile/run.sh build/cmf-validate --no-limits --small >build/hostile-valgrind.log 2>&1 ||
		{ grep -v '^ok' build/hostile-valgrind.log; echo "valgrind: hostile corpus failed"; exit 1; }
	echo "valgrind: hostile corpus clean"
fi

if [ "${CMFV_SKIP_FUZZ:-0}" != 1 ]; then
	# The gate is deterministic (fixed seed, fixed executions per harness):
	# the same on every machine, and a failure reproduces. CMFV_FUZZ_SECONDS
	# makes it the exploratory timed run with a random seed instead.
	if [ -n "${CMFV_FUZZ_SECONDS:-}" ]; then
		echo "== fuzz smoke (libFuzzer, clang; $CMFV_FUZZ_SECONDS s per harness, random seed)"
	else
		echo "== fuzz smoke (libFuzzer, clang; fixed seed and executions per harness)"
	fi
	CC=clang cmake -S . -B build-fuzz -DCMFV_FUZZ=ON -DCMFV_TESTS=OFF -DCMFV_WERROR=ON >/dev/null
	cmake --build build-fuzz -j "$jobs"
	bash tests/fuzz/smoke.sh build-fuzz "${CMFV_FUZZ_SECONDS:---gate}"
fi
