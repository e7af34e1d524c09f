#!/usr/bin/env bash
# The Argo CD plugin (packaging/argocd): generate run the way
# argocd-cmp-server runs it (cmpserver/plugin/plugin.go: the command exec'd
# directly, no shell; cwd = the app folder; the sidecar's environment plus
# what the repo-server sends; a clean /tmp), on a repository holding the CMF
# test chart. Production with a key: the stream comes out with the key mount
# in the CMF Deployment. A bad setup or a failing helm: non-zero exit, the
# reason on stderr, nothing half-rendered trusted.
#   cmp.sh BIN
set -u -o pipefail
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
gen=$root/packaging/argocd/generate
helm=$(bash "$root/tests/helm/fetch-helm.sh" 3) || { echo "cannot fetch Helm"; exit 1; }
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/repo/apps"
ln -s "$helm" "$tmp/bin/helm"
ln -s "$bin" "$tmp/bin/cmf-validate"
cp -r "$root/testdata/charts/cmf" "$tmp/repo/apps/cmf"
printf 'cmf:\n  sql:\n    production: true\nencryption:\n  key:\n    kubernetesSecretName: cmf-key\n    kubernetesSecretProperty: encryption-key\n' >"$tmp/repo/apps/cmf/values-prod.yaml"
printf 'cmf:\n  sql:\n    production: true\n' >"$tmp/repo/apps/cmf/values-nokey.yaml"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# plugin.yaml: a ConfigManagementPlugin whose generate command is a program, not a shell line
python3 - "$root/packaging/argocd/plugin.yaml" <<'PY' && ok plugin.yaml || bad plugin.yaml
import sys, yaml
p = yaml.safe_load(open(sys.argv[1]))
assert p["apiVersion"] == "argoproj.io/v1alpha1" and p["kind"] == "ConfigManagementPlugin"
cmd = p["spec"]["generate"]["command"]
assert cmd[0].startswith("/") and cmd[0].split("/")[-1] not in ("sh", "bash", "dash"), cmd
assert "-c" not in cmd and "args" not in p["spec"]["generate"], cmd
assert p["metadata"]["name"] == "cmf-validate" and p["spec"]["version"] == "v1"
PY

# run NAME PARAMS-JSON [ENV...]: generate as argocd-cmp-server execs it
run() {
	local name=$1 params=$2
	shift 2
	rm -rf "$tmp/tmp" && mkdir "$tmp/tmp"
	(cd "$tmp/repo/apps/cmf" && exec env -i PATH="$tmp/bin:/usr/bin:/bin" TMPDIR="$tmp/tmp" HOME="$tmp/tmp" \
		ARGOCD_APP_NAME="$name" ARGOCD_APP_NAMESPACE=flink ARGOCD_APP_PROJECT_NAME=default \
		ARGOCD_APP_SOURCE_PATH=apps/cmf ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/platform.git \
		KUBE_VERSION=1.31.0 KUBE_API_VERSIONS=v1,apps/v1,batch/v1 \
		ARGOCD_APP_PARAMETERS="$params" "$@" "$gen") >"$tmp/out" 2>"$tmp/err"
}
mounted() { # the stream parses, and the CMF Deployment mounts Secret $1
	python3 - "$tmp/out" "$1" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
dep = [d for d in docs if d["kind"] == "Deployment"][0]
spec = dep["spec"]["template"]["spec"]
vol = [v for v in spec["volumes"] if v.get("secret", {}).get("secretName") == sys.argv[2]]
assert vol and vol[0]["secret"]["defaultMode"] == 256, spec["volumes"]
mnt = [m for c in spec["containers"] if c["name"] == "cmf" for m in c["volumeMounts"] if m["name"] == vol[0]["name"]]
assert mnt and mnt[0]["readOnly"] is True and mnt[0]["mountPath"] == "/opt/cmf/encryption"
assert any(d["kind"] == "ConfigMap" for d in docs) and len(docs) >= 4
PY
}
P='{"name":"values-files","array":["values-prod.yaml"]}'
run cmf "[$P]"
if [ $? = 0 ] && mounted cmf-key; then ok production-mounted; else bad production-mounted; head -5 "$tmp/err"; fi
[ -z "$(ls -A "$tmp/tmp" | grep -v '^helm$')" ] && ok clean-tmp || bad "clean-tmp: $(ls "$tmp/tmp")"

run cmf "[{\"name\":\"set\",\"map\":{\"cmf.sql.production\":\"true\",\"encryption.key.kubernetesSecretName\":\"from-set\",\"encryption.key.kubernetesSecretProperty\":\"k\"}}]"
if [ $? = 0 ] && mounted from-set; then ok production-by-set; else bad production-by-set; head -5 "$tmp/err"; fi

run cmf '[{"name":"values-files","array":["values-nokey.yaml"]}]'
rc=$?
if [ $rc != 0 ] && grep -q CMF001 "$tmp/err" && [ ! -s "$tmp/out" ]; then ok production-without-key-fails; else bad "production-without-key-fails (exit $rc)"; cat "$tmp/err"; fi

run cmf '[{"name":"set-string","map":{"cmf.sql.production":"true"}}]'
rc=$?
# the chart renders "true" into CMF's config as production mode: judged from the render, it fails for the missing key
if [ $rc != 0 ] && grep -q 'CMF00[123]' "$tmp/err" && [ ! -s "$tmp/out" ]; then ok string-mode-fails; else bad "string-mode-fails (exit $rc)"; cat "$tmp/err"; fi

run cmf '[{"name":"values-files","array":["missing.yaml"]}]'
rc=$?
if [ $rc != 0 ] && grep -q "missing.yaml does not exist" "$tmp/err" && [ ! -s "$tmp/out" ]; then ok missing-values-file; else bad "missing-values-file (exit $rc)"; fi

# helm fails inside the pipe: pipefail makes it the plugin's failure
run cmf "[$P,{\"name\":\"set\",\"map\":{\"a[x\":\"1\"}}]"
rc=$?
if [ $rc != 0 ] && grep -qi "error" "$tmp/err"; then ok helm-failure-fails; else bad "helm-failure-fails (exit $rc)"; fi

run cmf '[]'
rc=$?
if [ $rc = 0 ] && grep -q CMF010 "$tmp/err" && ! grep -q cmf-encryption-key "$tmp/out"; then ok plaintext-passes-unmounted; else bad "plaintext-passes-unmounted (exit $rc)"; fi

run cmf "[$P,{\"name\":\"post-render-args\",\"array\":[\"--mount-path\",\"/etc/key\"]}]"
if [ $? = 0 ] && grep -q "mountPath: /etc/key" "$tmp/out"; then ok post-render-args; else bad post-render-args; head -3 "$tmp/err"; fi

run '' "[$P]"
rc=$?
if [ $rc != 0 ] && grep -q ARGOCD_APP_NAME "$tmp/err"; then ok no-app-name; else bad "no-app-name (exit $rc)"; fi

run cmf 'not json'
rc=$?
if [ $rc != 0 ] && grep -q "not a JSON array" "$tmp/err"; then ok bad-parameters; else bad "bad-parameters (exit $rc)"; fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
