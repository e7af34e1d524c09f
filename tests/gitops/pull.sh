#!/usr/bin/env bash
# A chart from a Helm repository: an Argo CD Application with `chart:` and a
# Flux HelmRelease whose sourceRef is a HelmRepository (given with the other
# objects) are pulled with `$HELM_BIN pull --untar` into a private temporary
# folder, which is gone afterwards, also when the pull fails. The repository
# is served from 127.0.0.1 by python3's http.server.
#   pull.sh BIN
set -u -o pipefail
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
helm=$(bash "$root/tests/helm/fetch-helm.sh" 4) || { echo "cannot fetch Helm"; exit 1; }
tmp=$(mktemp -d)
server=
cleanup() { [ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export HELM_BIN=$helm HELM_CACHE_HOME=$tmp/home/cache HELM_CONFIG_HOME=$tmp/home/config \
	HELM_DATA_HOME=$tmp/home/data HELM_PLUGINS=$tmp/home/plugins KUBECONFIG=$tmp/home/kubeconfig
mkdir -p "$tmp/srv" "$tmp/work" "$tmp/t"
"$helm" package "$root/testdata/gitops/argocd/repo/charts/dump" -d "$tmp/srv" >/dev/null || exit 1
python3 -m http.server 0 --bind 127.0.0.1 --directory "$tmp/srv" >"$tmp/srv.log" 2>&1 &
server=$!
port=
for _ in $(seq 50); do
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/srv.log" | head -1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: no http server"; exit 1; }
url=http://127.0.0.1:$port
"$helm" repo index "$tmp/srv" --url "$url" || exit 1
version=$(sed -n 's/^version: //p' "$root/testdata/gitops/argocd/repo/charts/dump/Chart.yaml")
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
want() { # the values helm computes for the chart with ARGS
	"$helm" template cmf "$root/testdata/gitops/argocd/repo/charts/dump" "$@" |
		sed -n 's/^  json: "\(.*\)"$/\1/p' | base64 -d && echo
}
cat >"$tmp/work/app.yaml" <<APP
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: cmf}
spec:
  destination: {namespace: flink}
  source:
    repoURL: $url
    chart: values-dump
    targetRevision: $version
    helm:
      valueFiles: [values-a.yaml]
      parameters: [{name: p, value: "1"}]
APP
(cd "$tmp/work" && TMPDIR=$tmp/t "$bin" values --argocd-app app.yaml -o json) >"$tmp/got" 2>"$tmp/err"
rc=$?
want -f "$root/testdata/gitops/argocd/repo/charts/dump/values-a.yaml" --set p=1 >"$tmp/want"
if [ $rc = 0 ] && cmp -s "$tmp/got" "$tmp/want"; then ok argocd-chart-pulled; else bad "argocd-chart-pulled (exit $rc)"; cat "$tmp/err"; fi
[ -z "$(ls -A "$tmp/t")" ] && ok argocd-temp-removed || bad "argocd-temp-removed: $(ls "$tmp/t")"

sed -i "s/targetRevision: .*/targetRevision: 9.9.9/" "$tmp/work/app.yaml"
(cd "$tmp/work" && TMPDIR=$tmp/t "$bin" check --argocd-app app.yaml) >"$tmp/got" 2>"$tmp/err"
rc=$?
if [ $rc = 3 ] && grep -q "helm pull' of chart values-dump" "$tmp/err"; then ok pull-failure-exit-3; else bad "pull-failure-exit-3 (exit $rc)"; cat "$tmp/err"; fi
[ -z "$(ls -A "$tmp/t")" ] && ok failed-pull-temp-removed || bad "failed-pull-temp-removed: $(ls "$tmp/t")"

cat >"$tmp/work/hr.yaml" <<HR
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cmf, namespace: flink}
spec:
  chart:
    spec:
      chart: values-dump
      version: "$version"
      sourceRef: {kind: HelmRepository, name: charts}
      valuesFiles: [values.yaml, values-b.yaml]
  values: {p: 2}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: charts, namespace: flink}
spec:
  url: $url
HR
(cd "$tmp/work" && TMPDIR=$tmp/t "$bin" values --helmrelease hr.yaml --manifests hr.yaml -o json) >"$tmp/got" 2>"$tmp/err"
rc=$?
want -f "$root/testdata/gitops/argocd/repo/charts/dump/values-b.yaml" --set p=2 >"$tmp/want"
if [ $rc = 0 ] && cmp -s "$tmp/got" "$tmp/want"; then ok flux-helmrepository-pulled; else bad "flux-helmrepository-pulled (exit $rc)"; cat "$tmp/err"; diff "$tmp/want" "$tmp/got"; fi
[ -z "$(ls -A "$tmp/t")" ] && ok flux-temp-removed || bad "flux-temp-removed: $(ls "$tmp/t")"

(cd "$tmp/work" && "$bin" values --helmrelease hr.yaml -o json) >"$tmp/got" 2>"$tmp/err"
rc=$?
if [ $rc = 2 ] && grep -q "give that object with --manifests" "$tmp/err"; then ok flux-no-helmrepository; else bad "flux-no-helmrepository (exit $rc)"; cat "$tmp/err"; fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
