#!/usr/bin/env bash
# flux-patch: the patch it prints, applied to the rendered CMF test chart by
# the real Kustomize (`kubectl kustomize`, as Flux's post-renderer builds it),
# must give the same CMF Deployment, compared as data, as `cmf-validate
# post-render` on the same render. One run per set of mount flags.
# volumes and volumeMounts are compared as the API server keys them (by
# name, by mountPath): Kustomize's strategic merge puts the patch's entries
# first, post-render appends them, and Kubernetes gives the order no meaning.
#   flux-patch.sh BIN
set -u -o pipefail
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
helm=$(bash "$root/tests/helm/fetch-helm.sh" 4) || { echo "cannot fetch Helm"; exit 1; }
command -v kubectl >/dev/null || { echo "SKIP: no kubectl"; exit 77; }
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HELM_CACHE_HOME=$tmp/home/cache HELM_CONFIG_HOME=$tmp/home/config \
	HELM_DATA_HOME=$tmp/home/data HELM_PLUGINS=$tmp/home/plugins KUBECONFIG=$tmp/home/kubeconfig
vals=(--set cmf.sql.production=true --set encryption.key.kubernetesSecretName=cmf-key
	--set encryption.key.kubernetesSecretProperty=aes.key)
pass=0 fail=0
run() { # name, mount flags...
	local name=$1 d=$tmp/$1
	shift
	mkdir -p "$d"
	"$helm" template cmf "$root/testdata/charts/cmf" "${vals[@]}" >"$d/rendered.yaml" &&
		"$bin" flux-patch "${vals[@]}" "$@" >"$d/block.yaml" &&
		"$bin" post-render "${vals[@]}" "$@" <"$d/rendered.yaml" >"$d/post-rendered.yaml" 2>/dev/null &&
		python3 - "$d" <<'PY' &&
import sys, yaml
d = sys.argv[1]
block = yaml.safe_load(open(d + "/block.yaml"))
patches = block["postRenderers"][0]["kustomize"]["patches"]
yaml.safe_dump({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                "resources": ["rendered.yaml"], "patches": patches},
               open(d + "/kustomization.yaml", "w"))
PY
		kubectl kustomize "$d" >"$d/kustomized.yaml" &&
		python3 - "$d" <<'PY'
import sys, yaml
d = sys.argv[1]
def norm(dep):
    spec = dep["spec"]["template"]["spec"]
    spec["volumes"] = sorted(spec.get("volumes", []), key=lambda v: v["name"])
    for c in spec["containers"]:
        c["volumeMounts"] = sorted(c.get("volumeMounts", []), key=lambda m: m["mountPath"])
    return dep
def deps(f):
    return [norm(x) for x in yaml.safe_load_all(open(f)) if x and x.get("kind") == "Deployment"]
a, b = deps(d + "/kustomized.yaml"), deps(d + "/post-rendered.yaml")
orig = deps(d + "/rendered.yaml")
if len(a) != 1 or a != b:
    print("Deployments differ:\n", yaml.safe_dump(a), "\n---\n", yaml.safe_dump(b))
    sys.exit(1)
if a == orig:
    print("nothing was mounted")
    sys.exit(1)
PY
	if [ $? = 0 ]; then pass=$((pass + 1)); echo "PASS $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}
run defaults
run custom-mount --mount-path /etc/cmf-key --volume-name aes --file-name key.bin
run by-name --deployment confluent-manager-for-apache-flink --container cmf
# the patch for other names must not match this chart: nothing mounted, and check says so
if "$bin" flux-patch "${vals[@]}" --deployment other >"$tmp/other.yaml" && grep -q 'name: "other"' "$tmp/other.yaml"; then
	pass=$((pass + 1)); echo "PASS other-deployment-named"
else
	fail=$((fail + 1)); echo "FAIL other-deployment-named"
fi
# no key Secret: a usage error, never an empty patch
"$bin" flux-patch --set cmf.sql.production=true >"$tmp/none.out" 2>"$tmp/none.err"
if [ $? = 2 ] && [ ! -s "$tmp/none.out" ] && grep -q "no key Secret" "$tmp/none.err"; then
	pass=$((pass + 1)); echo "PASS no-secret"
else
	fail=$((fail + 1)); echo "FAIL no-secret"
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
