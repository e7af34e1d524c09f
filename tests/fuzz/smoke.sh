#!/usr/bin/env bash
# Fuzz smoke run: every harness built in BUILD_DIR first replays the inputs
# that once broke it (tests/fuzz/regress/NAME/), then runs for SECONDS (60
# by default) from seed corpora made out of testdata/ and tests/fuzz/seeds/.
# Fails on any crash, leak, sanitizer report, timeout or broken property;
# the input that did it is kept and its path printed. Prints executions,
# exec/s, coverage and corpus growth per harness.
#
#   tests/fuzz/smoke.sh BUILD_DIR [SECONDS]
#
# Environment:
#   FUZZ_JOBS     harnesses run at once (default: the number of CPUs, max 4)
#   FUZZ_ONLY     space-separated harness names (yaml values ...) to run
#   FUZZ_CORPUS   keep and reuse the corpora here (default: a temp dir)
#   FUZZ_OUT      where crashes and logs go (default: BUILD_DIR/fuzz-out)
#   FUZZ_ARGS     extra libFuzzer flags (e.g. -max_len=65536)
# The long run is the same script with a large SECONDS and a kept corpus:
# see docs/hardening.md.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:?usage: smoke.sh BUILD_DIR [SECONDS]}
secs=${2:-60}
build=$(cd "$build" && pwd)
bindir=$build/tests/fuzz
out=${FUZZ_OUT:-$build/fuzz-out}
ncpu=$(nproc 2>/dev/null || echo 2)
jobs=${FUZZ_JOBS:-$((ncpu > 4 ? 4 : ncpu))}
all="yaml values strvals json key secret config stream post_render oom"
only=${FUZZ_ONLY:-$all}

mkdir -p "$out"
if [ -n "${FUZZ_CORPUS:-}" ]; then
	corpora=$FUZZ_CORPUS
	mkdir -p "$corpora"
else
	corpora=$(mktemp -d)
	trap 'rm -rf "$corpora"' EXIT
fi

# ---------------------------------------------------------------- seeds

yaml_files() { find "$src/testdata" "$here/seeds" -type f \( -name '*.yaml' -o -name '*.yml' \) -size -64k; }
json_files() { find "$src/testdata" "$here/seeds" -type f -name '*.json' -size -64k; }

# --set arguments from the differential cases, one flag per seed file in
# fuzz_strvals' format (kind letter, then the argument).
strvals_seeds() {
	local dir=$1 line n=0 i a kind
	while IFS= read -r line; do
		case $line in '#'* | '') continue ;; esac
		line=$(printf '%s' "$line" | sed 's/^\(@[^ ]* \)*//')
		local -a args=()
		eval "args=($line)" 2>/dev/null || continue
		for ((i = 0; i < ${#args[@]}; i++)); do
			a=${args[i]} kind=
			case $a in
			--set | --set-string | --set-json | --set-literal)
				kind=$a a=${args[i + 1]:-} ;;
			--set=* | --set-string=* | --set-json=* | --set-literal=*)
				kind=${a%%=*} a=${a#*=} ;;
			esac
			case $kind in
			--set) printf 's%s' "$a" ;;
			--set-string) printf 'S%s' "$a" ;;
			--set-json) printf 'j%s' "$a" ;;
			--set-literal) printf 'l%s' "$a" ;;
			*) continue ;;
			esac >"$dir/cases-$n.txt"
			n=$((n + 1))
		done
	done <"$src/testdata/values-diff/cases.txt"
}

seed() {
	local h=$1 dir=$2 f n=0
	mkdir -p "$dir"
	case $h in
	yaml | values | secret | config | post_render)
		yaml_files | while read -r f; do cp "$f" "$dir/$(echo "$f" | cksum | cut -d' ' -f1)"; done
		json_files | while read -r f; do cp "$f" "$dir/$(echo "$f" | cksum | cut -d' ' -f1)"; done
		[ -d "$here/seeds/$h" ] && cp "$here/seeds/$h"/* "$dir/" ;;
	stream)
		# byte 0 is the read block size for the second pass
		yaml_files | while read -r f; do
			{ printf '\007'; cat "$f"; } >"$dir/$(echo "$f" | cksum | cut -d' ' -f1)"
		done ;;
	json)
		json_files | while read -r f; do cp "$f" "$dir/$(echo "$f" | cksum | cut -d' ' -f1)"; done
		cp "$here/seeds/json"/* "$dir/" ;;
	strvals)
		strvals_seeds "$dir"
		cp "$here/seeds/strvals"/* "$dir/" ;;
	key)
		cp "$here/seeds/key"/* "$dir/" ;;
	oom)
		# byte 0: entry point (0 YAML stream, 1 values, 2 --set, 3 JSON,
		# 4 Secret, 5 config; +128 sticky); bytes 1-2: which allocation fails
		for f in "$here/seeds/secret/list.yaml" "$here/seeds/config/full.yaml" \
			"$src/testdata/values-diff/anchors.yaml" "$here/seeds/json/mixed.json" \
			"$here/seeds/strvals/lists.txt"; do
			[ -f "$f" ] || continue
			for t in '\000' '\001' '\002' '\003' '\004' '\005' '\201'; do
				{ printf "$t"'\003\000'; cat "$f"; } >"$dir/oom-$n"
				n=$((n + 1))
			done
		done ;;
	esac
}

dict_for() {
	case $1 in
	strvals) echo "$here/strvals.dict" ;;
	key) echo "$here/key.dict" ;;
	json) echo "" ;;
	*) echo "$here/yaml.dict" ;;
	esac
}

# ---------------------------------------------------------------- run

run_one() {
	local h=$1 bin=$bindir/fuzz_$1 corpus=$corpora/$1 log=$out/$1.log dict
	dict=$(dict_for "$h")
	[ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ] || seed "$h" "$corpus"
	mkdir -p "$out/crashes"
	# first the inputs that once broke it (tests/fuzz/regress/NAME), once each
	if [ -d "$here/regress/$h" ] && ! "$bin" "$here/regress/$h"/* >"$log" 2>&1; then
		echo "regression input failed again" >>"$log"
		echo 1 >"$out/$h.rc"
		return
	fi
	# -timeout: one input taking 10 s is a find (bounded time);
	# -rss_limit_mb: so is one needing 2 GiB
	# shellcheck disable=SC2086
	"$bin" "$corpus" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-print_final_stats=1 -artifact_prefix="$out/crashes/$h-" ${dict:+-dict="$dict"} \
		${FUZZ_ARGS:-} >"$log" 2>&1
	echo $? >"$out/$h.rc"
}

declare -a run_list=()
missing=""
for h in $only; do
	if [ -x "$bindir/fuzz_$h" ]; then
		run_list+=("$h")
	else
		missing="$missing $h"
	fi
done
[ -z "$missing" ] || echo "fuzz smoke: not built (module not there yet?):$missing"
[ ${#run_list[@]} -gt 0 ] || { echo "fuzz smoke: no harness built in $bindir"; exit 1; }

echo "fuzz smoke: ${#run_list[@]} harnesses x ${secs}s, $jobs at a time; logs in $out"
running=0
for h in "${run_list[@]}"; do
	rm -f "$out/$h.rc"
	run_one "$h" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

# ---------------------------------------------------------------- report

stat() { sed -n "s/^stat::$2: *//p" "$out/$1.log" | tail -1; }
fails=0
printf '%-12s %10s %8s %7s %7s %7s %6s  %s\n' harness execs exec/s cov ft corpus rss result
for h in "${run_list[@]}"; do
	rc=$(cat "$out/$h.rc" 2>/dev/null || echo 99)
	last=$(grep -E '^#[0-9]+' "$out/$h.log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	result=ok
	if [ "$rc" != 0 ]; then
		result="FAIL (exit $rc)"
		fails=$((fails + 1))
	fi
	printf '%-12s %10s %8s %7s %7s %7s %5sM  %s\n' "$h" "$(stat "$h" number_of_executed_units)" \
		"$(stat "$h" average_exec_per_sec)" "${cov:--}" "${ft:--}" "${corp:--}" \
		"$(stat "$h" peak_rss_mb)" "$result"
done
if [ $fails != 0 ]; then
	for h in "${run_list[@]}"; do
		[ "$(cat "$out/$h.rc")" = 0 ] && continue
		echo "---- fuzz_$h: $out/$h.log (tail)"
		grep -E 'ERROR|SUMMARY|property failed|Test unit written|^==[0-9]+==' "$out/$h.log" | head -20
		tail -5 "$out/$h.log"
	done
	echo "fuzz smoke: $fails harness(es) failed; reproduce with: $bindir/fuzz_NAME $out/crashes/NAME-..."
	exit 1
fi
echo "fuzz smoke: all harnesses clean"
