#!/usr/bin/env bash
# The classifier's differential property test (include/cmfv/classify.h):
# cmfv_classify against cmfv_yaml_load, document by document, on
#  1. generated tricky documents (tests/classify/gen.py, fixed seeds);
#  2. the post-render golden inputs (testdata/post-render/*/input.yaml);
#  3. the realistic benchmark mix (bench/real.py mini, Helm 3 and Helm 4
#     forms), where no document may need a parse.
# Bounded: about 15 s on one core.
#
#   tests/classify/run.sh CLASSIFY_DIFF [SEEDS] [COUNT]
set -euo pipefail
bin=${1:?usage: run.sh CLASSIFY_DIFF [SEEDS] [COUNT]}
seeds=${2:-"1 2 3"}
count=${3:-30000}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" # where an unsound document is written

for s in $seeds; do
	python3 "$here/gen.py" "$s" "$count" >"$tmp/records"
	echo "seed $s: $("$bin" --records "$tmp/records")"
done
echo "golden inputs: $("$bin" --stream "$src"/testdata/post-render/*/input.yaml)"
python3 "$src/bench/real.py" mini >"$tmp/real3.yaml" 2>/dev/null
python3 "$src/bench/real.py" mini --helm4 --seed 19 >"$tmp/real4.yaml" 2>/dev/null
echo "realistic mix: $("$bin" --max-parse 0 --stream "$tmp/real3.yaml" "$tmp/real4.yaml")"
