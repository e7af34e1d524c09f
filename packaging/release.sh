#!/usr/bin/env bash
# Build the release artefacts into OUTDIR:
#   cmf-validate-VERSION-linux-amd64.tar.gz  Helm 3 (and 4) plugin archive, plugin.yaml at the root
#   cmf-validate-VERSION.tgz                 Helm 4 `helm plugin package` of the CLI plugin
#   cmf-post-renderer-VERSION.tgz            Helm 4 `helm plugin package` of the post-renderer plugin
#   (*.tgz.prov)                             signatures, with --sign --key NAME --keyring FILE
#   cmf-validate_VERSION_amd64.deb           Debian package (CPack)
#   SHA256SUMS
# The binary links libyaml, libcyaml and libcrypto statically: only libc is dynamic.
# Helm 4's packager is $HELM_BIN (or helm) and must be Helm 4.
#   release.sh OUTDIR [--sign --key NAME --keyring FILE [--passphrase-file FILE]]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: release.sh OUTDIR [--sign --key NAME --keyring FILE]}
shift
sign=0 key= keyring= passfile=
while [ $# -gt 0 ]; do
	case $1 in
	--sign) sign=1 ;;
	--key) key=$2; shift ;;
	--keyring) keyring=$2; shift ;;
	--passphrase-file) passfile=$2; shift ;;
	*) echo "release.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
helm=${HELM_BIN:-helm}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(sed -n 's/^project(cmf-validate VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || { echo "release.sh: no version in CMakeLists.txt" >&2; exit 1; }
for f in plugin.yaml packaging/cmf-post-renderer/plugin.yaml postrenderer/cmf-post-renderer/plugin.yaml; do
	grep -q "^version: $version\$" "$root/$f" || { echo "release.sh: $f is not at version $version" >&2; exit 1; }
done
case $("$helm" version --template '{{.Version}}' 2>/dev/null) in
v4.*) ;;
*) echo "release.sh: $helm is not Helm 4 (set HELM_BIN)" >&2; exit 1 ;;
esac

echo "== build $version (static libyaml, libcyaml, libcrypto)"
cmake -S "$root" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMFV_STATIC_DEPS=ON -DCMFV_TESTS=OFF \
	-DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$work/build" -j 2 >/dev/null
bin=$work/build/cmf-validate
strip "$bin"
if ldd "$bin" | grep -Eq 'libyaml|libcyaml|libcrypto'; then
	echo "release.sh: the binary still links a library dynamically:" >&2; ldd "$bin" >&2; exit 1
fi

echo "== Helm 3 archive"
stage=$work/helm3
mkdir -p "$stage/bin" "$stage/packaging"
install -m 0755 "$bin" "$stage/bin/cmf-validate"
cp "$root/plugin.yaml" "$root/completion.yaml" "$root/README.md" "$root/LICENSE" "$stage/"
install -m 0755 "$root/packaging/build-plugin.sh" "$stage/packaging/"
# Helm 4's post-renderer, nested so that only the wrapper's HELM_PLUGINS sees it
mkdir -p "$stage/postrenderer/cmf-post-renderer"
cp "$root/postrenderer/cmf-post-renderer/plugin.yaml" "$stage/postrenderer/cmf-post-renderer/"
# plugin.yaml at the archive root and no `./` entry: Helm 3 fails on one
tar --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -C "$stage" \
	-czf "$out/cmf-validate-$version-linux-amd64.tar.gz" plugin.yaml completion.yaml README.md LICENSE bin packaging postrenderer

echo "== Helm 4 plugin packages"
signargs=(--sign=false)
if [ $sign = 1 ]; then
	signargs=(--sign --key "$key" --keyring "$keyring")
	[ -n "$passfile" ] && signargs+=(--passphrase-file "$passfile")
fi
cli=$work/cmf-validate
cp -r "$stage" "$cli"
pr=$work/cmf-post-renderer
mkdir -p "$pr/bin"
install -m 0755 "$bin" "$pr/bin/cmf-validate"
cp "$root/packaging/cmf-post-renderer/plugin.yaml" "$root/LICENSE" "$pr/"
for dir in "$cli" "$pr"; do
	(cd "$work" && "$helm" plugin package "$dir" -d "$out" "${signargs[@]}" >/dev/null)
done
[ -f "$out/cmf-validate-$version.tgz" ] && [ -f "$out/cmf-post-renderer-$version.tgz" ] ||
	{ echo "release.sh: helm plugin package made no tarball" >&2; ls "$out" >&2; exit 1; }

echo "== Debian package"
(cd "$work/build" && cpack -G DEB >/dev/null)
cp "$work/build/cmf-validate_${version}_amd64.deb" "$out/"

echo "== SHA256SUMS"
(cd "$out" && rm -f SHA256SUMS && sha256sum -- *.tar.gz *.tgz *.deb $(ls *.prov 2>/dev/null) >SHA256SUMS)
ls -l "$out"
