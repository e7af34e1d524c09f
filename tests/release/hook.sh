#!/usr/bin/env bash
# The install hook (packaging/build-plugin.sh) with the real Helm 3.17.3 and
# 4.1.4: whatever is installed ends with a bin/cmf-validate that runs here,
# or with a clear message and no foreign binary left behind.
#   - the arm64 Helm 3 archive over http on this amd64 machine: the hook sees
#     the foreign binary (ELF header, never run: checked with strace) and
#     builds from the sources the archive ships;
#   - the Helm 4 package (one per release, a binary per platform): the hook
#     picks bin/linux-amd64;
#   - a source checkout (no bin/): built on install, Helm 3 and Helm 4; the
#     update hook rebuilds it;
#   - no compiler/CMake (PATH without them): the Debian package names, exit 1,
#     the foreign binary removed; on macOS (uname faked) the Homebrew names.
#   hook.sh OUTDIR   (the output of packaging/release.sh)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: hook.sh OUTDIR}
here=$root/tests/release
helm3=$(bash "$root/tests/helm/fetch-helm.sh" 3) || exit 1
helm4=$(bash "$root/tests/helm/fetch-helm.sh" 4) || exit 1
tmp=$(mktemp -d)
srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -20; }
version=$(sed -n 's/^project(cmf-validate VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
x86() { readelf -h "$1" 2>/dev/null | grep -q 'Machine: *Advanced Micro Devices X86-64'; }
[ "$(uname -m)" = x86_64 ] || { echo "hook.sh: runs on linux-amd64 only"; exit 77; }
# hN HOME ARGS...: Helm N with its own homes under $tmp/HOME
h() {
	local v=$1 home=$tmp/$2
	shift 2
	local b=$helm3
	[ "$v" = 4 ] && b=$helm4
	HELM_CACHE_HOME=$home/cache HELM_CONFIG_HOME=$home/config HELM_DATA_HOME=$home/data HELM_PLUGINS=$home/data/plugins "$b" "$@"
}
# installed HELM HOME NAME: the plugin's binary is x86-64 and answers through Helm
installed() {
	local v=$1 home=$2 what=$3 p=$tmp/$2/data/plugins/cmf-validate
	x86 "$p/bin/cmf-validate" && ok "$what: bin/cmf-validate is x86-64" || no "$what: bin/cmf-validate is not x86-64" "$(file "$p/bin/cmf-validate" 2>&1)"
	h "$v" "$home" cmf-validate version 2>&1 | grep -q "^cmf-validate $version " && ok "$what: helm cmf-validate version" ||
		no "$what: helm cmf-validate version" "$(h "$v" "$home" cmf-validate version 2>&1)"
}

python3 "$here/serve.py" "$out" "$tmp/port" & srv=$!
for _ in $(seq 50); do [ -f "$tmp/port" ] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$tmp/port")

# the foreign (arm64) archive, Helm 3 and Helm 4, over http
h 3 h3arm plugin install "$base/cmf-validate-$version-linux-arm64.tar.gz" >"$tmp/log" 2>&1 &&
	grep -q 'does not run on this machine (linux-amd64): building from source' "$tmp/log" &&
	ok "Helm 3: the linux-arm64 archive installs and the hook builds from its sources" || no "Helm 3 arm64 archive" "$(cat "$tmp/log")"
installed 3 h3arm "Helm 3 + linux-arm64 archive"
commit=$(git -C "$root" rev-parse --short=12 HEAD)
h 3 h3arm cmf-validate version 2>&1 | grep -q "(commit $commit;" && ok "Helm 3 + linux-arm64 archive: the built binary names the release's commit" ||
	no "built from the archive: wrong commit" "$(h 3 h3arm cmf-validate version 2>&1)"
# Helm 4 verifies by default; a Helm 3 archive has no .prov
h 4 h4arm plugin install "$base/cmf-validate-$version-linux-arm64.tar.gz" --verify=false >"$tmp/log" 2>&1 &&
	grep -q 'building from source' "$tmp/log" &&
	ok "Helm 4: the linux-arm64 archive installs and the hook builds from its sources" || no "Helm 4 arm64 archive" "$(cat "$tmp/log")"
installed 4 h4arm "Helm 4 + linux-arm64 archive"

# the native archive: nothing to build
h 3 h3amd plugin install "$base/cmf-validate-$version-linux-amd64.tar.gz" >"$tmp/log" 2>&1 &&
	! grep -q building "$tmp/log" && ok "Helm 3: the linux-amd64 archive installs as it is" || no "Helm 3 amd64 archive" "$(cat "$tmp/log")"
installed 3 h3amd "Helm 3 + linux-amd64 archive"

# the Helm 4 package: the hook picks the linux-amd64 binary
h 4 h4pkg plugin install "$out/cmf-validate-$version.tgz" --verify=false >"$tmp/log" 2>&1 &&
	grep -q 'using the linux-amd64 binary' "$tmp/log" && ok "Helm 4: the package installs, the hook picks bin/linux-amd64" ||
	no "Helm 4 package" "$(cat "$tmp/log")"
installed 4 h4pkg "Helm 4 + package"
cmp -s "$tmp/h4pkg/data/plugins/cmf-validate/bin/cmf-validate" "$tmp/h4pkg/data/plugins/cmf-validate/bin/linux-amd64/cmf-validate" &&
	ok "Helm 4 package: bin/cmf-validate is the shipped linux-amd64 binary" || no "Helm 4 package: not the shipped binary"

# a source checkout: the tracked files, no bin/
src=$tmp/checkout/cmf-validate
mkdir -p "$src"
(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$src" 2>/dev/null)
rm -rf "$src/bin"
for v in 3 4; do
	args=()
	[ $v = 4 ] && args=(--verify=false)
	h $v co$v plugin install "$src" "${args[@]}" >"$tmp/log" 2>&1 && grep -q 'built ' "$tmp/log" &&
		ok "Helm $v: a source checkout installs and the hook builds it" || no "Helm $v checkout" "$(cat "$tmp/log")"
	# Helm 3 links a local folder, Helm 4 copies it
	p=$tmp/co$v/data/plugins/cmf-validate
	x86 "$p/bin/cmf-validate" && h $v co$v cmf-validate version 2>&1 | grep -q "^cmf-validate $version " &&
		ok "Helm $v checkout: helm cmf-validate version" || no "Helm $v checkout: version" "$(h $v co$v cmf-validate version 2>&1)"
	if [ $v = 3 ]; then
		# the update hook (a pulled checkout) rebuilds, even though the binary runs
		tar -xzf "$out/cmf-validate-$version-linux-amd64.tar.gz" -C "$tmp" bin/cmf-validate
		cp "$tmp/bin/cmf-validate" "$src/bin/cmf-validate"
		HELM_PLUGIN_DIR=$src sh "$src/packaging/build-plugin.sh" --update >"$tmp/log" 2>&1 &&
			grep -q 'updated sources: rebuilding' "$tmp/log" && ! cmp -s "$tmp/bin/cmf-validate" "$src/bin/cmf-validate" &&
			x86 "$src/bin/cmf-validate" && "$src/bin/cmf-validate" version >/dev/null &&
			ok "update hook: a checkout is rebuilt" || no "update hook" "$(cat "$tmp/log")"
		HELM_PLUGIN_DIR=$src sh "$src/packaging/build-plugin.sh" >"$tmp/log" 2>&1 && [ ! -s "$tmp/log" ] &&
			ok "install hook: a binary that runs is kept, silently" || no "install hook with a working binary" "$(cat "$tmp/log")"
	fi
	rm -rf "$src/bin"
done

# no build tools: a PATH with only what the hook itself needs
mkdir -p "$tmp/path"
for t in sh od tr uname cp mv rm mkdir chmod head tail mktemp dirname cat; do ln -s "$(command -v $t)" "$tmp/path/$t"; done
unpack() { rm -rf "$tmp/u" && mkdir -p "$tmp/u" && tar -xzf "$out/cmf-validate-$version-linux-$1.tar.gz" -C "$tmp/u"; }
unpack arm64
strace=$(command -v strace) || { no "strace not installed"; strace=false; }
HELM_PLUGIN_DIR=$tmp/u PATH=$tmp/path "$strace" -f -qq -e trace=execve -o "$tmp/strace" sh "$tmp/u/packaging/build-plugin.sh" >"$tmp/log" 2>&1
rc=$?
[ $rc = 1 ] && ok "no compiler: the hook exits 1" || no "no compiler: exit $rc" "$(cat "$tmp/log")"
grep -q 'missing: cmake, build-essential, pkg-config' "$tmp/log" && grep -q 'apt-get install -y build-essential cmake pkg-config libyaml-dev libcyaml-dev libssl-dev' "$tmp/log" &&
	ok "no compiler: the message names the Debian packages" || no "no compiler: message" "$(cat "$tmp/log")"
[ ! -e "$tmp/u/bin/cmf-validate" ] && grep -q 'removed bin/cmf-validate' "$tmp/log" &&
	ok "no compiler: the foreign binary is removed" || no "the foreign binary is left" "$(ls -l "$tmp/u/bin")"
grep -q 'execve(".*/od"' "$tmp/strace" 2>/dev/null && ! grep -q 'execve(".*bin/cmf-validate"' "$tmp/strace" &&
	ok "the hook never executes the foreign binary (strace)" || no "the hook executed the foreign binary" "$(cat "$tmp/strace")"
# the control: with the native archive strace does see the hook run bin/cmf-validate
unpack amd64
HELM_PLUGIN_DIR=$tmp/u PATH=$tmp/path "$strace" -f -qq -e trace=execve -o "$tmp/strace" sh "$tmp/u/packaging/build-plugin.sh" >"$tmp/log" 2>&1 &&
	grep -q 'execve(".*bin/cmf-validate"' "$tmp/strace" && ok "control: the native archive's binary is run (strace sees it)" ||
	no "control: strace does not see the native binary run" "$(cat "$tmp/log" "$tmp/strace")"
# with the tools but without the -dev packages: pkg-config says which are missing
mkdir -p "$tmp/pc"
for t in cmake cc pkg-config; do ln -s "$(command -v $t)" "$tmp/path/$t"; done
unpack arm64
HELM_PLUGIN_DIR=$tmp/u PATH=$tmp/path PKG_CONFIG_LIBDIR=$tmp/pc sh "$tmp/u/packaging/build-plugin.sh" >"$tmp/log" 2>&1
[ $? = 1 ] && grep -q 'missing: libyaml-dev, libcyaml-dev, libssl-dev, zlib1g-dev$' "$tmp/log" &&
	ok "no -dev packages: the message names libyaml-dev, libcyaml-dev, libssl-dev, zlib1g-dev" || no "no -dev packages" "$(cat "$tmp/log")"
rm "$tmp/path/cmake" "$tmp/path/cc" "$tmp/path/pkg-config"
# macOS (uname faked): an archive's Linux binary is never native there; Homebrew names
printf '#!/bin/sh\ncase $1 in -s) echo Darwin ;; -m) echo arm64 ;; esac\n' >"$tmp/path/uname-fake"
chmod +x "$tmp/path/uname-fake"
rm "$tmp/path/uname" && mv "$tmp/path/uname-fake" "$tmp/path/uname"
unpack arm64
HELM_PLUGIN_DIR=$tmp/u PATH=$tmp/path sh "$tmp/u/packaging/build-plugin.sh" >"$tmp/log" 2>&1
[ $? = 1 ] && grep -q 'for darwin-arm64, missing: cmake, the Xcode Command Line Tools (xcode-select --install), pkg-config' "$tmp/log" &&
	grep -q 'brew install cmake pkg-config libyaml libcyaml openssl@3' "$tmp/log" && [ ! -e "$tmp/u/bin/cmf-validate" ] &&
	ok "macOS: the message names the Homebrew packages; the Linux binary is removed" || no "macOS message" "$(cat "$tmp/log")"
# the Helm 4 package has no sources: on another platform it says so
rm -rf "$tmp/u" && mkdir -p "$tmp/u" && tar -xzf "$out/cmf-validate-$version.tgz" -C "$tmp/u"
HELM_PLUGIN_DIR=$tmp/u/cmf-validate PATH=$tmp/path sh "$tmp/u/cmf-validate/packaging/build-plugin.sh" >"$tmp/log" 2>&1
rc=$?
if [ -f "$tmp/u/cmf-validate/CMakeLists.txt" ]; then
	[ $rc = 1 ] && grep -q 'brew install' "$tmp/log" && ok "macOS + Helm 4 package: the Homebrew names" || no "macOS + Helm 4 package" "$(cat "$tmp/log")"
else
	[ $rc = 1 ] && grep -q 'no binary for darwin-arm64 here and no sources' "$tmp/log" && ok "macOS + Helm 4 package: no binary, says so" || no "macOS + Helm 4 package" "$(cat "$tmp/log")"
fi
# Helm 3 itself, PATH without a compiler: the install fails with the message
mkdir -p "$tmp/path3"
for t in sh od tr uname cp mv rm mkdir chmod head tail mktemp dirname cat; do ln -s "$(command -v $t)" "$tmp/path3/$t"; done
PATH=$tmp/path3 HELM_CACHE_HOME=$tmp/h3nocc/cache HELM_CONFIG_HOME=$tmp/h3nocc/config HELM_DATA_HOME=$tmp/h3nocc/data \
	HELM_PLUGINS=$tmp/h3nocc/data/plugins "$helm3" plugin install "$base/cmf-validate-$version-linux-arm64.tar.gz" >"$tmp/log" 2>&1
rc=$?
[ $rc != 0 ] && grep -q 'missing: cmake' "$tmp/log" && [ ! -e "$tmp/h3nocc/data/plugins/cmf-validate/bin/cmf-validate" ] &&
	ok "Helm 3 without a compiler: install fails with the message, no foreign binary left" || no "Helm 3 without a compiler (exit $rc)" "$(cat "$tmp/log")"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
