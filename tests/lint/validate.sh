#!/usr/bin/env bash
# SARIF output must validate against the SARIF 2.1.0 schema and JUnit output
# against the JUnit XSD (both in ../shared/data, or $CMFV_SCHEMA_DIR).
#   validate.sh BIN
set -u
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
schemas=${CMFV_SCHEMA_DIR:-$src/../shared/data}
if [ ! -f "$schemas/sarif-schema-2.1.0.json" ] || [ ! -f "$schemas/junit.xsd" ]; then
	echo "validate.sh: schemas not found in $schemas (set CMFV_SCHEMA_DIR)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check_sarif() { # name file
	if python3 - "$schemas/sarif-schema-2.1.0.json" "$2" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.Draft7Validator(schema).validate(doc) if schema.get("$schema", "").find("draft-07") >= 0 else jsonschema.validate(doc, schema)
res = doc["runs"][0]["results"]
ids = {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
assert all(r["ruleId"] in ids for r in res), "result with unknown rule"
assert len(ids) >= 20
PY
	then pass=$((pass + 1)); echo "ok   sarif $1"; else fail=$((fail + 1)); echo "FAIL sarif $1"; fi
}
check_junit() { # name file
	if xmllint --noout --schema "$schemas/junit.xsd" "$2" 2>"$tmp/xmllint.err"; then
		pass=$((pass + 1)); echo "ok   junit $1"
	else
		fail=$((fail + 1)); echo "FAIL junit $1"; cat "$tmp/xmllint.err"
	fi
}
# every golden SARIF/JUnit output
for f in "$src"/testdata/lint/*/*sarif*.out; do check_sarif "${f#$src/}" "$f"; done
for f in "$src"/testdata/lint/*/*junit*.out; do check_junit "${f#$src/}" "$f"; done
# and fresh runs over every check case, with findings and without
for dir in "$src"/testdata/check/*/ "$src"/testdata/examples/; do
	for v in "$dir"*.yaml; do
		[ -f "$v" ] || continue
		name=${v#$src/}
		(cd "$dir" && "$bin" check -f "$(basename "$v")" -o "sarif=$tmp/out.sarif" -o "junit=$tmp/out.xml" >/dev/null 2>&1)
		rc=$?
		if [ $rc -gt 1 ]; then
			# unusable input makes no report; nothing to validate
			continue
		fi
		check_sarif "$name" "$tmp/out.sarif"
		check_junit "$name" "$tmp/out.xml"
	done
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
