#!/usr/bin/env bash
# docs/rules.md documents every rule the binary knows, under the anchor that
# SARIF's helpUri points to.
set -u
bin=$1
doc=$(cd "$(dirname "$0")/../.." && pwd)/docs/rules.md
pass=0 fail=0
while read -r id name _; do
	if grep -qx "## $id $name" "$doc"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: no '## $id $name' in docs/rules.md"; fi
done < <("$bin" rules | awk '/^CMF/ {print $1, $2}')
[ $pass -ge 20 ] || { echo "FAIL: only $pass rules listed"; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ $fail = 0 ]
