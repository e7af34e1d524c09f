#!/usr/bin/env bash
# Fuzz smoke run: every harness built in BUILD_DIR first replays the inputs
# that once broke it (tests/fuzz/regress/NAME/), then runs for SECONDS (60
# by default) from seed corpora made out of testdata/ and tests/fuzz/seeds/.
# Fails on any crash, leak, sanitizer report, timeout or broken property;
# the input that did it is kept and its path printed. Prints executions,
# exec/s, coverage and corpus growth per harness.
#
#   tests/fuzz/smoke.sh BUILD_DIR [SECONDS]
#   tests/fuzz/smoke.sh BUILD_DIR --gate
#
# --gate is the CI run: a fixed seed (FUZZ_SEED, default 1) and a fixed
# number of executions per harness instead of a time limit, so it does the
# same work on every machine and a red result reproduces anywhere. The
# timed run, with a fresh random seed each time, is the exploratory one
# (docs/hardening.md): its finds go to tests/fuzz/regress/ and so into the
# gate.
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
build=${1:?usage: smoke.sh BUILD_DIR [SECONDS|--gate]}
secs=${2:-60}
gate=0
if [ "$secs" = --gate ]; then
	gate=1
	seed_value=${FUZZ_SEED:-1}
fi
build=$(cd "$build" && pwd)
bindir=$build/tests/fuzz
out=${FUZZ_OUT:-$build/fuzz-out}
ncpu=$(nproc 2>/dev/null || echo 2)
jobs=${FUZZ_JOBS:-$((ncpu > 4 ? 4 : ncpu))}
all="yaml values strvals json key secret config stream post_render oom classify helmargs targz redact gitops chart"
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
	yaml | values | secret | config | post_render | classify)
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
	helmargs)
		cp "$here/seeds/helmargs"/* "$dir/" ;;
	targz)
		cp "$here/seeds/targz"/* "$dir/" ;;
	chart)
		# byte 0: 0 .helmignore, 1 Chart.yaml, 2 .tgz (fuzz_chart.c)
		cp "$here/seeds/chart"/* "$dir/"
		for f in "$src"/testdata/values-diff/loader/*/Chart.yaml; do
			{ printf '\001'; cat "$f"; } >"$dir/chart-$(echo "$f" | cksum | cut -d' ' -f1)"
		done
		for f in "$src"/testdata/values-diff/loader/*/.helmignore; do
			{ printf '\000'; cat "$f"; } >"$dir/ignore-$(echo "$f" | cksum | cut -d' ' -f1)"
		done
		for f in "$src"/testdata/values-diff/loader/*.tgz; do
			{ printf '\002'; cat "$f"; } >"$dir/tgz-$(echo "$f" | cksum | cut -d' ' -f1)"
		done ;;
	redact)
		cp "$here/seeds/redact"/* "$here/seeds/key"/* "$dir/" ;;
	gitops)
		# Flux cases: the HelmRelease and its objects are one stream, given twice
		# (before and after the NUL); Argo CD cases start with '#'
		for f in "$src"/testdata/gitops/flux/cases/*.yaml; do
			{ printf '\n'; cat "$f"; printf '\000'; cat "$f"; } >"$dir/flux-$(basename "$f")"
		done
		for f in "$src"/testdata/gitops/argocd/cases/*.yaml "$src"/testdata/gitops/check/*/*.yaml; do
			cp "$f" "$dir/argocd-$(echo "$f" | cksum | cut -d' ' -f1)"
		done ;;
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
	key | redact) echo "$here/key.dict" ;;
	json | helmargs | targz) echo "" ;;
	*) echo "$here/yaml.dict" ;;
	esac
}

# Executions per harness in --gate mode: about 20-30 s each on one core of
# a 2-core CI machine (the slow harnesses parse whole YAML files per input).
gate_runs() {
	case $1 in
	yaml | values | secret) echo 25000 ;;
	config) echo 20000 ;;
	strvals) echo 200000 ;;
	json) echo 600000 ;;
	key) echo 3000000 ;;
	helmargs) echo 200000 ;;
	redact) echo 1000000 ;;
	stream) echo 300000 ;;
	post_render) echo 150000 ;;
	classify) echo 6000 ;;
	oom) echo 600000 ;;
	targz) echo 200000 ;;
	chart) echo 100000 ;;
	*) echo 20000 ;;
	esac
}

# ---------------------------------------------------------------- run

run_one() {
	local h=$1 bin=$bindir/fuzz_$1 corpus=$corpora/$1 log=$out/$1.log dict
	# The harnesses call the core on libFuzzer's main thread, and ASan's
	# frames are several times larger than a release build's: nesting as
	# deep as Helm allows (10,000) needs more than the usual 8 MB there.
	# cmf-validate itself runs its work on a 64 MB thread (src/cli/main.c);
	# this gives the harnesses the same. (run_one runs in a subshell.)
	ulimit -s 65536 2>/dev/null || ulimit -s unlimited 2>/dev/null || true
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
	local -a limit=(-max_total_time="$secs")
	[ "$gate" = 0 ] || limit=(-runs="$(gate_runs "$h")" -seed="$seed_value")
	# shellcheck disable=SC2086
	"$bin" "$corpus" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
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

if [ "$gate" = 1 ]; then
	echo "fuzz smoke (gate): ${#run_list[@]} harnesses, fixed runs, seed $seed_value, $jobs at a time; logs in $out"
else
	echo "fuzz smoke: ${#run_list[@]} harnesses x ${secs}s, $jobs at a time; logs in $out"
fi
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
