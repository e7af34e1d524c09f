#!/usr/bin/env bash
# Build the release artefacts into OUTDIR, for linux-amd64 and linux-arm64:
#   cmf-validate-VERSION-linux-ARCH.tar.gz  Helm 3 (and 4) plugin archive, plugin.yaml at the root,
#                                           bin/cmf-validate for ARCH and the sources (the install
#                                           hook builds from them on any other platform)
#   cmf-validate-VERSION.tgz                Helm 4 `helm plugin package` of the CLI plugin
#   cmf-post-renderer-VERSION.tgz           Helm 4 `helm plugin package` of the post-renderer plugin
#                                           (Helm 4 names a package NAME-VERSION.tgz and its .prov
#                                           signs that name, so one package serves every platform:
#                                           bin/linux-amd64/ and bin/linux-arm64/, chosen by the
#                                           install hook or by platformCommand)
#   (*.tgz.prov)                            signatures, with --sign --key NAME --keyring FILE
#   cmf-validate_VERSION_ARCH.deb           Debian packages (CPack), amd64 and arm64
#   SHA256SUMS
# The binaries link libyaml, libcyaml and libcrypto statically: only libc is dynamic.
# arm64 is cross-built with Debian's toolchain (packaging/toolchain-linux-arm64.cmake);
# the build machine is linux-amd64.
# Reproducible: SOURCE_DATE_EPOCH (default: the last commit's time) is every
# file's mtime, paths are mapped away (-ffile-prefix-map), tar entries are
# sorted with owner 0 and fixed modes, gzip -n. Two runs give the same bytes
# (except the .prov signatures). Helm 4's packager is $HELM_BIN (or helm).
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
die() { echo "release.sh: $*" >&2; exit 1; }
helm=${HELM_BIN:-helm}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 022
export LC_ALL=C TZ=UTC

version=$(sed -n 's/^project(cmf-validate VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || die "no version in CMakeLists.txt"
for f in plugin.yaml packaging/cmf-post-renderer/plugin.yaml postrenderer/cmf-post-renderer/plugin.yaml; do
	grep -q "^version: $version\$" "$root/$f" || die "$f is not at version $version"
done
case $("$helm" version --template '{{.Version}}' 2>/dev/null) in
v4.*) ;;
*) die "$helm is not Helm 4 (set HELM_BIN)" ;;
esac
[ "$(uname -m)" = x86_64 ] || die "build on linux-amd64 (arm64 is cross-built from there)"
command -v aarch64-linux-gnu-gcc >/dev/null ||
	die "no arm64 cross compiler: apt-get install crossbuild-essential-arm64 libyaml-dev:arm64 libcyaml-dev:arm64 libssl-dev:arm64 (after dpkg --add-architecture arm64)"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null) ||
		die "not a git checkout: set SOURCE_DATE_EPOCH"
fi
export SOURCE_DATE_EPOCH
# -ffile-prefix-map goes through CMAKE_C_FLAGS, which CMake splits at blanks
case "$root$work" in *[[:space:]]*) die "the checkout and TMPDIR paths must hold no blanks (-ffile-prefix-map cannot carry them): $root" ;; esac

# Files as the archives hold them: same mode bits and mtime whoever builds.
normalize() {
	chmod -R u+rwX,go+rX,go-w "$1"
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}
# A gzipped tar with sorted entries, owner 0, the fixed mtime, no gzip name/time.
pack() {
	local dir=$1 dest=$2
	shift 2
	tar --sort=name --format=gnu --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
		-C "$dir" -cf - "$@" | gzip -9n >"$dest"
}

# build ARCH: a stripped release binary in $work/build-ARCH, checked for its
# machine and for no dynamic libyaml/libcyaml/libcrypto.
build() {
	local arch=$1 b=$work/build-$1 tc=() strip=strip machine=X86-64
	if [ "$arch" = arm64 ]; then
		tc=(--toolchain "$root/packaging/toolchain-linux-arm64.cmake")
		strip=aarch64-linux-gnu-strip machine=AArch64
	fi
	echo "== build $version for linux-$arch (static libyaml, libcyaml, libcrypto)"
	cmake -S "$root" -B "$b" "${tc[@]}" -DCMAKE_BUILD_TYPE=Release -DCMFV_STATIC_DEPS=ON -DCMFV_TESTS=OFF \
		-DCMAKE_INSTALL_PREFIX=/usr "-DCMAKE_C_FLAGS=-ffile-prefix-map=$root=. -ffile-prefix-map=$work=." \
		-DCMAKE_EXE_LINKER_FLAGS=-Wl,--build-id=sha1 >/dev/null
	cmake --build "$b" -j 2 >/dev/null
	"$strip" "$b/cmf-validate"
	readelf -h "$b/cmf-validate" | grep -Eq "Machine: .*$machine\$" || die "linux-$arch binary is not $machine"
	if readelf -d "$b/cmf-validate" | grep NEEDED | grep -Eq 'libyaml|libcyaml|libcrypto'; then
		readelf -d "$b/cmf-validate" >&2
		die "the linux-$arch binary still links a library dynamically"
	fi
}
build amd64
build arm64

# The plugin folder common to every archive: plugin.yaml, hook, sources.
common=$work/common
mkdir -p "$common"
cp "$root/plugin.yaml" "$root/completion.yaml" "$root/README.md" "$root/LICENSE" "$root/CMakeLists.txt" "$common/"
# (packaging/argocd is Argo CD's, not the plugin's: its plugin.yaml is no Helm plugin)
(cd "$root" && git ls-files -z -- include src packaging ':!packaging/argocd' 2>/dev/null ||
	find include src packaging -path packaging/argocd -prune -o -type f -print0) |
	(cd "$root" && xargs -0 cp --parents -t "$common")
# Helm 4's post-renderer, nested so that only the wrapper's HELM_PLUGINS sees it
mkdir -p "$common/postrenderer/cmf-post-renderer"
cp "$root/postrenderer/cmf-post-renderer/plugin.yaml" "$common/postrenderer/cmf-post-renderer/"
# the sources are no checkout: the commit goes with them (CMakeLists.txt)
commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null) || die "not a git checkout"
echo "$commit" >"$common/packaging/COMMIT"
normalize "$common"
chmod 0755 "$common/packaging/build-plugin.sh"
srcfiles=(plugin.yaml completion.yaml README.md LICENSE CMakeLists.txt include src packaging postrenderer)

for arch in amd64 arm64; do
	echo "== Helm 3 archive linux-$arch"
	stage=$work/helm3-$arch
	cp -a "$common" "$stage"
	mkdir -p "$stage/bin"
	install -m 0755 "$work/build-$arch/cmf-validate" "$stage/bin/cmf-validate"
	normalize "$stage"
	# plugin.yaml at the archive root and no `./` entry: Helm 3 fails on one
	pack "$stage" "$out/cmf-validate-$version-linux-$arch.tar.gz" bin "${srcfiles[@]}"
done

echo "== Helm 4 plugin packages"
signargs=(--sign=false)
if [ $sign = 1 ]; then
	signargs=(--sign --key "$key" --keyring "$keyring")
	[ -n "$passfile" ] && signargs+=(--passphrase-file "$passfile")
fi
cli=$work/h4/cmf-validate pr=$work/h4/cmf-post-renderer
mkdir -p "$work/h4"
cp -a "$common" "$cli"
mkdir -p "$pr"
cp "$root/packaging/cmf-post-renderer/plugin.yaml" "$root/LICENSE" "$pr/"
for arch in amd64 arm64; do
	for dir in "$cli" "$pr"; do
		install -D -m 0755 "$work/build-$arch/cmf-validate" "$dir/bin/linux-$arch/cmf-validate"
	done
done
for dir in "$cli" "$pr"; do
	normalize "$dir"
	# Helm's packager takes the owner from the files: build as root, or in a
	# user namespace that maps us to root, so that the bytes do not depend on who builds.
	runas=()
	[ "$(id -u)" = 0 ] || runas=(unshare --map-root-user)
	(cd "$work/h4" && "${runas[@]}" "$helm" plugin package "$dir" -d "$out" "${signargs[@]}" >/dev/null 2>"$work/package.err") ||
		{ cat "$work/package.err" >&2; die "helm plugin package $(basename "$dir") failed"; }
done
[ -f "$out/cmf-validate-$version.tgz" ] && [ -f "$out/cmf-post-renderer-$version.tgz" ] ||
	{ ls "$out" >&2; die "helm plugin package made no tarball"; }

echo "== Debian packages"
for arch in amd64 arm64; do
	(cd "$work/build-$arch" && cpack -G DEB >/dev/null)
	cp "$work/build-$arch/cmf-validate_${version}_$arch.deb" "$out/"
done

echo "== SHA256SUMS"
(cd "$out" && rm -f SHA256SUMS && sha256sum -- *.tar.gz *.tgz *.deb $(ls *.prov 2>/dev/null) >SHA256SUMS)
ls -l "$out"
