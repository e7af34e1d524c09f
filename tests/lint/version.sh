#!/usr/bin/env bash
# The version lives in CMakeLists.txt; both plugin.yaml files must agree.
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
v=$("$bin" version | awk '{print $2}')
pass=0 fail=0
for f in plugin.yaml packaging/cmf-post-renderer/plugin.yaml; do
	if grep -qx "version: $v" "$root/$f"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $f is not at version $v"; fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
