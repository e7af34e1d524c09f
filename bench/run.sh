#!/usr/bin/env bash
# post-render benchmark (issue 4): not a timed test, a measurement.
#
#  1. a realistic 10,000-manifest stream (~11 MB, Helm 3 form, the CMF
#     Deployment in the middle) and a ~120 MB one (106,000 manifests), made
#     by bench/gen.py;
#  2. wall time of post-render against cat on the 12 MB stream: medians of
#     ROUNDS alternating runs (bench/timing.py), stdin a file and a pipe,
#     stdout /dev/null; `true` is timed too, to show the cost of starting
#     a process; hyperfine's figures as well when it is installed;
#  3. peak RSS (/usr/bin/time -v) on the 120 MB stream, stdin a file and a
#     pipe;
#  4. the realistic streams of bench/real.py (issue 18: CRDs of several
#     MB full of regex backslashes, JSON dashboards in ConfigMaps, many
#     small objects, the CMF Deployment and its ConfigMap spliced in): a
#     ~30 MB umbrella release in Helm 3 and Helm 4 form, a ~5 MB single
#     release, a 20 MB CRD holding one backslash; production mode
#     (-f testdata/post-render/_values/prod.yaml) against cat, medians of
#     ROUNDS_REAL (11) alternating runs from a file and from a pipe, and
#     peak RSS of each (SYNTHETIC=0 skips 1-3, REALISTIC=0 skips this);
#  5. with KUSTOMIZE=1, `kubectl kustomize` with one strategic-merge patch
#     doing the same injection, on 1,000/2,000/4,000 manifests (it grows
#     about quadratically), and with KUSTOMIZE_FULL=1 on the 10,000 one
#     too (up to 600 s).
#
#   bench/run.sh [BIN]      (default build/cmf-validate); ROUNDS=31
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/cmf-validate}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
rounds=${ROUNDS:-31}
dir=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$dir"
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$dir"' EXIT
export HELM_CACHE_HOME=$dir/cache
pr="$bin post-render --secret-name cmf-encryption-key --secret-property encryption-key"

if [ "${SYNTHETIC:-1}" = 1 ]; then
	echo "== streams"
	[ -f "$dir/s12.yaml" ] || python3 "$root/bench/gen.py" 10000 >"$dir/s12.yaml"
	[ -f "$dir/s120.yaml" ] || python3 "$root/bench/gen.py" 106000 >"$dir/s120.yaml"
	for f in s12 s120; do
		awk -v n="$(stat -c %s "$dir/$f.yaml")" -v k="$(grep -c '^kind: ' "$dir/$f.yaml")" -v f="$f.yaml" \
			'BEGIN { printf "%-10s %6.1f MB, %d manifests\n", f, n / 1e6, k }'
	done
	$pr <"$dir/s12.yaml" >"$dir/out12.yaml" 2>/dev/null || { echo "post-render failed"; exit 1; }
	echo "changed lines: $(diff "$dir/s12.yaml" "$dir/out12.yaml" | grep -c '^>') (the volume and the mount)"

	echo "== wall time, 12 MB, $rounds alternating rounds, stdin a file"
	python3 "$root/bench/timing.py" "$rounds" "$dir/s12.yaml" "cat=cat" "post-render=$pr" "true=true"
	echo "== wall time, 12 MB, $rounds alternating rounds, stdin a pipe (as Helm does)"
	python3 "$root/bench/timing.py" "$rounds" "$dir/s12.yaml" "cat=cat" "post-render=$pr" --pipe
	if command -v hyperfine >/dev/null; then
		echo "== hyperfine (through sh -c)"
		(cd "$dir" && hyperfine -w 5 -r "$rounds" 'cat <s12.yaml >/dev/null' "$pr <s12.yaml >/dev/null 2>&1" 2>&1 |
			grep -E 'Benchmark|Time|±')
	fi

	echo "== peak RSS, 120 MB"
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -v $pr <"$dir/s120.yaml" 2>"$dir/tv" >/dev/null
		echo "stdin a file: $(grep -E 'Maximum resident' "$dir/tv" | awk '{print $NF}') KB, $(grep -E 'Elapsed' "$dir/tv" | awk '{print $NF}')"
		cat "$dir/s120.yaml" | /usr/bin/time -v $pr 2>"$dir/tv" >/dev/null
		echo "stdin a pipe: $(grep -E 'Maximum resident' "$dir/tv" | awk '{print $NF}') KB, $(grep -E 'Elapsed' "$dir/tv" | awk '{print $NF}')"
		/usr/bin/time -v cat "$dir/s120.yaml" 2>"$dir/tv" >/dev/null
		echo "cat:          $(grep -E 'Maximum resident' "$dir/tv" | awk '{print $NF}') KB, $(grep -E 'Elapsed' "$dir/tv" | awk '{print $NF}')"
	else
		echo "(no /usr/bin/time: apt-get install time)"
	fi
fi

# The realistic streams (issue 18): what real charts render, in
# production mode (-f prod.yaml) against cat.
real_rss() { # LABEL: what the last /usr/bin/time -v wrote to $dir/tv
	grep -E 'Maximum resident' "$dir/tv" | awk -v l="$1" '{printf "%s %d KB", l, $NF}'
	grep -E 'Elapsed' "$dir/tv" | awk '{print ", " $NF}'
}
if [ "${REALISTIC:-1}" = 1 ]; then
	rr=${ROUNDS_REAL:-11}
	prod="$bin post-render -f $root/testdata/post-render/_values/prod.yaml"
	for v in umbrella "umbrella --helm4" single crd20; do
		f=$dir/real-${v// /}.yaml
		[ -f "$f" ] || python3 "$root/bench/real.py" $v >"$f" 2>"$f.txt"
		echo "== realistic: $(cat "$f.txt") (bench/real.py $v)"
		$prod <"$f" >"$dir/real-out.yaml" 2>/dev/null || { echo "post-render failed"; exit 1; }
		grep -q 'secretName: cmf-encryption-key' "$dir/real-out.yaml" || { echo "no key mount"; exit 1; }
		# the document classifier alone (src/manifests/classify.c), when built
		cd_bin=$(dirname "$bin")/tests/classify_diff
		[ ! -x "$cd_bin" ] || echo "-- $("$cd_bin" --speed 5 --stream "$f" | tail -1 | sed 's/^classify_diff: //')"
		echo "-- wall time, $rr alternating rounds, stdin a file"
		python3 "$root/bench/timing.py" "$rr" "$f" "cat=cat" "post-render=$prod"
		echo "-- wall time, $rr alternating rounds, stdin a pipe"
		python3 "$root/bench/timing.py" "$rr" "$f" "cat=cat" "post-render=$prod" --pipe
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -v $prod <"$f" 2>"$dir/tv" >/dev/null || echo "post-render failed"
			real_rss "-- peak RSS: stdin a file"
			cat "$f" | /usr/bin/time -v $prod 2>"$dir/tv" >/dev/null || echo "post-render failed"
			real_rss "                 a pipe"
			/usr/bin/time -v cat "$f" 2>"$dir/tv" >/dev/null
			real_rss "                 cat   "
		fi
	done
fi

if [ "${KUSTOMIZE:-0}" = 1 ] && command -v kubectl >/dev/null; then
	echo "== kubectl kustomize with one strategic-merge patch"
	k=$dir/kustomize
	mkdir -p "$k"
	printf 'resources:\n  - stream.yaml\npatches:\n  - path: patch.yaml\n' >"$k/kustomization.yaml"
	cat >"$k/patch.yaml" <<'EOF'
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
            - name: cmf-encryption-key
              mountPath: /opt/cmf/encryption
              readOnly: true
      volumes:
        - name: cmf-encryption-key
          secret:
            secretName: cmf-encryption-key
            items:
              - key: encryption-key
                path: encryption-key
            defaultMode: 256
            optional: false
EOF
	sizes=(1000 2000 4000)
	[ "${KUSTOMIZE_FULL:-0}" = 1 ] && sizes+=(10000)
	for n in "${sizes[@]}"; do
		python3 "$root/bench/gen.py" "$n" >"$k/stream.yaml"
		/usr/bin/time -f "%e s, %M KB" -o "$k/t" timeout 600 kubectl kustomize "$k" >/dev/null 2>"$k/err"
		rc=$?
		/usr/bin/time -f "%e s, %M KB" -o "$k/t2" $pr <"$k/stream.yaml" >/dev/null 2>&1
		echo "$n manifests: kustomize $(tail -1 "$k/t") (exit $rc); post-render $(tail -1 "$k/t2")"
	done
fi
