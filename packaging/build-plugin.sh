#!/bin/sh
# Helm plugin install/update hook: leave a bin/cmf-validate that runs on this
# machine, or fail with a message that says what to install.
#   1. bin/cmf-validate is there, built for this machine, and runs: done.
#   2. bin/<os>-<arch>/cmf-validate (the Helm 4 package carries one per
#      platform) is for this machine and runs: it becomes bin/cmf-validate.
#   3. Otherwise build from the sources (a checkout, or a release archive,
#      which ships them) with CMake; a binary that does not run here is removed.
# With --update (the update hook: a VCS checkout was pulled) it rebuilds.
# "For this machine" is checked on the ELF header before anything is run, so a
# foreign binary is never run through a binfmt emulator.
set -eu
dir=${HELM_PLUGIN_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=$dir/bin/cmf-validate
say() { echo "cmf-validate: $*" >&2; }

os=$(uname -s | tr 'A-Z' 'a-z')
case $(uname -m) in
x86_64 | amd64) arch=amd64 elf=3e00 ;;
aarch64 | arm64) arch=arm64 elf=b700 ;;
*) arch=$(uname -m) elf=none ;;
esac

# native FILE: not an ELF file for another machine (e_machine, little
# endian); on anything but Linux no ELF file is native
native() {
	[ "$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')" = 7f454c46 ] || return 0
	[ "$os" = linux ] && [ "$(od -An -tx1 -j18 -N2 "$1" 2>/dev/null | tr -d ' \n')" = "$elf" ]
}
# runs FILE: a native executable that answers `version`
runs() {
	[ -f "$1" ] && [ -x "$1" ] && native "$1" && "$1" version >/dev/null 2>&1
}
# put FILE in place as bin/cmf-validate: a new file renamed over the old name,
# so that a symlink there is replaced, never written through
place() {
	mkdir -p "$dir/bin"
	cp "$1" "$bin.new.$$"
	chmod 0755 "$bin.new.$$"
	mv -f "$bin.new.$$" "$bin"
}
# drop a bin/cmf-validate that does not run here, then fail
give_up() {
	if [ -e "$bin" ] && ! runs "$bin"; then
		rm -f "$bin"
		say "removed bin/cmf-validate: it does not run on $os-$arch"
	fi
	exit 1
}

# `helm plugin update` (a VCS checkout, pulled): the sources changed, rebuild
update=0
[ "${1:-}" = --update ] && [ -f "$dir/CMakeLists.txt" ] && update=1
if [ $update = 0 ] && runs "$bin"; then
	exit 0
fi
if [ $update = 0 ] && runs "$dir/bin/$os-$arch/cmf-validate"; then
	place "$dir/bin/$os-$arch/cmf-validate"
	say "using the $os-$arch binary"
	exit 0
fi
if [ $update = 1 ]; then
	say "updated sources: rebuilding"
elif [ -e "$bin" ]; then
	say "bin/cmf-validate does not run on this machine ($os-$arch): building from source"
fi
if [ ! -f "$dir/CMakeLists.txt" ]; then
	say "no binary for $os-$arch here and no sources to build from;"
	say "install the release archive for your platform, or a checkout (helm plugin install DIR)"
	give_up
fi

# What to build with, named the way this machine's package manager names it.
if [ "$os" = darwin ]; then
	if command -v brew >/dev/null 2>&1; then
		# Homebrew's openssl@3 is keg-only: show it to pkg-config and CMake
		ssl=$(brew --prefix openssl@3 2>/dev/null || true)
		if [ -n "$ssl" ] && [ -d "$ssl/lib/pkgconfig" ]; then
			PKG_CONFIG_PATH=$ssl/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
			OPENSSL_ROOT_DIR=$ssl
			export PKG_CONFIG_PATH OPENSSL_ROOT_DIR
		fi
	fi
	pkg() {
		case $1 in
		cc) echo "the Xcode Command Line Tools (xcode-select --install)" ;;
		yaml-0.1) echo libyaml ;;
		libcrypto) echo openssl@3 ;;
		zlib) echo zlib ;;
		*) echo "$1" ;;
		esac
	}
	howto="brew install cmake pkg-config libyaml libcyaml openssl@3 zlib"
else
	pkg() {
		case $1 in
		cc) echo build-essential ;;
		yaml-0.1) echo libyaml-dev ;;
		libcyaml) echo libcyaml-dev ;;
		libcrypto) echo libssl-dev ;;
		zlib) echo zlib1g-dev ;;
		*) echo "$1" ;;
		esac
	}
	howto="sudo apt-get install -y build-essential cmake pkg-config libyaml-dev libcyaml-dev libssl-dev zlib1g-dev"
fi
missing=""
for tool in cmake cc pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing, $(pkg "$tool")"
done
if command -v pkg-config >/dev/null 2>&1; then
	for pc in yaml-0.1 libcyaml libcrypto zlib; do
		pkg-config --exists "$pc" || missing="$missing, $(pkg "$pc")"
	done
fi
if [ -n "$missing" ]; then
	say "cannot build the plugin for $os-$arch, missing: ${missing#, }"
	say "install them with: $howto"
	say "then install the plugin again (helm plugin uninstall cmf-validate first)"
	give_up
fi

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
say "building with CMake (once)..."
if ! cmake -S "$dir" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMFV_TESTS=OFF >"$build/log" 2>&1 ||
	! cmake --build "$build" -j 2 >>"$build/log" 2>&1; then
	tail -20 "$build/log" >&2
	say "the build failed (above)"
	give_up
fi
if ! runs "$build/cmf-validate"; then
	say "the freshly built binary does not run"
	give_up
fi
place "$build/cmf-validate"
say "built $bin"
