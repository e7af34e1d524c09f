#!/usr/bin/env bash
# Post-render speed and memory, by hand (not a test):
#   bench/run.sh [BIN]
# Streams: 10,000 manifests (~12 MB) and ~120 MB, the CMF Deployment in the
# middle. Reports our wall time against `cat` of the same file (median of
# alternating runs), against `kubectl kustomize` with one strategic-merge
# patch doing the same injection (run on a 500-document slice and scaled:
# a full run took 458 s here), and our peak RSS (/usr/bin/time -v).
# Targets: at most 3x cat on 12 MB; peak RSS at most 32 MiB on 120 MB.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/cmf-validate}
runs=${RUNS:-9}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
values=$root/testdata/e2e/prod.yaml
helm=$(bash "$root/tests/helm/fetch-helm.sh" 3)
"$helm" template rel "$root/testdata/charts/cmf" -f "$values" --show-only templates/deployment.yaml >"$tmp/cmf.yaml"
python3 "$root/bench/gen.py" 10000 "$tmp/12mb.yaml" "$tmp/cmf.yaml"
python3 "$root/bench/gen.py" 100000 "$tmp/120mb.yaml" "$tmp/cmf.yaml"
size() { echo "$(($(stat -c %s "$1") / 1000000)) MB"; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_of() { local t0 t1; t0=$(now); "$@" >/dev/null; t1=$(now); echo "$t1 - $t0" | bc -l; }

for f in 12mb 120mb; do
	in=$tmp/$f.yaml
	"$bin" post-render -f "$values" --report /dev/null <"$in" >"$tmp/out.yaml"
	grep -q 'secretName: cmf-encryption-key' "$tmp/out.yaml" || { echo "no mount in the output"; exit 1; }
	: >"$tmp/cat.t"; : >"$tmp/us.t"
	for _ in $(seq "$runs"); do
		time_of sh -c "cat \"$in\"" >>"$tmp/cat.t"
		time_of sh -c "\"$bin\" post-render -f \"$values\" --report /dev/null <\"$in\"" >>"$tmp/us.t"
	done
	c=$(median <"$tmp/cat.t"); u=$(median <"$tmp/us.t")
	/usr/bin/time -v "$bin" post-render -f "$values" --report /dev/null <"$in" >/dev/null 2>"$tmp/rss"
	rss=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' "$tmp/rss")
	printf '%-6s %-7s cat %.4f s  post-render %.4f s  ratio %.2fx  peak RSS %d KiB (%.1f MiB)\n' \
		"$f" "$(size "$in")" "$c" "$u" "$(echo "$u / $c" | bc -l)" "$rss" "$(echo "$rss / 1024" | bc -l)"
done

# kustomize with one strategic-merge patch doing the same injection
mkdir "$tmp/k"
python3 - "$tmp/12mb.yaml" "$tmp/k/in.yaml" <<'PY'
import re, sys
docs = [d for d in re.split(r"(?m)^(?=---\n)", open(sys.argv[1]).read()) if d.strip()]
mid = len(docs) // 2
open(sys.argv[2], "w").write("".join(docs[mid - 250:mid + 250]))
PY
cat >"$tmp/k/patch.yaml" <<'P'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: confluent-manager-for-apache-flink
spec:
  template:
    spec:
      containers:
        - name: cmf
          volumeMounts:
            - {name: cmf-encryption-key, mountPath: /opt/cmf/encryption, readOnly: true}
      volumes:
        - name: cmf-encryption-key
          secret: {secretName: cmf-encryption-key, defaultMode: 256, optional: false, items: [{key: encryption-key, path: encryption-key}]}
P
printf 'resources: [in.yaml]\npatches:\n  - path: patch.yaml\n' >"$tmp/k/kustomization.yaml"
if command -v kubectl >/dev/null; then
	t=$(time_of kubectl kustomize "$tmp/k")
	docs12=$(grep -c '^---$' "$tmp/12mb.yaml")
	printf 'kustomize on 500 documents: %.2f s (scaled to %d documents: about %.0f s if linear; it grows faster than that)\n' \
		"$t" "$docs12" "$(echo "$t * $docs12 / 500" | bc -l)"
	head -c 0 /dev/null
	t500=$(time_of "$bin" post-render -f "$values" --report /dev/null <"$tmp/k/in.yaml")
	printf 'post-render on the same 500 documents: %.4f s\n' "$t500"
fi
