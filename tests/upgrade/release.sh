#!/usr/bin/env bash
# check --release: the deployed values come from `$HELM_BIN get values` (a
# stand-in script serving recorded output, see helm-standin.sh) and the
# deployed key's KCV from the CMF Deployment's annotation, read by the real
# kubectl from a stand-in API server.
#   release.sh BIN
set -u
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kubectl=$(bash "$root/tests/helm/fetch-helm.sh" kubectl) || exit 1
export CMFV_REAL_HELM=$(bash "$root/tests/helm/fetch-helm.sh" 4) || exit 1
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
pass=0 fail=0
t() { # name want-exit want-rules -- args
	local name=$1 want=$2 rules=$3; shift 4
	"$bin" check "$@" -o json >out.json 2>err.txt
	local rc=$? got
	got=$(python3 -c 'import json; print(" ".join(sorted(f["rule"] for f in json.load(open("out.json"))["findings"])))' 2>/dev/null)
	if [ $rc = "$want" ] && [ "$got" = "$rules" ]; then pass=$((pass + 1)); echo "ok   $name"
	else fail=$((fail + 1)); echo "FAIL $name: exit $rc [$got], want $want [$rules]"; cat err.txt; fi
}
openssl rand -out old.key 32; openssl rand -out new.key 32
old_kcv=$("$bin" key-info --key-file old.key | sed 's/.*KCV //')
mkdir -p api/flink
# The deployed CMF Deployment is what post-render wrote on the last install:
# render the test chart, post-render it with the old key, and serve that
# Deployment (as JSON, with Helm's release annotation) from the API server.
printf 'cmf: {sql: {production: true}}\nencryption: {key: {kubernetesSecretName: cmf-encryption-key, kubernetesSecretProperty: encryption-key}}\n' >installed.yaml
"$CMFV_REAL_HELM" template cmf "$root/testdata/charts/cmf" -n flink -f installed.yaml --show-only templates/deployment.yaml >dep.yaml
"$bin" post-render -f installed.yaml --key-file old.key --report /dev/null <dep.yaml >dep-post.yaml ||
	{ echo "post-render failed"; exit 1; }
grep -q "cmf-validate.io/key-kcv" dep-post.yaml || { echo "post-render wrote no KCV annotation"; exit 1; }
grep -v '^#' dep-post.yaml | grep -v '^---' >dep-body.yaml
"$bin" values -f dep-body.yaml -o json >dep.json
python3 - "$old_kcv" <<'PY'
import json, sys
dep = json.load(open("dep.json"))
assert dep["metadata"]["annotations"]["cmf-validate.io/key-kcv"] == sys.argv[1], "post-render recorded another KCV"
dep["metadata"].setdefault("annotations", {})["meta.helm.sh/release-name"] = "cmf"
dep["metadata"]["namespace"] = "flink"
other = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "namespace": "flink",
         "annotations": {"meta.helm.sh/release-name": "other", "cmf-validate.io/key-kcv": "000000"}}}
json.dump({"apiVersion": "apps/v1", "kind": "DeploymentList", "metadata": {}, "items": [other, dep]}, open("api/flink/deployments.json", "w"))
PY
python3 "$root/tests/keys/fake-apiserver.py" port api & srv=$!
for _ in $(seq 50); do [ -f port ] && break; sleep 0.1; done
printf 'apiVersion: v1\nkind: Config\nclusters: [{name: f, cluster: {server: "http://127.0.0.1:%s"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: f, context: {cluster: f, user: u}}]\ncurrent-context: f\n' "$(cat port)" >kubeconfig
export KUBECONFIG=$tmp/kubeconfig CMFV_KUBECTL=$kubectl HELM_BIN=$here/helm-standin.sh HELM_NAMESPACE=flink
printf 'cmf: {sql: {production: true}}\nencryption: {key: {kubernetesSecretName: cmf-encryption-key, kubernetesSecretProperty: encryption-key}}\n' >prod.yaml
printf 'cmf: {sql: {production: false}}\n' >dev.yaml
printf 'cmf: {sql: {production: true}}\nencryption: {key: {kubernetesSecretName: cmf-key-v2, kubernetesSecretProperty: encryption-key}}\n' >renamed.yaml
t "same values, same key: no finding" 0 "" -- -f prod.yaml --release cmf --key-file old.key
t "another key: CMF042" 1 "CMF042" -- -f prod.yaml --release cmf --key-file new.key
t "production to development: CMF040" 1 "CMF010 CMF040" -- -f dev.yaml --release cmf
t "renamed Secret: CMF041" 1 "CMF041" -- -f renamed.yaml --release cmf
t "development to production: CMF040" 1 "CMF040" -- -f prod.yaml --release cmf-dev
t "no such release: an install" 0 "" -- -f prod.yaml --release fresh --key-file new.key
t "--previous-kcv wins over the cluster" 0 "" -- -f prod.yaml --release cmf --key-file new.key --previous-kcv "$("$bin" key-info --key-file new.key | sed 's/.*KCV //')"
t "--allow-unsafe-upgrade: warnings" 0 "CMF042" -- -f prod.yaml --release cmf --key-file new.key --allow-unsafe-upgrade
grep -q 'allow-unsafe-upgrade' err.txt && { pass=$((pass + 1)); echo "ok   the override is logged"; } || { fail=$((fail + 1)); echo "FAIL override not logged"; }
HELM_BIN=/nonexistent/helm "$bin" check -f prod.yaml --release cmf >/dev/null 2>err.txt
[ $? = 3 ] && { pass=$((pass + 1)); echo "ok   helm missing: exit 3"; } || { fail=$((fail + 1)); echo "FAIL helm missing"; cat err.txt; }
echo "$pass passed, $fail failed"
[ $fail = 0 ]
