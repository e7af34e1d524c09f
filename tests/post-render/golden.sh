#!/usr/bin/env bash
# Golden post-render cases: testdata/post-render/<case>/ holds input.yaml
# (stdin), args (a bash array body, paths relative to the case folder),
# expected.yaml (the exact stdout), expected.exit and optionally
# expected.stderr-substring (each line must appear in stderr). Every case
# also checks the report file, and every case that exits 0 is run again on
# its own output, which must come back byte for byte (idempotence).
# $CMFV_RUNNER, if set, prefixes every run (valgrind, exiting 99 on its own
# errors, as in tests/golden/run.sh).
#   golden.sh BIN CASES_DIR [--update]
set -u
bin=$1 suite=$(cd "$2" && pwd) update=${3:-}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # dir stdin -> $tmp/out $tmp/err $tmp/exit
	(cd "$1" && env -u HELM_NAMESPACE -u NO_COLOR -u XDG_CACHE_HOME HELM_CACHE_HOME="$tmp/cache" \
		SOURCE_DATE_EPOCH=1780000000 CMFV_TODAY=2026-06-01 ${CMFV_RUNNER:-} "$bin" post-render "${args[@]}" \
		<"$2" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/exit")
}
for dir in "$suite"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	case $name in _*) continue ;; esac
	args=()
	[ -f "$dir/args" ] && eval "args=($(cat "$dir/args"))"
	rm -rf "$tmp/cache"
	run "$dir" "$dir/input.yaml"
	if [ "$update" = --update ]; then
		cp "$tmp/out" "$dir/expected.yaml"; cp "$tmp/exit" "$dir/expected.exit"
	fi
	ok=1 why=
	cmp -s "$tmp/out" "$dir/expected.yaml" || { ok=0; why="stdout differs: $(diff "$dir/expected.yaml" "$tmp/out" | head -20)"; }
	cmp -s "$tmp/exit" "$dir/expected.exit" || { ok=0; why="$why exit $(cat "$tmp/exit"), want $(cat "$dir/expected.exit")"; }
	if [ -f "$dir/expected.stderr-substring" ]; then
		while IFS= read -r want; do
			[ -z "$want" ] && continue
			grep -qF -- "$want" "$tmp/err" || { ok=0; why="$why stderr lacks '$want'"; }
		done <"$dir/expected.stderr-substring"
	fi
	# the report is left where the docs say, with the exit code
	report=$tmp/cache/cmf-validate/last-report.txt
	if [ -f "$dir/args" ] && grep -q -- '--report' "$dir/args"; then
		:
	elif ! head -1 "$report" 2>/dev/null | grep -q "exit $(cat "$tmp/exit")\$"; then
		ok=0; why="$why no report with the exit code in $report"
	fi
	# fail closed: nothing on stdout unless all is well
	if [ "$(cat "$tmp/exit")" != 0 ] && [ -s "$tmp/out" ]; then
		ok=0; why="$why wrote to stdout and failed"
	fi
	if [ "$(cat "$tmp/exit")" = 0 ]; then
		cp "$tmp/out" "$tmp/first"
		run "$dir" "$tmp/first"
		cmp -s "$tmp/out" "$tmp/first" && [ "$(cat "$tmp/exit")" = 0 ] ||
			{ ok=0; why="$why not idempotent: $(diff "$tmp/first" "$tmp/out" | head -10)"; }
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name: $why"; fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
