#!/usr/bin/env bash
# The hostile input corpus (testdata/hostile): every case feeds one hostile
# input to one entry point and checks the exit code, that stderr says one
# clear thing (exactly one line for exit 2 or 3; the expected text is in
# stderr or, for findings, stdout), the wall time and the peak RSS. Then output errors: a full disk
# and a closed pipe must give exit 3 with a message, never a signal.
#
#   tests/hostile/run.sh CMF_VALIDATE [--no-limits] [--time-slack N] [--small] [--report FILE]
#
# Big inputs (10 MiB scalar, 100,000-deep nesting, 200,000 keys, random
# bytes) are generated here, not committed. --no-limits skips the time and
# memory bounds (for sanitizer and valgrind builds, which are slower and
# bigger by design); --time-slack N multiplies every time bound by N (ctest
# uses 5: on a loaded shared machine wall time is noise, so there the bound
# only catches what is badly slow, such as a hang or quadratic time; the
# figures themselves are measured by hand with --report, docs/hardening.md);
# --small skips inputs over 64 KiB (for valgrind).
# --report writes a table of every case's figures. $CMFV_RUNNER, if set,
# prefixes every run of the binary (e.g. valgrind, as tests/golden/run.sh
# does); it must exit with a code no case expects (99) on an error.
set -uo pipefail

bin=${1:?usage: run.sh CMF_VALIDATE [--no-limits] [--time-slack N] [--small] [--report FILE]}
shift
limits=1 report= small=0 slack=1
while [ $# -gt 0 ]; do
	case $1 in
	--no-limits) limits=0 ;;
	--time-slack) slack=$2; shift ;;
	--small) small=1 ;;
	--report) report=$2; shift ;;
	*) echo "run.sh: unknown option $1"; exit 2 ;;
	esac
	shift
done
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
src=$(cd "$(dirname "$0")/../.." && pwd)
data=$src/testdata/hostile
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen=$tmp/gen
mkdir -p "$gen"
export NO_COLOR=1 CMFV_TODAY=2025-06-01 HELM_CACHE_HOME=$tmp/cache XDG_CACHE_HOME=$tmp/cache
unset HELM_NAMESPACE HELM_BIN KUBECONFIG

hard_timeout=${HOSTILE_TIMEOUT:-300}
timer=/usr/bin/time
if [ ! -x "$timer" ]; then
	echo "run.sh: /usr/bin/time is missing (apt-get install time): time and memory not measured"
	timer=
fi

# ---------------------------------------------------------------- inputs

python3 - "$gen" <<'EOF'
import os, random, sys, base64
g = sys.argv[1]
def w(name, data):
    os.makedirs(os.path.dirname(os.path.join(g, name)), exist_ok=True)
    with open(os.path.join(g, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())
MB = 1 << 20
rnd = random.Random(8)
w('empty.yaml', b'')
w('random.bin', bytes(rnd.getrandbits(8) for _ in range(64 << 10)))
w('big-scalar.yaml', b'a: ' + b'x' * (10 * MB) + b'\n')
w('deep-flow.yaml', b'a: ' + b'[' * 100000 + b']' * 100000 + b'\n')
w('deep-map.yaml', b'a: ' + b'{a: ' * 100000 + b'1' + b'}' * 100000 + b'\n')
w('keys.yaml', ''.join(f'k{i}: {i}\n' for i in range(200000)))
# defaults with 200,000 keys and a -f file that nulls them all (Helm deletes them)
os.makedirs(os.path.join(g, 'chart'))
w('chart/Chart.yaml', 'apiVersion: v2\nname: hostile\nversion: 0.1.0\n')
w('chart/values.yaml', ''.join(f'k{i}: {i}\n' for i in range(100000)))
w('nulls.yaml', ''.join(f'k{i}: null\n' for i in range(100000)))
w('anchors.yaml', ''.join(f'k{i}: &a{i} {i}\n' for i in range(200000)) +
  'refs: [' + ', '.join(f'*a{i}' for i in range(0, 200000, 10)) + ']\n')
# a Secret whose key is 10 MiB of base64, and a stream of 200,000 small
# documents around a Secret
key = base64.b64encode(b'k' * (7 * MB + 512 * 1024)).decode()
w('secret-big.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cmf-key\ndata:\n  key: ' + key + '\n')
w('secret-many-docs.yaml', ''.join(f'---\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n' for i in range(90000)) +
  '---\napiVersion: v1\nkind: Secret\nmetadata: {name: cmf-key}\nstringData: {key: "0123456789abcdef0123456789abcdef"}\n')
# manifests: a Deployment with a 10 MiB annotation; 200,000 documents; a
# 100,000-deep Deployment
dep = ('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: confluent-manager-for-apache-flink\n'
       '  annotations:\n    big: "%s"\nspec:\n  template:\n    spec:\n      containers:\n        - name: cmf\n          image: x\n')
w('manifests-big.yaml', dep % ('x' * (10 * MB)))
w('manifests-many-docs.yaml', ''.join(f'---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n' for i in range(200000)) +
  '---\n' + dep % 'small')
w('manifests-deep.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: confluent-manager-for-apache-flink\n'
  'spec: ' + '[' * 100000 + ']' * 100000 + '\n')
# --set arguments (an argument is at most 128 KiB on Linux)
w('set-deep-list.txt', 'a' + '[0]' * 1001 + '=1')
w('set-deep-list-ok.txt', 'a' + '[0]' * 1000 + '=1')
w('set-deep-dots.txt', '.'.join(['a'] * 32) + '=1')
w('set-json-deep.txt', 'a=' + '[' * 10001 + ']' * 10001)
w('set-json-deep-ok.txt', 'a=' + '[' * 10000 + ']' * 10000)
# as deep as Helm allows, for the small-stack cases
w('deep-flow-ok.yaml', 'a: ' + '[' * 9999 + ']' * 9999 + '\n')
# flow maps: 7,000 levels is as deep as the flow cost limit lets `{a: ` go
# (CMFV_YAML_MAX_FLOW_COST); 7,071 is past it. The worst accepted flow
# documents, each just under the limit, must be read in well under 1 s
w('deep-map-ok.yaml', 'a: ' + '{a: ' * 7000 + '1' + '}' * 7000 + '\n')
w('flow-map-over.yaml', 'a: ' + '{a: ' * 7071 + '1' + '}' * 7071 + '\n')
w('flow-999-49k.yaml', 'a: ' + '[' * 999 + '1,' * 49000 + '1' + ']' * 999 + '\n')
# GitOps: an Application whose values block nests too deep, one with 40,000
# parameters (about what fits in etcd's 1.5 MB); a HelmRelease whose ConfigMap
# holds 200,000 keys; one with 300 valuesFrom targetPaths (over the cap)
app = 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: cmf}\nspec:\n  source:\n    path: chart\n    helm:\n'
w('app-deep-values.yaml', app + '      values: |\n        a: ' + '[' * 100000 + ']' * 100000 + '\n')
w('app-params.yaml', app + '      parameters:\n' + ''.join('        - {name: p%d, value: "%d"}\n' % (i, i) for i in range(40000)))
hr = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cmf}\nspec:\n  chart: {spec: {chart: ., sourceRef: {kind: GitRepository, name: g}}}\n'
w('hr-big-configmap.yaml', hr + '  valuesFrom: [{kind: ConfigMap, name: cm}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  values.yaml: |\n' + ''.join('    k%d: %d\n' % (i, i) for i in range(100000)))
w('hr-targetpaths.yaml', hr + '  values: {m: {x: 1}}\n  valuesFrom:\n' + ''.join('    - {kind: ConfigMap, name: cm, valuesKey: v, targetPath: m.k%d}\n' % i for i in range(300)) + '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {v: "1"}\n')
w('set-keys.txt', ','.join(f'k{i}={i}' for i in range(10000)))
w('set-dup.txt', 'a=1,a=2,a.b=3')
w('set-bad-utf8.txt', b'a=\xff\xfe')
w('set-unterminated-list.txt', 'a={x,y')
w('set-json-unterminated.txt', 'a="never closed')
w('set-huge-int.txt', 'a=' + '9' * 400)
w('set-huge-index.txt', 'a[99999999999999999999]=1')
w('set-big-index.txt', 'a[65537]=1')
w('set-many-gaps.txt', ','.join(f'a{i}[65536]=1' for i in range(200)))
w('set-four-gaps.txt', ','.join(f'a{i}[65536]=1' for i in range(4)))
w('set-tabs.txt', 'a=\tb\t,c\t=d')
w('set-empty.txt', '')
# issue 13: one document past the 32 MiB limit (a 40 MiB scalar), 600,000
# keys (past 1,000,000 nodes in 6 MiB), 60 --set flags of four full lists
# each (one budget for them all)
w('scalar-40m.yaml', b'a: ' + b'x' * (40 * MB) + b'\n')
w('keys-600k.yaml', ''.join(f'k{i}: {i}\n' for i in range(600000)))
# issue 13 round 2: 300,000 tiny documents (each read on its own as Helm
# 4's values; 29 million took a minute), 4 documents of 400,000 nodes (the
# node budget is the input's, not each document's), 200,000 items 999 flow
# levels deep (libyaml's cost is tokens times depth: 10 s and more)
w('docs-300k.yaml', '---\na: 1\n' * 300000)
w('nodes-4x200k.yaml', ('---\na: [' + '1,' * 200000 + '1]\n') * 4)
w('flow-999-200k.yaml', 'a: ' + '[' * 999 + '1,' * 200000 + '1' + ']' * 999 + '\n')
# three documents of 30 MiB each (each under the 32 MiB document limit,
# together 90 MiB: over the 64 MiB all values inputs may hold; 8 of them
# took 390 MB parsed)
w('docs-3x30m.yaml', (b'---\na: ' + b'x' * (30 * MB) + b'\n') * 3)
# round 3: one node budget (500,000) for all the values of a run: a file of
# 200,000 keys (400,000 nodes, under the limit alone) given six times (450,000
# keys six times took 5 s and 249 MB when the budget was per file); a chart
# whose four subcharts hold 70,000 keys each in their values.yaml; the
# 200,000 keys and a --set of four full lists (262,148 nodes)
w('keys-200k.yaml', ''.join(f'k{i}: {i}\n' for i in range(200000)))
# four CMF Deployments of 300,000 annotations each through post-render: one
# node budget for every document the finder parses (eight of 400,000 took
# 25 s and 464 MB)
w('deployments-4x300k.yaml', ('---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: confluent-manager-for-apache-flink\n  annotations:\n' + ''.join('    k%d: "%d"\n' % (i, i) for i in range(300000)) + 'spec:\n  template:\n    spec:\n      containers:\n      - {name: cmf, image: x}\n') * 4)
w('subcharts/Chart.yaml', 'apiVersion: v2\nname: parent\nversion: 0.1.0\n')
w('subcharts/values.yaml', 'a: 1\n')
for c in range(4):
    w(f'subcharts/charts/sub{c}/Chart.yaml', f'apiVersion: v2\nname: sub{c}\nversion: 0.1.0\n')
    w(f'subcharts/charts/sub{c}/values.yaml', ''.join(f'k{i}: {i}\n' for i in range(70000)))
# round 4: 65,536 map keys whose FNV-1a hashes agree in their low 24 bits
# (the map index was unseeded FNV-1a with linear probing: 20 s in values,
# 14 s in post-render; now SipHash under a per-process key), as values and
# as a CMF Deployment's annotations
def fnv_keys(stages):
    import itertools
    K = (1 << 24) - 1
    def step(h, s):
        for c in s.encode():
            h = ((h ^ c) * 1099511628211) & K
        return h
    alpha = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
    h, pairs, rnd = step(1469598103934665603 & K, 'k'), [], random.Random(1)
    for _ in range(stages):
        seen = {}
        while True:
            b = ''.join(rnd.choice(alpha) for _ in range(5))
            v = step(h, b)
            if v in seen and seen[v] != b:
                pairs.append((seen[v], b))
                h = v
                break
            seen[v] = b
    return ['k' + ''.join(c) for c in itertools.product(*pairs)]
fk = fnv_keys(16)
w('fnv-keys.yaml', 'm:\n' + ''.join('  %s: 1\n' % k for k in fk))
w('fnv-deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: confluent-manager-for-apache-flink\n  annotations:\n' + ''.join('    %s: "1"\n' % k for k in fk) + 'spec:\n  template:\n    spec:\n      containers:\n      - {name: cmf, image: x}\n')
# round 4: the flow pre-count blinded: a quoted string of 999 `]` lowers
# its depth to 0, or a string of 10,001 `[` lifts it past the depth limit
# (where it was skipped), before 200,000 items 999 levels deep (2 s and
# 413 MB); the cost is now also counted from libyaml's events
w('flow-hidden.yaml', 'a: ' + '[' * 999 + '"' + ']' * 999 + '"' + ', 1' * 200000 + ']' * 999 + '\n')
w('flow-deep-string.yaml', 's: "' + '[' * 10001 + '"\na: ' + '[' * 999 + '1' + ', 1' * 200000 + ']' * 999 + '\n')
# round 4: Helm's copies of values against the run's node budget: an
# umbrella's global list of 200,000 items copied into 100 subcharts (900,000
# items took 72 s and 8.6 GB), one subchart's values.yaml of 100,000 items
# under 100 dependency aliases (4.5 s, 1 GB)
w('globals-100/Chart.yaml', 'apiVersion: v2\nname: umb\nversion: 0.1.0\n')
w('globals-100/values.yaml', 'global:\n  l: [' + ','.join(['1'] * 200000) + ']\n')
for s in ['confluent-manager-for-apache-flink'] + ['s%d' % i for i in range(1, 100)]:
    w(f'globals-100/charts/{s}/Chart.yaml', f'apiVersion: v2\nname: {s}\nversion: 0.1.0\n')
    w(f'globals-100/charts/{s}/values.yaml', 'x: 1\n')
w('aliases-100/Chart.yaml', 'apiVersion: v2\nname: al\nversion: 0.1.0\ndependencies:\n' + ''.join('- name: sub\n  version: 0.1.0\n  alias: a%d\n' % i for i in range(100)))
w('aliases-100/values.yaml', 'x: 1\n')
w('aliases-100/charts/sub/Chart.yaml', 'apiVersion: v2\nname: sub\nversion: 0.1.0\n')
w('aliases-100/charts/sub/values.yaml', 'l: [' + ','.join(['1'] * 100000) + ']\n')
# round 4: a chart with a dependency and 100,000 keys: import-values
# copies its values through a graph of maps whose lookups were linear
# (200,000 keys took minutes)
w('deps-100k/Chart.yaml', 'apiVersion: v2\nname: q\nversion: 0.1.0\ndependencies:\n- name: sub\n  version: 0.1.0\n')
w('deps-100k/values.yaml', ''.join(f'k{i}: 1\n' for i in range(100000)))
w('deps-100k/charts/sub/Chart.yaml', 'apiVersion: v2\nname: sub\nversion: 0.1.0\n')
w('deps-100k/charts/sub/values.yaml', 'x: 1\n')
# round 4: the flow cost is the run's, not each input's or document's: the
# worst accepted document six times (-f) or five times in one stream
w('flow-999-49k-x5.yaml', ('---\na: ' + '[' * 999 + '1,' * 49000 + '1' + ']' * 999 + '\n') * 5)
# and five Services (never parsed as workloads), checked as YAML only
# when no CMF Deployment is found
w('flow-999-49k-svc-x5.yaml', ('---\nkind: Service\na: ' + '[' * 999 + '1,' * 49000 + '1' + ']' * 999 + '\n') * 5)
# round 4: anchors nested 5,000 deep: the loader keeps a copy of each
# anchored node, 12.5 million nodes in all (6.5 s, 3.2 GB); the copies are
# taken from the node budget now
w('anchors-nested.yaml', 'a:\n' + ''.join('  ' * (i + 1) + 'k: &a%d\n' % i for i in range(5000)) + '  ' * 5001 + 'k: 1\n')
w('set-60-flags.txt', ''.join(','.join(f'a{j}x{i}[65536]=1' for j in range(4)) + '\n' for i in range(60)))
EOF
# a 10 GB file of which nothing is on disk (over the 256 MiB --max-input)
truncate -s 10G "$gen/sparse-10g.yaml"

# An input: gen/NAME is generated above, anything else is in inputs/.
input_path() {
	case $1 in
	gen/*) echo "$gen/${1#gen/}" ;;
	/dev/* | stream/*) echo "$1" ;;
	*) echo "$data/inputs/$1" ;;
	esac
}

# ---------------------------------------------------------------- cases

pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
ok() { pass=$((pass + 1)); echo "ok   $*"; }
[ -z "$report" ] || printf '%-12s %-28s %4s %8s %8s  %s\n' entry input exit seconds peak_MB stderr >"$report"

# run ENTRY INPUT: runs the command for ENTRY on INPUT; sets rc, secs, mb;
# stdout in $tmp/out, stderr in $tmp/err.
run_entry() {
	local entry=$1 in=$2 okvals=$src/testdata/examples/values-prod.yaml
	local -a cmd
	local stdin=/dev/null
	local -a small_stack=()
	# stack=KB: the main thread gets only that much stack (ulimit -s, the
	# soft and the hard limit); sstack=KB: the soft limit only, the hard
	# one as it was (main.c raises it); not under a CMFV_RUNNER such as
	# valgrind, which needs its own
	[ -n "$stack_kb" ] && [ -z "${CMFV_RUNNER:-}" ] &&
		small_stack=(bash -c 'ulimit $1 -s "$0" && shift && exec "$@"' "${stack_kb#S}"
			"$(case $stack_kb in S*) echo -S ;; *) echo -SH ;; esac)")
	case $entry in
	values) cmd=("$bin" check -f "$in") ;;
	values-dump) cmd=("$bin" values -o json -f "$in") ;;
	values-chart) cmd=("$bin" values -o json --chart "$gen/chart" -f "$in") ;;
	values-6x) cmd=("$bin" check -f "$in" -f "$in" -f "$in" -f "$in" -f "$in" -f "$in") ;;
	chart-dir) cmd=("$bin" values -o json --chart "$in") ;;
	values-set-lines) # -f gen/keys-200k.yaml and one --set flag per line of INPUT
		cmd=("$bin" values -o json -f "$gen/keys-200k.yaml")
		while IFS= read -r l || [ -n "$l" ]; do cmd+=(--set "$l"); done <"$in" ;;
	secret) cmd=("$bin" check --secret-file "$in" --secret-name cmf-key --secret-property key) ;;
	post-render)
		cmd=("$bin" post-render -f "$okvals")
		stdin=$in ;;
	post-render-pipe)
		# stdin a pipe that never ends: stream/one-doc is one endless
		# document, stream/one-line one endless line, stream/many-docs
		# endless small documents, stream/many-cmf endless CMF Deployments
		cmd=("$bin" post-render -f "$okvals")
		stdin=$tmp/fifo
		rm -f "$stdin" && mkfifo "$stdin"
		case $in in
		stream/one-doc) (yes 'a: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' >"$stdin" 2>/dev/null &) ;;
		stream/many-docs) (yes -- $'---\nkind: ConfigMap\nmetadata: {name: c}' >"$stdin" 2>/dev/null &) ;;
		stream/many-cmf) (yes -- $'---\nkind: Deployment\nmetadata: {name: confluent-manager-for-apache-flink}' >"$stdin" 2>/dev/null &) ;;
		stream/one-line) ({ printf 'a: '; tr '\0' x </dev/zero; } >"$stdin" 2>/dev/null &) ;;
		*) (cat "$in" >"$stdin" 2>/dev/null &) ;;
		esac ;;
	values-fifo) # a FIFO no one opens for writing, as -f (it hung)
		rm -f "$tmp/nowriter" && mkfifo "$tmp/nowriter"
		cmd=("$bin" check -f "$tmp/nowriter") ;;
	values-pipe) # check -f - with stdin a pipe that never ends: stream/dashes is `yes ---`
		cmd=("$bin" check -f -)
		stdin=$tmp/fifo
		rm -f "$stdin" && mkfifo "$stdin"
		(yes -- '---' >"$stdin" 2>/dev/null &) ;;
	config) cmd=("$bin" check --config "$in" -f "$okvals") ;;
	set | set-string | set-json | set-literal)
		cmd=("$bin" values -o json "--$entry" "$(cat "$in")") ;;
	set-file) cmd=("$bin" values -o json --set-file "a=$in") ;;
	set-lines) # one --set flag per line of INPUT
		cmd=("$bin" values -o json)
		while IFS= read -r l; do cmd+=(--set "$l"); done <"$in" ;;
	argocd-app) cmd=("$bin" check --argocd-app "$in" --repo-root "$gen") ;;
	helmrelease) cmd=("$bin" check --helmrelease "$in" --manifests "$in" --chart "$gen/chart") ;;
	*) echo "unknown entry point $entry"; return 1 ;;
	esac
	[ -z "$max_input" ] || cmd+=(--max-input "$max_input")
	# a hang fails the case (exit 124) instead of blocking CI
	# shellcheck disable=SC2206
	cmd=(timeout "$hard_timeout" "${small_stack[@]}" ${CMFV_RUNNER:-} "${cmd[@]}")
	if [ -n "$timer" ]; then
		"$timer" -o "$tmp/time" -f '%e %M' "${cmd[@]}" <"$stdin" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		read -r secs kb < <(tail -1 "$tmp/time")
		# time(1) reports a signal as "Command terminated by signal N"
		grep -q 'terminated by signal' "$tmp/time" && rc=$((128 + $(sed -n 's/.*signal \([0-9]*\).*/\1/p' "$tmp/time")))
		mb=$(((kb + 1023) / 1024))
	else
		"${cmd[@]}" <"$stdin" >"$tmp/out" 2>"$tmp/err"
		rc=$? secs=0 mb=0
	fi
}

while IFS= read -r line || [ -n "$line" ]; do
	case $line in '#'* | '') continue ;; esac
	spec=${line%%|*} msg=${line#*|}
	[ "$spec" = "$line" ] && msg=
	msg=$(printf '%s' "$msg" | sed 's/^ *//; s/ *$//')
	read -r entry input want rest <<<"$spec"
	max_s=1 max_mb=64 stack_kb= max_input=
	for opt in $rest; do
		case $opt in
		max=*) max_input=${opt#max=} ;;
		time=*) max_s=${opt#time=} ;;
		stack=*) stack_kb=${opt#stack=} ;;
		sstack=*) stack_kb=S${opt#sstack=} ;;
		rss=*) max_mb=${opt#rss=} ;;
		esac
	done
	in=$(input_path "$input")
	name="$entry $input"
	if [ $small = 1 ] && { [ "${in#/dev/}" != "$in" ] || [ "${in#stream/}" != "$in" ] ||
		[ "$(stat -c %s "$in")" -gt 65536 ]; }; then
		continue
	fi
	run_entry "$entry" "$in"
	[ -z "$report" ] || printf '%-12s %-28s %4s %8s %8s  %s\n' "$entry" "$input" "$rc" "$secs" "$mb" \
		"$(head -1 "$tmp/err" | cut -c1-160)" >>"$report"
	why=""
	[ "$rc" = "$want" ] || why="exit $rc, want $want"
	# findings go to stdout, errors to stderr: the text may be in either
	if [ -z "$why" ] && [ -n "$msg" ] && ! grep -qF -- "$msg" "$tmp/err" "$tmp/out"; then
		why="output lacks '$msg'"
	fi
	if [ -z "$why" ] && { [ "$want" = 2 ] || [ "$want" = 3 ]; }; then
		lines=$(grep -c '' "$tmp/err")
		[ "$lines" = 1 ] || why="$lines lines on stderr, want one clear message"
	fi
	if [ -z "$why" ] && [ "$want" = 0 ] && [ "${entry%%-pipe}" != post-render ] && [ -s "$tmp/err" ]; then
		why="stderr not empty"
	fi
	if [ -z "$why" ] && [ $limits = 1 ]; then
		if awk -v s="$secs" -v m="$max_s" -v k="$slack" 'BEGIN { exit !(s > m * k) }'; then
			why="took ${secs}s, limit ${max_s}s x $slack"
		elif [ "$mb" -gt "$max_mb" ]; then
			why="peak RSS ${mb} MB, limit ${max_mb} MB"
		fi
	fi
	if [ -n "$why" ]; then
		bad "$name: $why"
		head -c 600 "$tmp/err" | sed 's/^/    /'
	else
		ok "$name (exit $rc, ${secs}s, ${mb} MB)"
	fi
done <"$data/cases.txt"

# The valid BOM + CRLF stream: the documents post-render does not change
# come out byte for byte (BOM and CRLF kept), and a second run on its own
# output changes nothing.
okvals=$src/testdata/examples/values-prod.yaml
crlf=$data/inputs/bom-crlf-manifests.yaml
if "$bin" post-render -f "$okvals" <"$crlf" >"$tmp/pr1" 2>/dev/null &&
	"$bin" post-render -f "$okvals" <"$tmp/pr1" >"$tmp/pr2" 2>/dev/null; then
	service=$(sed -n '/^---\r$/h; /^---\r$/!H; ${x; p}' "$crlf")
	if [ "$(head -c3 "$tmp/pr1" | od -An -tx1 | tr -d ' ')" != efbbbf ]; then
		bad "post-render BOM + CRLF: the BOM is gone"
	elif ! grep -qF -- "$(printf '%s' "$service" | tail -1)" "$tmp/pr1" ||
		[ "$(tail -c "$(printf '%s\n' "$service" | wc -c)" "$tmp/pr1")" != "$service" ]; then
		bad "post-render BOM + CRLF: the Service document did not come out byte for byte"
	elif ! cmp -s "$tmp/pr1" "$tmp/pr2"; then
		bad "post-render BOM + CRLF: not idempotent (a second run changed the output)"
	else
		ok "post-render BOM + CRLF: untouched documents byte for byte, idempotent"
	fi
else
	bad "post-render BOM + CRLF: failed"
fi

# ---------------------------------------------------------------- out of memory
# The whole binary with its address space capped (ulimit -v) at 8 MB, 14
# MB, ... 128 MB: malloc fails somewhere different each time, libyaml's and
# OpenSSL's included. Every run must give its normal result or exit 3 with
# one line saying memory ran out (after any notes); never a crash, and never an input error
# (exit 2) for what was a lack of memory. Not in sanitizer builds, which
# need terabytes of address space.
oom_sweep() {
	local name=$1 normal=$2 stdin=$3 mb rc bad_runs=0 runs=0
	shift 3
	for mb in $(seq 8 6 128); do
		(ulimit -v $((mb * 1024)); exec "$@") <"$stdin" >/dev/null 2>"$tmp/err"
		rc=$?
		runs=$((runs + 1))
		if [ "$rc" = "$normal" ]; then
			continue
		elif [ "$rc" = 3 ] && [ "$(grep -ciE 'error|out of memory|cannot allocate' "$tmp/err")" = 1 ] &&
			tail -1 "$tmp/err" | grep -qiE 'out of memory|cannot allocate memory'; then
			continue
		fi
		bad_runs=$((bad_runs + 1))
		[ $bad_runs -gt 1 ] || { echo "    at ${mb} MB: exit $rc"; head -c 300 "$tmp/err" | sed 's/^/    /'; }
	done
	if [ $bad_runs = 0 ]; then
		ok "out of memory: $name ($runs limits, 8-128 MB)"
	else
		bad "out of memory: $name: $bad_runs of $runs limits gave neither exit $normal nor exit 3 with a message"
	fi
}
if [ $limits = 1 ]; then
	oom_sweep "check -f (200,000 keys)" 0 /dev/null "$bin" check -f "$gen/keys.yaml"
	oom_sweep "values -o json -f (10 MiB scalar)" 0 /dev/null "$bin" values -o json -f "$gen/big-scalar.yaml"
	oom_sweep "values --chart (200,000 nulls)" 0 /dev/null "$bin" values -o json --chart "$gen/chart" -f "$gen/nulls.yaml"
	oom_sweep "check --secret-file (10 MiB key)" 1 /dev/null "$bin" check --secret-file "$gen/secret-big.yaml" \
		--secret-name cmf-key --secret-property key
	oom_sweep "post-render (10 MiB Deployment)" 0 "$gen/manifests-big.yaml" "$bin" post-render -f "$okvals"
fi

# ---------------------------------------------------------------- output errors

# findings to print: an empty report has nothing to fail writing
badvals=$src/testdata/examples/values-prod-broken.yaml
# expect_io NAME RC STDERR-FILE: exit 3 and a message, never a signal
expect_io() {
	if [ "$2" = 3 ] && [ -s "$3" ]; then
		ok "$1 (exit 3: $(head -1 "$3"))"
	else
		bad "$1: exit $2, want 3 and a message"
		head -c 400 "$3" | sed 's/^/    /'
	fi
}
if [ -w /dev/full ]; then
	"$bin" values -f "$okvals" >/dev/full 2>"$tmp/err"
	expect_io "values > /dev/full" $? "$tmp/err"
	"$bin" values -o json -f "$okvals" >/dev/full 2>"$tmp/err"
	expect_io "values -o json > /dev/full" $? "$tmp/err"
	"$bin" check -o json -f "$badvals" >/dev/full 2>"$tmp/err"
	expect_io "check -o json > /dev/full" $? "$tmp/err"
	"$bin" check -f "$badvals" >/dev/full 2>"$tmp/err"
	expect_io "check (text) > /dev/full" $? "$tmp/err"
	"$bin" rules >/dev/full 2>"$tmp/err"
	expect_io "rules > /dev/full" $? "$tmp/err"
	"$bin" post-render -f "$okvals" <"$data/inputs/bom-crlf-manifests.yaml" >/dev/full 2>"$tmp/err"
	expect_io "post-render > /dev/full" $? "$tmp/err"
else
	echo "skip /dev/full cases: no /dev/full"
fi
# A reader that is gone before we write: the write fails with EPIPE (SIGPIPE
# is ignored) and must be exit 3, whatever the output's size.
closed_pipe() {
	local name=$1
	shift
	{ sleep 0.3; "$@" 2>"$tmp/err"; echo $? >"$tmp/rc"; } | true
	expect_io "$name | (closed)" "$(cat "$tmp/rc")" "$tmp/err"
}
closed_pipe "values (10 MiB)" "$bin" values -f "$gen/big-scalar.yaml"
closed_pipe "values -o json" "$bin" values -o json -f "$okvals"
closed_pipe "check -o json" "$bin" check -o json -f "$badvals"
closed_pipe "check (text)" "$bin" check -f "$badvals"
closed_pipe "post-render" sh -c 'exec "$0" post-render -f "$1" <"$2"' "$bin" "$okvals" \
	"$data/inputs/bom-crlf-manifests.yaml"
# and one that reads a little first (| head -c1) on output bigger than a pipe
{ "$bin" values -f "$gen/big-scalar.yaml" 2>"$tmp/err"; echo $? >"$tmp/rc"; } | head -c1 >/dev/null
expect_io "values (10 MiB) | head -c1" "$(cat "$tmp/rc")" "$tmp/err"

# Out of stack (src/cli/stack_guard.c): nesting as deep as Helm allows
# needs about 2 MB. When no 64 MB thread can be made (an address-space
# limit takes it) and the hard stack limit is below that, the end is a
# message and exit 3, never SIGSEGV; a hard limit that is enough (16 MB) is
# used instead. Not under a runner or a sanitizer build (--no-limits): an
# address-space limit is not theirs to take.
if [ $limits = 1 ] && [ -z "${CMFV_RUNNER:-}" ] && command -v prlimit >/dev/null; then
	for in in deep-flow-ok.yaml deep-map-ok.yaml; do
		prlimit --stack=262144:262144 --as=62914560 "$bin" values -o json -f "$gen/$in" \
			>/dev/null 2>"$tmp/err"
		rc=$?
		if [ $rc = 3 ] && grep -q 'out of stack' "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ]; then
			ok "values $in, 256 KB stack, no thread (exit 3: $(head -1 "$tmp/err"))"
		else
			bad "values $in, 256 KB stack, no thread: exit $rc, want 3 and 'out of stack'"
			head -c 400 "$tmp/err" | sed 's/^/    /'
		fi
		prlimit --stack=262144:16777216 --as=62914560 "$bin" values -o json -f "$gen/$in" \
			>"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ $rc = 0 ] && [ -s "$tmp/out" ]; then
			ok "values $in, 256 KB soft of 16 MB hard stack, no thread (exit 0)"
		else
			bad "values $in, 256 KB soft of 16 MB hard stack, no thread: exit $rc, want 0"
			head -c 400 "$tmp/err" | sed 's/^/    /'
		fi
	done
	# out of stack in a wrapper run (the copy of -f -) and in a GitOps check
	# (the chart it pulled): exit 3, and no temporaries left. Helm is a
	# stand-in: its `template --help` is the real Helm 3's, when at hand
	fake=$src/tests/hostile/fake-helm tw=$tmp/tw
	mkdir -p "$tw" "$tmp/pulled/templates"
	printf 'apiVersion: v2\nname: c\nversion: 0.1.0\n' >"$tmp/pulled/Chart.yaml"
	cp "$gen/deep-flow-ok.yaml" "$tmp/pulled/values.yaml"
	h3=$(bash "$src/tests/helm/fetch-helm.sh" 3 2>/dev/null) && [ -x "$h3" ] &&
		"$h3" template --help >"$tmp/template-help.txt" 2>/dev/null || h3=
	out_of_stack() { # NAME STDIN ARGS...: exit 3, "out of stack", nothing left in $tw
		local name=$1 stdin=$2 rc
		shift 2
		TMPDIR=$tw HELM_BIN=$fake FAKE_CHART=$tmp/pulled FAKE_HELP=$tmp/template-help.txt \
			prlimit --stack=262144:262144 --as=62914560 "$bin" "$@" <"$stdin" >/dev/null 2>"$tmp/err"
		rc=$?
		if [ $rc = 3 ] && grep -q 'out of stack' "$tmp/err" && [ -z "$(ls -A "$tw")" ]; then
			ok "$name, out of stack (exit 3, nothing left in TMPDIR)"
		else
			bad "$name, out of stack: exit $rc, left: $(ls -A "$tw" | tr '\n' ' '), want 3 and nothing"
			head -c 400 "$tmp/err" | sed 's/^/    /'
		fi
		rm -rf "${tw:?}"/*
	}
	out_of_stack "check --argocd-app (chart pulled)" /dev/null check --argocd-app "$src/tests/hostile/argocd-app-repo.yaml"
	if [ -n "$h3" ]; then
		out_of_stack "wrapper template -f - (stdin copied)" "$gen/deep-flow-ok.yaml" \
			template r "$src/testdata/charts/cmf" -f -
	else
		echo "skip the wrapper's out-of-stack case: no Helm 3 at hand"
	fi
	# little address space: the heap or the stack runs out first, either
	# way exit 3 with one line (or it fits: 0); at 8 MB the dynamic loader
	# of a shared build may not even get libcrypto in (exit 127, its own
	# message, before any of ours runs: not ours to judge)
	for as in 8388608 10485760 12582912; do
		prlimit --stack=8388608:unlimited --as=$as "$bin" values -o json \
			--set-json "$(cat "$gen/set-json-deep-ok.txt")" >/dev/null 2>"$tmp/err"
		rc=$?
		if { [ $rc = 3 ] && [ "$(wc -l <"$tmp/err")" = 1 ]; } || [ $rc = 0 ]; then
			ok "--set-json deep, $as bytes of address space (exit $rc)"
		elif [ $rc = 127 ] && grep -q 'error while loading shared libraries' "$tmp/err"; then
			ok "--set-json deep, $as bytes of address space (the loader ran out first)"
		else
			bad "--set-json deep, $as bytes of address space: exit $rc, want 3 and one line, or 0"
			head -c 400 "$tmp/err" | sed 's/^/    /'
		fi
	done
fi

echo "hostile: $pass passed, $fail failed"
[ $fail = 0 ]
