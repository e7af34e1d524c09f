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
# (tests/gitops/diff-lib.sh runs them.) ARGS are read with bash's eval, with $REPO (a copy of
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
. "$here/diff-lib.sh"
diff_setup
cp -rL "$data/repo" "$tmp/repo"
cp -r "$data/repo/charts/dump" "$tmp/novalues"
rm "$tmp/novalues/values.yaml"
REPO=$tmp/repo FILES=$data/files NOVALUES=$tmp/novalues
ours() { # CASE MAJOR EXTRA...
	local f=$1 m=$2
	shift 2
	(cd "$tmp/repo" && ${CMFV_RUNNER:-} "$bin" values --helmrelease "$f" --manifests "$f" --repo-root "$REPO" --helm-compat "$m" "$@" -o json)
}
diff_run "$data/cases"
