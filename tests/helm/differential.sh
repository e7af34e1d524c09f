#!/usr/bin/env bash
# Differential test: `cmf-validate values -o json` must print exactly what
# the real Helm 3.17.3 and Helm 4.1.4 compute as .Values (toJson, as the
# values-dump chart renders it), for every case in testdata/values-diff/cases.txt.
# When Helm fails on a case, cmf-validate must fail with exit 2.
#   differential.sh BIN [3|4 ...]
set -u
bin=$1; shift
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(3 4)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HELM_CACHE_HOME=$tmp/cache HELM_CONFIG_HOME=$tmp/config HELM_DATA_HOME=$tmp/data HELM_PLUGINS=$tmp/plugins
chart=testdata/charts/values-dump
pass=0 fail=0
for m in "${majors[@]}"; do
	helm=$(bash tests/helm/fetch-helm.sh "$m") || { echo "cannot fetch Helm $m"; exit 1; }
	n=0
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		n=$((n + 1))
		only=""
		if [[ $line == 4only* ]]; then only=4; line=${line#4only }; fi
		[ -n "$only" ] && [ "$only" != "$m" ] && continue
		input=/dev/null
		if [[ $line == stdin=* ]]; then input=${line%% *}; input=${input#stdin=}; line=${line#* }; fi
		eval "args=($line)"
		"$helm" template rel "$chart" "${args[@]}" <"$input" >"$tmp/helm.out" 2>"$tmp/helm.err"
		hrc=$?
		"$bin" values --chart "$chart" "${args[@]}" -o json --helm-compat "$m" <"$input" >"$tmp/ours.out" 2>"$tmp/ours.err"
		orc=$?
		name="helm$m #$n: $line"
		if [ $hrc -ne 0 ]; then
			if [ $orc -eq 2 ]; then
				pass=$((pass + 1)); echo "ok   $name (both reject: $(head -c 80 "$tmp/ours.err" | tr '\n' ' '))"
			else
				fail=$((fail + 1)); echo "FAIL $name: helm failed ($(head -c 200 "$tmp/helm.err")) but we exit $orc"
			fi
			continue
		fi
		grep -m1 '^  json: "' "$tmp/helm.out" | sed 's/^  json: "//; s/"$//' | base64 -d >"$tmp/helm.json" 2>/dev/null
		printf '\n' >>"$tmp/helm.json"
		if [ $orc -eq 0 ] && cmp -s "$tmp/helm.json" "$tmp/ours.out"; then
			pass=$((pass + 1)); echo "ok   $name"
		else
			fail=$((fail + 1)); echo "FAIL $name (exit $orc)"
			echo "  helm: $(cat "$tmp/helm.json")"
			echo "  ours: $(cat "$tmp/ours.out") $(cat "$tmp/ours.err")"
		fi
	done <testdata/values-diff/cases.txt
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
