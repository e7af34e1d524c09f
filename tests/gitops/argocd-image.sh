#!/usr/bin/env bash
# The Argo CD sidecar image without a container engine (argocd-image.py):
# every Dockerfile step run for real in a scratch root made from the base
# it names, then the image checked and generate run as argocd-cmp-server
# runs it. Needs root (chroot, mount namespaces). The base root file system
# is a debootstrap minbase of Debian bookworm (what debian:bookworm-slim is
# made from), cached in ~/.cache/cmf-validate/ (made on first use, from
# Debian's mirror); the release archive comes from packaging/release.sh
# (or CMFV_DIST, a folder holding it). Helm's tarball is served from
# 127.0.0.1 as HELM_URL, with its SHA-256 as HELM_SHA256.
#   argocd-image.sh
set -u -o pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (chroot, mount namespaces)"; exit 77; }
unshare --mount true 2>/dev/null || { echo "SKIP: no mount namespaces here"; exit 77; }
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml missing"; exit 77; }
base=${CMFV_BASE_ROOTFS:-$HOME/.cache/cmf-validate/rootfs-debian-bookworm-slim}
if [ ! -x "$base/bin/sh" ]; then
	command -v debootstrap >/dev/null || { echo "SKIP: no $base and no debootstrap (apt-get install debootstrap)"; exit 77; }
	rm -rf "$base.tmp"
	debootstrap --variant=minbase bookworm "$base.tmp" http://deb.debian.org/debian >/dev/null ||
		{ echo "SKIP: debootstrap failed (no Debian mirror?)"; rm -rf "$base.tmp"; exit 77; }
	mv "$base.tmp" "$base"
fi
tmp=$(mktemp -d)
srv_pid=
cleanup() {
	[ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
version=$(sed -n 's/^project(cmf-validate VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
dist=${CMFV_DIST:-}
if [ -z "$dist" ]; then
	dist=$tmp/dist
	HELM_BIN=$(bash "$root/tests/helm/fetch-helm.sh" 4) bash "$root/packaging/release.sh" "$dist" >"$tmp/release.log" 2>&1 ||
		{ echo "release.sh failed:"; tail -5 "$tmp/release.log"; exit 1; }
fi
[ -f "$dist/cmf-validate-$version-linux-amd64.tar.gz" ] || { echo "no release archive in $dist"; exit 1; }
# the build context: the repository, with dist/ holding the archive
mkdir -p "$tmp/context"
ln -s "$root/packaging" "$tmp/context/packaging"
ln -s "$dist" "$tmp/context/dist"
# Helm's tarball, as get.helm.sh lays it out
helm_version=$(sed -n 's/^ARG HELM_VERSION=//p' "$root/packaging/argocd/Dockerfile")
helm3=$(bash "$root/tests/helm/fetch-helm.sh" 3) || { echo "cannot fetch Helm"; exit 1; }
"$helm3" version --template '{{.Version}}' | grep -qx "$helm_version" ||
	{ echo "cached Helm 3 is not $helm_version"; exit 1; }
mkdir -p "$tmp/srv/linux-amd64"
cp "$helm3" "$tmp/srv/linux-amd64/helm"
tar -czf "$tmp/srv/helm-$helm_version-linux-amd64.tar.gz" -C "$tmp/srv" linux-amd64
sum=$(sha256sum "$tmp/srv/helm-$helm_version-linux-amd64.tar.gz" | cut -d' ' -f1)
python3 "$root/tests/release/serve.py" "$tmp/srv" "$tmp/port" &
srv_pid=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
mkdir -p "$tmp/work"
python3 "$root/tests/gitops/argocd-image.py" "$root" "$tmp/context" "$base" "$tmp/work" \
	VERSION="$version" HELM_SHA256="$sum" \
	HELM_URL="http://127.0.0.1:$(cat "$tmp/port")/helm-$helm_version-linux-amd64.tar.gz"
