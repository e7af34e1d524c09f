#!/usr/bin/env bash
# Golden end-to-end cases: testdata/<suite>/<case>/<run>.args holds the
# arguments (a bash array body), <run>.out the exact stdout, <run>.exit the
# exit code, and optionally <run>.err the exact stderr and <run>.stdin the
# input. Each run happens inside the case folder, so paths are relative, with
# SOURCE_DATE_EPOCH and CMFV_TODAY fixed so that reports are reproducible.
# $CMFV_RUNNER, if set, prefixes every run (e.g. valgrind); it must exit
# 99 on its own errors so that they show as a wrong exit code.
#   run.sh BIN SUITE_DIR [--update]
set -u
bin=$1 suite=$2 update=${3:-}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for argsf in "$suite"/*/*.args; do
	dir=$(dirname "$argsf") run=$(basename "$argsf" .args)
	name="$(basename "$dir")/$run"
	eval "args=($(cat "$argsf"))"
	stdin=/dev/null
	[ -f "$dir/$run.stdin" ] && stdin="$(cd "$dir" && pwd)/$run.stdin"
	(cd "$dir" && env -u HELM_NAMESPACE -u NO_COLOR SOURCE_DATE_EPOCH=1780000000 CMFV_TODAY=2026-06-01 ${CMFV_RUNNER:-} "$bin" "${args[@]}" <"$stdin" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/exit")
	if [ "$update" = --update ]; then
		cp "$tmp/out" "$dir/$run.out"; cp "$tmp/exit" "$dir/$run.exit"
		[ -s "$tmp/err" ] && cp "$tmp/err" "$dir/$run.err" || rm -f "$dir/$run.err"
	fi
	ok=1
	cmp -s "$tmp/out" "$dir/$run.out" || { ok=0; echo "--- $name: stdout differs"; diff "$dir/$run.out" "$tmp/out" | head -20; }
	cmp -s "$tmp/exit" "$dir/$run.exit" || { ok=0; echo "--- $name: exit $(cat "$tmp/exit"), want $(cat "$dir/$run.exit")"; }
	if [ -f "$dir/$run.err" ]; then
		cmp -s "$tmp/err" "$dir/$run.err" || { ok=0; echo "--- $name: stderr differs"; diff "$dir/$run.err" "$tmp/err" | head -20; }
	elif [ -s "$tmp/err" ]; then
		ok=0; echo "--- $name: unexpected stderr:"; head -5 "$tmp/err"
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
