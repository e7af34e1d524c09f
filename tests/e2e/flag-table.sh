#!/usr/bin/env bash
# The flag tables the wrapper reads from `helm <cmd> --help`, checked against
# the real Helm 3.17.3 and 4.1.4: the recorded --help text (input of the unit
# test test_helmargs, which parses it with the C parser) is what each binary
# prints, byte for byte, and the table read from it by an independent parser
# (tests/helm/flag-table.py) is the recorded one.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for m in 3 4; do
	helm=$(bash "$root/tests/helm/fetch-helm.sh" "$m") || { echo "FAIL fetch Helm $m"; fail=$((fail + 1)); continue; }
	v=$("$helm" version --template '{{.Version}}'); v=${v#v}
	for c in install upgrade template pull; do
		d=$root/testdata/helm-flags/$v
		# a fixed HOME and no HELM_* variables: the defaults printed in --help
		env -i HOME=/home/cmfv PATH=/usr/bin:/bin "$helm" "$c" --help >"$tmp/help" 2>&1
		python3 "$root/tests/helm/flag-table.py" "$tmp/help" >"$tmp/flags"
		if cmp -s "$tmp/help" "$d/$c.help" && cmp -s "$tmp/flags" "$d/$c.flags"; then
			pass=$((pass + 1)); echo "ok   helm $v $c --help: $(wc -l <"$tmp/flags") flags as recorded"
		else
			fail=$((fail + 1)); echo "FAIL helm $v $c --help differs from testdata/helm-flags/$v"
			diff "$tmp/flags" "$d/$c.flags" | head -20
		fi
	done
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
