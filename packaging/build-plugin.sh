#!/bin/sh
# Helm plugin install/update hook: build bin/cmf-validate with CMake when it
# is not there yet (a release archive already ships it).
set -eu
dir=${HELM_PLUGIN_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
if [ -x "$dir/bin/cmf-validate" ]; then
	exit 0
fi
missing=""
for tool in cmake cc pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -z "$missing" ]; then
	for pc in yaml-0.1 libcyaml libcrypto zlib; do
		pkg-config --exists "$pc" || missing="$missing $pc"
	done
fi
if [ -n "$missing" ]; then
	echo "cmf-validate: cannot build the plugin, missing:$missing" >&2
	echo "cmf-validate: on Debian/Ubuntu: sudo apt-get install -y build-essential cmake pkg-config libyaml-dev libcyaml-dev libssl-dev zlib1g-dev" >&2
	echo "cmf-validate: or install a release archive, which ships a ready binary" >&2
	exit 1
fi
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
echo "cmf-validate: building with CMake (once)..." >&2
cmake -S "$dir" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMFV_TESTS=OFF >/dev/null
cmake --build "$build" -j 2 >/dev/null
mkdir -p "$dir/bin"
cp "$build/cmf-validate" "$dir/bin/cmf-validate"
echo "cmf-validate: built $dir/bin/cmf-validate" >&2
