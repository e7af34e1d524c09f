#!/usr/bin/env bash
# check --helmrelease judged against the real Kustomize (flux-oracle.py):
# generated post-renderer sequences on the rendered CMF test chart; no
# fail-open, no wrong "not mounted". CMFV_ORACLE_CASES (default 150) and
# CMFV_ORACLE_SEED (default 16) choose the sample.
#   flux-oracle.sh BIN
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
"$helm" template cmf "$root/testdata/charts/cmf" --set cmf.sql.production=true \
	--set encryption.key.kubernetesSecretName=cmf-key \
	--set encryption.key.kubernetesSecretProperty=aes.key >"$tmp/rendered.yaml" || exit 1
"$helm" template cmf "$root/testdata/charts/cmf" --set cmf.sql.production=true \
	--set encryption.key.kubernetesSecretName=cmf-key --set nameOverride=cmf-renamed \
	--set encryption.key.kubernetesSecretProperty=aes.key >"$tmp/renamed.yaml" || exit 1
python3 "$root/tests/gitops/flux-oracle.py" "$bin" "$tmp/rendered.yaml" "$root/testdata/charts" \
	"${CMFV_ORACLE_CASES:-150}" "${CMFV_ORACLE_SEED:-16}" "$tmp/renamed.yaml"
