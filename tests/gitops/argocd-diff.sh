#!/usr/bin/env bash
# Argo CD: `cmf-validate values --argocd-app CASE -o json` must print exactly
# what the real Helm computes as .Values (toJson, through the values-dump
# chart) when given the flags Argo CD's repo-server would pass for that
# Application (GITOPS.md A1-A9), for every case in
# testdata/gitops/argocd/cases. Each case is an Application whose first
# lines say what to expect:
#   # want: helm CHART ARGS...      the equivalent `helm template` arguments
#   # want: exit N TEXT             cmf-validate exits N and says TEXT on stderr
#   # flags: ARGS                   more cmf-validate flags (e.g. --ref)
# (tests/gitops/diff-lib.sh runs them.) ARGS are read with bash's eval, with $REPO (a copy of
# testdata/gitops/argocd/repo), $REF (a copy of .../ref), $FILES (.../files)
# and $CHART (a chart outside the repository) set.
#   argocd-diff.sh BIN [3|4 ...]
# $CMFV_RUNNER, if set, prefixes every cmf-validate run (e.g. valgrind).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$1
shift
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(3 4)
data=$root/testdata/gitops/argocd
. "$here/diff-lib.sh"
diff_setup
cp -r "$data/repo" "$tmp/repo"
cp -r "$data/ref" "$tmp/ref"
cp -r "$data/repo/charts/dump" "$tmp/chart"
ln -s /etc/hostname "$tmp/repo/env/link-out.yaml"
REPO=$tmp/repo REF=$tmp/ref FILES=$data/files CHART=$tmp/chart
ours() { # CASE MAJOR EXTRA...
	local f=$1 m=$2
	shift 2
	(cd "$tmp/repo" && ${CMFV_RUNNER:-} "$bin" values --argocd-app "$f" --repo-root "$REPO" --helm-compat "$m" "$@" -o json)
}
diff_run "$data/cases"
