#!/usr/bin/env bash
# Flux: `cmf-validate values --helmrelease CASE --manifests CASE -o json` must print exactly
# what the real Helm computes as .Values (toJson, through the values-dump
# chart) when given the flags equivalent to what helm-controller computes for that
# HelmRelease (GITOPS.md C1-C3), for every case in
# testdata/gitops/flux/cases. Each case is a HelmRelease (the ConfigMaps and
# Secrets its valuesFrom names follow it in the same file) whose first
# lines say what to expect:
#   # want: helm CHART ARGS...      the equivalent `helm template` arguments
#   # want: exit N TEXT             cmf-validate exits N and says TEXT on stderr
#   # flags: ARGS                   more cmf-validate flags (e.g. --ref)
# ARGS are read with bash's eval, with $REPO (a copy of
# testdata/gitops/argocd/repo), $FILES (testdata/gitops/flux/files)
# and $NOVALUES (the chart without its values.yaml) set.
#   flux-diff.sh BIN [3|4 ...]
# $CMFV_RUNNER, if set, prefixes every cmf-validate run (e.g. valgrind).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$1
shift
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(3 4)
data=$root/testdata/gitops/flux
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HELM_CACHE_HOME=$tmp/home/cache HELM_CONFIG_HOME=$tmp/home/config \
	HELM_DATA_HOME=$tmp/home/data HELM_PLUGINS=$tmp/home/plugins KUBECONFIG=$tmp/home/kubeconfig
unset HELM_NAMESPACE ARGOCD_APP_REVISION
cp -rL "$data/repo" "$tmp/repo"
cp -r "$data/repo/charts/dump" "$tmp/novalues"
rm "$tmp/novalues/values.yaml"
REPO=$tmp/repo FILES=$data/files NOVALUES=$tmp/novalues
pass=0 fail=0
declare -A helm
for m in "${majors[@]}"; do
	helm[$m]=$(bash "$root/tests/helm/fetch-helm.sh" "$m") || { echo "cannot fetch Helm $m"; exit 1; }
done
for f in "$data"/cases/*.yaml; do
	name=$(basename "$f" .yaml)
	want=$(sed -n 's/^# want: //p' "$f" | head -1)
	flags=$(sed -n 's/^# flags: //p' "$f" | head -1)
	eval "extra=($flags)"
	for m in "${majors[@]}"; do
		(cd "$tmp/repo" && ${CMFV_RUNNER:-} "$bin" values --helmrelease "$f" --manifests "$f" --repo-root "$REPO" --helm-compat "$m" "${extra[@]}" -o json) >"$tmp/got" 2>"$tmp/err"
		rc=$?
		case $want in
		exit\ *)
			code=${want#exit }
			text=${code#* }
			code=${code%% *}
			if [ "$rc" = "$code" ] && grep -qF -- "$text" "$tmp/err"; then
				pass=$((pass + 1)); echo "PASS $name (helm $m)"
			else
				fail=$((fail + 1)); echo "FAIL $name (helm $m): exit $rc, want $code with '$text'"; head -3 "$tmp/err"
			fi
			;;
		helm\ *)
			eval "hargs=(${want#helm })"
			"${helm[$m]}" template cmf "${hargs[@]}" >"$tmp/h" 2>"$tmp/herr" || { fail=$((fail + 1)); echo "FAIL $name (helm $m): helm failed: $(head -c 300 "$tmp/herr")"; continue; }
			sed -n 's/^  json: "\(.*\)"$/\1/p' "$tmp/h" | base64 -d >"$tmp/want" && echo >>"$tmp/want"
			if [ $rc = 0 ] && cmp -s "$tmp/got" "$tmp/want"; then
				pass=$((pass + 1)); echo "PASS $name (helm $m)"
			else
				fail=$((fail + 1)); echo "FAIL $name (helm $m): exit $rc"; head -3 "$tmp/err"; diff "$tmp/want" "$tmp/got" | head -5
			fi
			;;
		*) fail=$((fail + 1)); echo "FAIL $name: no '# want:' line" ;;
		esac
	done
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
