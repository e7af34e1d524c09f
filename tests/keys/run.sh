#!/usr/bin/env bash
# Key verification end to end (issue 3). Fixtures are made here, at test
# time, by the real `openssl rand` and `kubectl create secret generic
# --from-file ... --dry-run=client` (and `kubectl get` against a stand-in API
# server), never hand-written base64. --cluster runs the real kubectl against
# tests/keys/fake-apiserver.py on 127.0.0.1. Expected one-line messages are in
# testdata/keys/expected (CMFV_UPDATE_GOLDEN=1 rewrites them).
#   run.sh BIN
set -u
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
data=$(cd "$here/../../testdata/keys" && pwd)
kubectl=$(bash "$here/../helm/fetch-helm.sh" kubectl) || { echo "no kubectl"; echo "0 passed, 1 failed"; exit 1; }
command -v openssl >/dev/null || { echo "no openssl"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
unset HELM_NAMESPACE HELM_KUBECONTEXT KUBECONFIG CMFV_KUBECTL CMFV_KUBECTL_TIMEOUT NO_COLOR
export KUBECACHEDIR=$tmp/kube-cache HELM_CACHE_HOME=$tmp/helm-cache SOURCE_DATE_EPOCH=1780000000 CMFV_TODAY=2026-06-01
umask 022
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | head -20; return 0; }

# py EXPR...: python3 assertions over d = the JSON in out.json
py() { python3 -c 'import json,sys
d = json.load(open("out.json"))
for e in sys.argv[1:]:
    if not eval(e):
        print("assertion failed:", e); print(json.dumps(d, indent=1)[:3000]); sys.exit(1)' "$@"; }

# expect NAME EXIT RULES... -- ARGS: check -o json; exit code, the rule IDs
# (a sorted multiset) and, with EXTRA set, python assertions over the report
EXTRA=()
expect() {
	local name=$1 want=$2; shift 2
	local rules=()
	while [ "$1" != -- ]; do rules+=("$1"); shift; done
	shift
	"$bin" check "$@" -o json >out.json 2>err.txt
	local rc=$? got w
	got=$(python3 -c 'import json; print(" ".join(sorted(f["rule"] for f in json.load(open("out.json"))["findings"])))' 2>/dev/null)
	w=$(printf '%s\n' "${rules[@]}" | sort | tr '\n' ' ' | sed 's/ *$//')
	if [ "$rc" != "$want" ] || [ "$got" != "$w" ]; then
		bad "$name: exit $rc rules [$got], want exit $want rules [$w]" "$(cat err.txt)"
	elif [ ${#EXTRA[@]} -gt 0 ] && ! py "${EXTRA[@]}" >py.txt 2>&1; then
		bad "$name" "$(cat py.txt)"
	else
		ok "$name"
	fi
	EXTRA=()
}

# golden NAME ARGS...: check -o text, compared with testdata/keys/expected/NAME.txt
# (stdout, then "exit N"; KCVs vary with the random keys and read XXXXXX)
golden() {
	local name=$1; shift
	{ "$bin" check "$@" -o text 2>&1; echo "exit $?"; } | sed 's/KCV [0-9a-f]\{6\}/KCV XXXXXX/g' >golden.txt
	if [ "${CMFV_UPDATE_GOLDEN:-}" = 1 ]; then cp golden.txt "$data/expected/$name.txt"; fi
	if cmp -s golden.txt "$data/expected/$name.txt"; then ok "text: $name"; else
		bad "text: $name" "$(diff "$data/expected/$name.txt" golden.txt)"; fi
}

secret() { # OUT KEYFILE [NS|-] [yaml|json]: the Secret exactly as kubectl makes it
	local ns=${3:-flink} fmt=${4:-yaml} nsarg=()
	[ "$ns" != - ] && nsarg=(-n "$ns")
	"$kubectl" create secret generic cmf-encryption-key --from-file=encryption-key="$2" "${nsarg[@]}" \
		--dry-run=client -o "$fmt" >"$1"
}
ref=(--secret-name cmf-encryption-key --secret-property encryption-key -n flink)

# ------------------------------------------------ the keys, as users make them
openssl rand -out k32 32; openssl rand -out k16 16
openssl rand -base64 32 >b64-32; openssl rand -base64 16 >b64-16
openssl rand -hex 16 | tr -d '\n' >hex16-bare; openssl rand -hex 16 >hex16-nl; openssl rand -hex 32 >hex32
: >len0
for n in 15 24 31 33 64; do
	# random bytes that do not happen to end in a newline (that is another case)
	until openssl rand -out len$n $n && [ "$(tail -c 1 len$n | od -An -tx1 | tr -d ' ')" != 0a ]; do :; done
done
{ openssl rand 32; echo; } >bin-nl
{ openssl rand 16; echo; } >bin16-nl
head -c 32 /dev/zero | tr '\0' 'A' >one-byte
printf 'Sup3r-Secret-Passw0rd-For-CMF!!!' >password
{ openssl rand 16; head -c 16 /dev/zero; } >zero-padded
keys=(k32 k16 b64-32 b64-16 hex16-bare hex16-nl hex32 len0 len15 len24 len31 len33 len64 bin-nl bin16-nl one-byte password zero-padded)
for f in "${keys[@]}"; do
	secret "s-$f.yaml" "$f"; secret "s-$f.json" "$f" flink json
done
[ "$(wc -c <b64-32)" = 45 ] && [ "$(wc -c <hex32)" = 65 ] && [ "$(wc -c <hex16-nl)" = 33 ] &&
	grep -q '^  encryption-key: ' s-k32.yaml && ok "fixtures made by openssl and kubectl" || bad "fixtures"

# ------------------------------------------------------------ every mistake
for form in yaml json; do
	s() { echo "s-$1.$form"; }
	EXTRA=('d["keys"][0]["length"] == 32 and d["keys"][0]["valid"] and len(d["keys"][0]["kcv"]) == 6'
		'd["keys"][0]["secret"] == "cmf-encryption-key" and d["keys"][0]["property"] == "encryption-key"')
	expect "32 random bytes ($form)" 0 -- --secret-file "$(s k32)" "${ref[@]}"
	EXTRA=('d["keys"][0]["length"] == 16 and d["keys"][0]["valid"]')
	expect "16 random bytes ($form)" 0 -- --secret-file "$(s k16)" "${ref[@]}"
	EXTRA=('d["keys"][0]["length"] == 45 and not d["keys"][0]["valid"] and d["keys"][0]["kcv"] is None'
		'"encoded twice" in d["findings"][0]["message"] and "45 bytes of base64 text" in d["findings"][0]["message"]')
	expect "openssl rand -base64 32 > f ($form)" 1 CMF024 -- --secret-file "$(s b64-32)" "${ref[@]}"
	expect "openssl rand -base64 16 > f ($form)" 1 CMF024 -- --secret-file "$(s b64-16)" "${ref[@]}"
	EXTRA=('"hex digits" in d["findings"][0]["message"] and d["keys"][0]["valid"]')
	expect "openssl rand -hex 16, no newline: valid length, weak ($form)" 0 CMF026 -- --secret-file "$(s hex16-bare)" "${ref[@]}"
	expect "openssl rand -hex 16 > f: 33 bytes ($form)" 1 CMF025 -- --secret-file "$(s hex16-nl)" "${ref[@]}"
	EXTRA=('"64 bytes of hex text" in d["findings"][0]["message"] or "65 bytes of hex text" in d["findings"][0]["message"]')
	expect "openssl rand -hex 32 > f ($form)" 1 CMF024 -- --secret-file "$(s hex32)" "${ref[@]}"
	for n in 0 15 24 31 33 64; do
		EXTRA=("d['keys'][0]['length'] == $n" "'is $n bytes' in d['findings'][0]['message']")
		expect "$n random bytes ($form)" 1 CMF023 -- --secret-file "$(s len$n)" "${ref[@]}"
	done
	expect "32-byte key plus newline ($form)" 1 CMF025 -- --secret-file "$(s bin-nl)" "${ref[@]}"
	expect "16-byte key plus newline ($form)" 1 CMF025 -- --secret-file "$(s bin16-nl)" "${ref[@]}"
	expect "one byte repeated ($form)" 0 CMF026 -- --secret-file "$(s one-byte)" "${ref[@]}"
	expect "printable password ($form)" 0 CMF026 -- --secret-file "$(s password)" "${ref[@]}"
	expect "16-byte key padded with zeros ($form)" 0 CMF026 -- --secret-file "$(s zero-padded)" "${ref[@]}"
	expect "weak is an error with --strict ($form)" 1 CMF026 -- --secret-file "$(s password)" "${ref[@]}" --strict
done
EXTRA=('d["findings"][0]["location"] == {"file": "s-b64-32.yaml", "line": 3, "column": 19}')
expect "location: the data value in the YAML" 1 CMF024 -- --secret-file s-b64-32.yaml "${ref[@]}"
EXTRA=('d["findings"][0]["location"] == {"file": "s-b64-32.json", "line": 10, "column": 27}')
expect "location: the data value in the JSON" 1 CMF024 -- --secret-file s-b64-32.json "${ref[@]}"

# ------------------------------------------------------------ the Secret itself
secret other-ns.yaml k32 default
EXTRA=('d["findings"][0]["location"]["line"] == 8' '"namespace default but the release is in flink" in d["findings"][0]["message"]')
expect "Secret in another namespace than the release's" 1 CMF027 -- --secret-file other-ns.yaml "${ref[@]}"
expect "no release namespace known: no namespace check" 0 -- --secret-file other-ns.yaml --secret-name cmf-encryption-key --secret-property encryption-key
secret no-ns.yaml k32 -
expect "Secret without a namespace" 0 -- --secret-file no-ns.yaml "${ref[@]}"
EXTRA=('"(it has: encryption-key)" in d["findings"][0]["message"]')
expect "data key missing" 1 CMF021 -- --secret-file s-k32.yaml --secret-name cmf-encryption-key --secret-property other-key -n flink
EXTRA=('d["findings"][0]["location"] is None and "s-k32.yaml" in d["findings"][0]["message"]')
expect "Secret not in the file" 1 CMF020 -- --secret-file s-k32.yaml --secret-name missing --secret-property encryption-key -n flink
sed 's/^  encryption-key: .*/  encryption-key: "not base64!"/' s-k32.yaml >bad-b64.yaml
EXTRA=('"offset 3" in d["findings"][0]["message"]')
expect "invalid base64" 1 CMF022 -- --secret-file bad-b64.yaml "${ref[@]}"
python3 - <<'PY'
import base64
t = open("s-k32.yaml").read()
v = t.split("encryption-key: ")[1].split("\n")[0]
open("b64-unpadded.yaml", "w").write(t.replace(v, v.rstrip("=")))
open("b64-urlsafe.yaml", "w").write(t.replace(v, base64.urlsafe_b64encode(base64.b64decode(v)).decode().replace("=", "") + "="))
open("b64-wrapped.yaml", "w").write(t.replace("encryption-key: " + v, 'encryption-key: "%s\\n%s"' % (v[:20], v[20:])))
open("b64-number.yaml", "w").write(t.replace(v, "1234"))
PY
expect "base64 without its padding" 1 CMF022 -- --secret-file b64-unpadded.yaml "${ref[@]}"
expect "base64 with a line break in it" 1 CMF022 -- --secret-file b64-wrapped.yaml "${ref[@]}"
expect "a number where the key should be" 1 CMF022 -- --secret-file b64-number.yaml "${ref[@]}"
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: cmf-encryption-key, namespace: flink}\nstringData:\n  encryption-key: "%s"\n' "$(tr -d '\n' <b64-32)" >stringdata.yaml
EXTRA=('"(stringData)" in d["findings"][0]["message"]')
expect "stringData holds the bytes as they are" 1 CMF024 -- --secret-file stringdata.yaml "${ref[@]}"
{ head -c -1 s-k16.yaml; printf '\nstringData:\n  encryption-key: "%s"\n' "$(tr -d '\n' <b64-16)"; } >both.yaml
expect "stringData wins over data" 1 CMF024 -- --secret-file both.yaml "${ref[@]}"

# Lists and streams: made by kubectl, then by the real kubectl get (below)
python3 - <<'PY'
import json
items = [json.load(open(f)) for f in ("s-k16.json", "s-k32.json")]
items[0]["metadata"]["name"] = "another"
json.dump({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}, open("list.json", "w"), indent=2)
PY
EXTRA=('d["keys"][0]["length"] == 32')
expect "kind: List of Secrets" 0 -- --secret-file list.json "${ref[@]}"
{ printf -- '---\n# Source: cmf/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: "---"}\n---\n# Source: cmf/templates/secret.yaml\n'; cat s-b64-32.yaml; } >stream.yaml
EXTRA=('d["findings"][0]["location"] == {"file": "stream.yaml", "line": 11, "column": 19}')
expect "Secret inside rendered manifests (--manifests)" 1 CMF024 -- --manifests stream.yaml "${ref[@]}"
expect "Secret from stdin" 0 -- --secret-file - "${ref[@]}" <s-k32.yaml
sed 's/name: cmf-encryption-key/name: other/' s-k32.yaml >other-name.yaml
EXTRA=('len(d["keys"]) == 1 and d["keys"][0]["source"] == "s-k32.yaml"')
expect "several files: the one that holds the Secret counts" 0 -- --secret-file other-name.yaml --secret-file s-k32.yaml --secret-name cmf-encryption-key --secret-property encryption-key
printf -- '---\n# Source: cmf/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cmf-encryption-key}\ndata: {encryption-key: x}\n' >cm.yaml
EXTRA=('"other-name.yaml or cm.yaml" in d["findings"][0]["message"]')
expect "several files, none holds it: one CMF020" 1 CMF020 -- --secret-file other-name.yaml --manifests cm.yaml --secret-name cmf-encryption-key --secret-property encryption-key
EXTRA=('len(d["keys"]) == 2')
expect "several files hold it: each is checked" 1 CMF024 -- --secret-file s-k32.yaml --secret-file s-b64-32.json "${ref[@]}"
printf 'kind: Secret\nmetadata: {name: x\n' >broken.yaml
"$bin" check --secret-file broken.yaml "${ref[@]}" >/dev/null 2>err.txt
[ $? = 2 ] && grep -q 'broken.yaml:[0-9]*:[0-9]*:' err.txt && ok "malformed Secret file: exit 2 with file:line:column" || bad "malformed" "$(cat err.txt)"

# ------------------------------------------------------------ values give the reference
cp "$data/values-prod.yaml" "$data/values-prod-noname.yaml" "$data/values-dev.yaml" .
EXTRA=('d["keys"][0]["secret"] == "cmf-encryption-key"')
expect "values give the reference" 0 -- -f values-prod.yaml --secret-file s-k32.yaml -n flink
expect "values plus a double-encoded key" 1 CMF024 -- -f values-prod.yaml --secret-file s-b64-32.yaml -n flink
EXTRA=('d["findings"][0]["location"] == {"file": "values-prod.yaml", "line": 7, "column": 27}' 'd["findings"][0]["path"] == "encryption.key.kubernetesSecretName"')
expect "CMF020 points at the name in the values" 1 CMF020 -- -f values-prod.yaml --secret-file other-name.yaml -n flink
expect "--set overrides the values" 0 -- -f values-prod.yaml --set encryption.key.kubernetesSecretProperty=encryption-key --secret-file s-k32.yaml -n flink
HELM_NAMESPACE=flink expect "HELM_NAMESPACE is the release namespace" 1 CMF027 -- -f values-prod.yaml --secret-file other-ns.yaml
HELM_NAMESPACE=default expect "HELM_NAMESPACE matching" 0 -- -f values-prod.yaml --secret-file other-ns.yaml
expect "values without a Secret name: CMF001, not a usage error" 1 CMF001 -- -f values-prod-noname.yaml --secret-file s-k32.yaml -n flink
grep -q 'note: the key Secret was not checked' err.txt && ok "... and a note says the Secret was not checked" || bad "note" "$(cat err.txt)"
expect "--secret-name fills the gap" 1 CMF024 -- -f values-prod-noname.yaml --secret-file s-b64-32.yaml --secret-name cmf-encryption-key -n flink
expect "development mode: the key is still checked" 0 CMF010 CMF011 -- -f values-dev.yaml --secret-file s-k32.yaml -n flink
"$bin" check --secret-file s-k32.yaml -o json >out.json 2>err.txt
[ $? = 2 ] && grep -q 'need the Secret' err.txt && [ ! -s out.json ] && ok "a Secret source without any name: usage error" || bad "no name" "$(cat err.txt)"
"$bin" check --secret-file s-k32.yaml --secret-name cmf-encryption-key >/dev/null 2>err.txt
[ $? = 2 ] && ok "a name without a property: usage error" || bad "no property" "$(cat err.txt)"

# ------------------------------------------------------------ raw key files
EXTRA=('d["keys"][0]["source"] == "--key-file k32" and d["keys"][0]["secret"] is None and d["keys"][0]["length"] == 32')
expect "--key-file: 32 random bytes, no Secret name needed" 0 -- --key-file k32
expect "--key-file: 16 random bytes" 0 -- --key-file k16
EXTRA=('"base64 -d b64-32 > cmf.key" in d["findings"][0]["message"]')
expect "--key-file: base64 text" 1 CMF024 -- --key-file b64-32
expect "--key-file: hex text" 1 CMF024 -- --key-file hex32
EXTRA=('"head -c 32 bin-nl > cmf.key" in d["findings"][0]["message"]')
expect "--key-file: 33 bytes with newline" 1 CMF025 -- --key-file bin-nl
expect "--key-file: 24 bytes" 1 CMF023 -- --key-file len24
expect "--key-file: password" 0 CMF026 -- --key-file password
expect "--key-file from stdin" 0 -- --key-file - <k32
expect "--key-file and --secret-file together" 1 CMF024 -- --key-file k32 --secret-file s-hex32.yaml "${ref[@]}"
"$bin" check --key-file missing.key >/dev/null 2>err.txt
[ $? = 2 ] && grep -q 'missing.key' err.txt && ok "missing key file: exit 2" || bad "missing key file" "$(cat err.txt)"

# ------------------------------------------------------------ one line that says it all
golden double-base64 --secret-file s-b64-32.yaml "${ref[@]}"
golden double-base64-16 --secret-file s-b64-16.json "${ref[@]}"
golden double-hex --secret-file s-hex32.yaml "${ref[@]}"
golden hex16-newline --secret-file s-hex16-nl.yaml "${ref[@]}"
golden binary-newline --secret-file s-bin-nl.yaml "${ref[@]}"
golden length-24 --secret-file s-len24.yaml "${ref[@]}"
golden length-0 --secret-file s-len0.yaml "${ref[@]}"
golden weak-hex16 --secret-file s-hex16-bare.yaml "${ref[@]}"
golden weak-password --secret-file s-password.yaml "${ref[@]}"
golden weak-one-byte --secret-file s-one-byte.yaml "${ref[@]}"
golden other-namespace --secret-file other-ns.yaml "${ref[@]}"
golden property-missing --secret-file s-k32.yaml --secret-name cmf-encryption-key --secret-property key -n flink
golden secret-missing -f values-prod.yaml --secret-file other-name.yaml -n flink
golden not-base64 --secret-file bad-b64.yaml "${ref[@]}"
golden stringdata --secret-file stringdata.yaml "${ref[@]}"
golden keyfile-base64 --key-file b64-32
golden keyfile-newline --key-file bin-nl
golden good --secret-file s-k32.yaml "${ref[@]}"

# ------------------------------------------------------------ --cluster: real kubectl, stand-in API server
mkdir -p api/flink api/default api/locked api/broken api/slow
touch api/locked/FORBIDDEN api/broken/BROKEN api/slow/SLOW
secret api/flink/cmf-encryption-key.json k32 flink json
secret api/default/cmf-encryption-key.json b64-32 default json
secret api/broken/cmf-encryption-key.json k32 broken json
secret api/slow/cmf-encryption-key.json k32 slow json
secret api/flink/weak.json password flink json
python3 "$here/fake-apiserver.py" port api requests.log &
srv_pid=$!
for _ in $(seq 100); do [ -f port ] && break; sleep 0.1; done
port=$(cat port 2>/dev/null)
cat >kubeconfig <<KC
apiVersion: v1
kind: Config
clusters:
- {name: fake, cluster: {server: "http://127.0.0.1:$port"}}
- {name: other, cluster: {server: "http://127.0.0.1:$port/ctx-other"}}
users: [{name: u, user: {token: token-of-u}}]
contexts:
- {name: fake, context: {cluster: fake, user: u, namespace: default}}
- {name: other, context: {cluster: other, user: u, namespace: flink}}
current-context: fake
KC
export KUBECONFIG=$tmp/kubeconfig CMFV_KUBECTL=$kubectl
# the real kubectl's own output, as users save it, is a key source too
"$kubectl" get secret cmf-encryption-key -n flink -o yaml >got.yaml 2>err.txt &&
	"$kubectl" get secrets -n flink -o yaml >got-list.yaml 2>>err.txt &&
	"$kubectl" get secret cmf-encryption-key -n default -o json >got-default.json 2>>err.txt &&
	grep -q 'resourceVersion' got.yaml && grep -q '^kind: List' got-list.yaml && ok "kubectl get works against the stand-in server" ||
	bad "kubectl get" "$(cat err.txt)"
expect "kubectl get secret -o yaml output" 0 -- --secret-file got.yaml "${ref[@]}"
expect "kubectl get secrets -o yaml output (a List)" 0 -- --secret-file got-list.yaml "${ref[@]}"
expect "kubectl get secret -o json output, double-encoded, other namespace" 1 CMF024 CMF027 -- --secret-file got-default.json "${ref[@]}"

: >requests.log
EXTRA=('d["keys"][0]["source"] == "cluster" and d["keys"][0]["length"] == 32 and d["keys"][0]["valid"]')
expect "--cluster: good key" 0 -- -f values-prod.yaml --cluster -n flink
grep -q '^GET /api/v1/namespaces/flink/secrets/cmf-encryption-key?timeout=27s -$' requests.log &&
	ok "--cluster: kubectl asked for the Secret in -n's namespace" || bad "request" "$(cat requests.log)"
EXTRA=('"not in the cluster (namespace nowhere)" in d["findings"][0]["message"]')
expect "--cluster: not found is CMF020" 1 CMF020 -- -f values-prod.yaml --cluster -n nowhere
expect "--cluster: Secret name not there" 1 CMF020 -- --cluster --secret-name missing --secret-property encryption-key -n flink
expect "--cluster: property missing" 1 CMF021 -- --cluster --secret-name cmf-encryption-key --secret-property nope -n flink
expect "--cluster: weak key" 0 CMF026 -- --cluster --secret-name weak --secret-property encryption-key -n flink
HELM_NAMESPACE=default expect "--cluster: HELM_NAMESPACE, double-encoded key" 1 CMF024 -- -f values-prod.yaml --cluster
: >requests.log
HELM_KUBECONTEXT=other expect "--cluster: HELM_KUBECONTEXT picks the context" 0 -- -f values-prod.yaml --cluster
grep -q '^GET /api/v1/namespaces/flink/secrets/cmf-encryption-key?timeout=27s ctx-other$' requests.log && ! grep -q ' -$' requests.log &&
	ok "--cluster: ... and its user and namespace" || bad "context" "$(cat requests.log)"
: >requests.log
HELM_KUBECONTEXT=fake expect "--cluster: --kube-context wins over HELM_KUBECONTEXT" 0 -- -f values-prod.yaml --cluster --kube-context other
grep -q 'ctx-other$' requests.log && ! grep -q ' -$' requests.log && ok "--cluster: ... its cluster was used" || bad "kube-context" "$(cat requests.log)"
KUBECONFIG=/nonexistent expect "--cluster: --kubeconfig FILE" 0 -- -f values-prod.yaml --cluster -n flink --kubeconfig "$tmp/kubeconfig"
expect "--cluster and --secret-file together" 1 CMF024 -- -f values-prod.yaml --cluster -n flink --secret-file s-b64-32.yaml
"$bin" check -f values-prod.yaml --cluster -n locked -o json >out.json 2>err.txt
[ $? = 3 ] && grep -q '(Forbidden): secrets "cmf-encryption-key" is forbidden' err.txt && [ ! -s out.json ] &&
	ok "--cluster: forbidden is exit 3 with kubectl's message" || bad "forbidden" "$(cat err.txt)"
"$bin" check -f values-prod.yaml --cluster -n broken >/dev/null 2>err.txt
rc=$?; b64=$(tail -c +1 k32 | base64 -w0)
[ $rc = 3 ] && grep -q 'InternalError' err.txt && grep -q '\[redacted' err.txt && ! grep -qF "$b64" err.txt &&
	ok "--cluster: a server error quoting the Secret is sanitised" || bad "broken" "$(cat err.txt)"
# post-render: Helm 4 drops its stderr, so the report file must carry
# kubectl's reason (redacted) exactly as stderr does
manifests=$here/../../testdata/post-render/helm3-chart/input.yaml
for ns in locked broken; do
	rm -f pr-report.txt
	"$bin" post-render -f values-prod.yaml --cluster -n $ns --report pr-report.txt <"$manifests" >pr.out 2>err.txt
	rc=$?
	why=$(grep -m1 -E 'Forbidden|InternalError' err.txt)
	[ $rc = 3 ] && [ ! -s pr.out ] && [ -n "$why" ] && grep -qF -- "$why" pr-report.txt && ! grep -qF "$b64" pr-report.txt &&
		head -1 pr-report.txt | grep -q 'exit 3$' &&
		ok "post-render --cluster -n $ns: kubectl's reason in the report file as on stderr" ||
		bad "post-render report $ns: exit $rc" "$(cat err.txt; echo ---; cat pr-report.txt)"
done
grep -q '\[redacted' pr-report.txt && ok "post-render: the server error quoting the Secret is redacted in the report too" ||
	bad "report redaction" "$(cat pr-report.txt)"
"$bin" check -f values-prod.yaml --cluster -n flink --kubeconfig "$tmp/nope" >/dev/null 2>err.txt
[ $? = 3 ] && grep -q 'nope' err.txt && ok "--cluster: unusable kubeconfig is exit 3" || bad "kubeconfig" "$(cat err.txt)"
sed "s#127.0.0.1:[0-9]*#127.0.0.1:1#" kubeconfig >down.kubeconfig
"$bin" check -f values-prod.yaml --cluster -n flink --kubeconfig down.kubeconfig >/dev/null 2>err.txt
[ $? = 3 ] && grep -qi 'refused' err.txt && ok "--cluster: unreachable server is exit 3" || bad "unreachable" "$(cat err.txt)"
CMFV_KUBECTL=/nonexistent/kubectl "$bin" check -f values-prod.yaml --cluster -n flink >/dev/null 2>err.txt
[ $? = 3 ] && grep -q 'cannot run /nonexistent/kubectl: No such file or directory; install kubectl' err.txt && ok "--cluster: missing kubectl is exit 3" || bad "no kubectl" "$(cat err.txt)"
PATH=/nonexistent CMFV_KUBECTL= "$bin" check -f values-prod.yaml --cluster -n flink >/dev/null 2>err.txt
[ $? = 3 ] && grep -q 'cannot run kubectl' err.txt && ok "--cluster: kubectl not on PATH is exit 3" || bad "no kubectl on PATH" "$(cat err.txt)"
t0=$(date +%s)
CMFV_KUBECTL_TIMEOUT=3 "$bin" check -f values-prod.yaml --cluster -n slow >/dev/null 2>err.txt
rc=$? dt=$(($(date +%s) - t0))
[ $rc = 3 ] && [ $dt -lt 8 ] && ok "--cluster: a server that hangs is exit 3 in time ($(head -c 150 err.txt))" || bad "slow: exit $rc after ${dt}s" "$(cat err.txt)"
printf '#!/bin/sh\nexec sleep 30\n' >hang-kubectl && chmod +x hang-kubectl
t0=$(date +%s)
CMFV_KUBECTL=$tmp/hang-kubectl CMFV_KUBECTL_TIMEOUT=1 "$bin" check -f values-prod.yaml --cluster -n flink >/dev/null 2>err.txt
rc=$? dt=$(($(date +%s) - t0))
[ $rc = 3 ] && [ $dt -lt 5 ] && grep -q 'did not answer within 1 seconds' err.txt && ok "--cluster: a kubectl that hangs is killed" || bad "hang: exit $rc after ${dt}s" "$(cat err.txt)"
"$bin" check --cluster --secret-name '$(touch pwned)' --secret-property k -n flink >/dev/null 2>err.txt
[ $? = 2 ] && [ ! -e pwned ] && ok "--cluster: a Secret name that is no name: usage error, no shell" || bad "odd name" "$(cat err.txt)"
"$bin" check --cluster --secret-name --help --secret-property k -n flink >/dev/null 2>err.txt
[ $? = 2 ] && ok "--cluster: a name that looks like a flag: usage error" || bad "flag name" "$(cat err.txt)"

# ------------------------------------------------------------ key-info
"$bin" key-info --key-file k32 --secret-file s-k32.yaml --cluster "${ref[@]}" >out.txt 2>&1
[ $? = 0 ] && grep -q 'same key in every source' out.txt && [ "$(grep -c ', KCV ' out.txt)" = 3 ] &&
	ok "key-info: the backup matches the cluster" || bad "key-info same" "$(cat out.txt)"
"$bin" key-info --key-file k16 --secret-file s-k32.yaml "${ref[@]}" -o json >out.json 2>err.txt
[ $? = 1 ] && py 'd["same"] is False and len(d["sources"]) == 2' 'd["sources"][0]["length"] == 16 and d["sources"][1]["length"] == 32' \
	'all(s["verdict"] == "ok" for s in d["sources"])' >py.txt && ok "key-info: different keys, exit 1" || bad "key-info differ" "$(cat out.json py.txt)"
"$bin" key-info --key-file k32 --cluster --secret-name cmf-encryption-key --secret-property encryption-key -n default -o json >out.json 2>err.txt
[ $? = 1 ] && py 'd["sources"][1]["verdict"] == "encoded twice" and d["sources"][1]["kcv"] is None and d["sources"][1]["length"] == 45' >py.txt &&
	ok "key-info: a double-encoded cluster key" || bad "key-info double" "$(cat out.json py.txt)"
"$bin" key-info --key-file password -o json >out.json
[ $? = 0 ] && py 'd["sources"][0]["verdict"] == "weak" and d["sources"][0]["weakness"] == "printable text" and d["same"] is None' >py.txt &&
	ok "key-info: a weak key is usable, and says so" || bad "key-info weak" "$(cat out.json py.txt)"
"$bin" key-info --secret-file s-k32.yaml --secret-name nope --secret-property encryption-key >out.txt
[ $? = 1 ] && grep -q 'not found' out.txt && ok "key-info: Secret not found, exit 1" || bad "key-info not found" "$(cat out.txt)"
"$bin" key-info --key-file b64-32 >out.txt
[ $? = 1 ] && grep -q 'encoded twice, 45 bytes' out.txt && ok "key-info: one unusable source, exit 1" || bad "key-info one bad" "$(cat out.txt)"
for k in k32 k16; do
	cipher=aes-256-ecb; [ $k = k16 ] && cipher=aes-128-ecb
	kcv=$(head -c 16 /dev/zero | openssl enc -$cipher -nopad -K "$(od -An -tx1 $k | tr -d ' \n')" | od -An -tx1 | tr -d ' \n' | head -c 6)
	[ "$("$bin" key-info --key-file $k | sed 's/.*KCV //')" = "$kcv" ] && ok "key-info: KCV of $k equals openssl's AES-ECB of a zero block" || bad "kcv $k"
done
"$bin" key-info >/dev/null 2>&1; [ $? = 2 ] && ok "key-info without sources: usage error" || bad "key-info no source"
"$bin" key-info --secret-file s-k32.yaml >/dev/null 2>&1; [ $? = 2 ] && ok "key-info: a Secret source needs its name" || bad "key-info no name"
"$bin" key-info --key-file k32 -o yaml >/dev/null 2>&1; [ $? = 2 ] && ok "key-info: unknown format" || bad "key-info format"

# ------------------------------------------------------------ keygen
"$bin" keygen -o gen.key 2>err.txt && [ "$(stat -c %a gen.key)" = 600 ] && [ "$(stat -c %s gen.key)" = 32 ] &&
	ok "keygen -o: 32 bytes, mode 0600" || bad "keygen -o" "$(cat err.txt)"
kcv=$(head -c 16 /dev/zero | openssl enc -aes-256-ecb -nopad -K "$(od -An -tx1 gen.key | tr -d ' \n')" | od -An -tx1 | tr -d ' \n' | head -c 6)
grep -q "KCV $kcv" err.txt && grep -q 'Back the key up' err.txt && ok "keygen -o: the KCV on stderr is the key's, with a backup reminder" || bad "keygen kcv" "$(cat err.txt)"
sum=$(sha256sum gen.key)
"$bin" keygen -o gen.key 2>err.txt; rc=$?
[ $rc = 2 ] && [ "$(sha256sum gen.key)" = "$sum" ] && grep -q 'never overwritten' err.txt && ok "keygen never overwrites" || bad "keygen overwrite: $rc" "$(cat err.txt)"
ln -s gen.key link.key
"$bin" keygen -o link.key 2>/dev/null; [ $? = 2 ] && [ "$(sha256sum gen.key)" = "$sum" ] && ok "keygen does not follow a symlink" || bad "keygen symlink"
(umask 000 && "$bin" keygen -o open.key 2>/dev/null) && [ "$(stat -c %a open.key)" = 600 ] && ok "keygen: 0600 whatever the umask" || bad "keygen umask"
"$bin" keygen --bits 128 -o gen16.key 2>/dev/null && [ "$(stat -c %s gen16.key)" = 16 ] && ok "keygen --bits 128" || bad "keygen 128"
"$bin" keygen --bits 512 -o x.key 2>/dev/null; [ $? = 2 ] && [ ! -e x.key ] && ok "keygen --bits 512: usage error" || bad "keygen 512"
"$bin" keygen -o x.key --secret s --property p 2>/dev/null; [ $? = 2 ] && ok "keygen -o and --secret: usage error" || bad "keygen both"
"$bin" keygen --secret s 2>/dev/null; [ $? = 2 ] && ok "keygen --secret without --property: usage error" || bad "keygen no prop"
"$bin" keygen --secret Not_A_Name --property p 2>/dev/null; [ $? = 2 ] && ok "keygen --secret with a bad name: usage error" || bad "keygen bad name"
"$bin" keygen --secret s --property ..a 2>/dev/null; [ $? = 2 ] && ok "keygen --property starting with '..': usage error, as kubectl" || bad "keygen ..a"
"$bin" keygen -o nodir/x.key 2>/dev/null; [ $? = 3 ] && ok "keygen into a missing folder: exit 3" || bad "keygen nodir"
# -o - is stdout (issue 13 round 2: it made a file named "-"): a pipe or a
# redirection gets the raw key, a terminal is refused and gets nothing
rm -f ./-
"$bin" keygen -o - 2>err.txt | od -An -tx1 | tr -d ' \n' >pipe.hex
[ "$(wc -c <pipe.hex)" = 64 ] && [ ! -e ./- ] && grep -q 'KCV' err.txt && ! grep -q 'kubectl create secret generic cmf-encryption-key --from-file=encryption-key=-' err.txt &&
	ok "keygen -o -: the 32 raw bytes on stdout, no file named '-'" || bad "keygen -o -" "$(cat err.txt; ls -la)"
"$bin" keygen --bits 128 -o - >stdout.key 2>/dev/null && [ "$(stat -c %s stdout.key)" = 16 ] && ok "keygen -o - into a redirection" || bad "keygen -o - >file"
if command -v script >/dev/null; then
	script -qec "'$bin' keygen -o -" /dev/null >tty.out 2>&1; rc=$?
	[ $rc = 2 ] && grep -q 'terminal' tty.out && [ "$(grep -c 'KCV' tty.out)" = 0 ] && [ ! -e ./- ] &&
		ok "keygen -o - on a terminal: refused, exit 2, no key" || bad "keygen -o - tty: $rc" "$(cat tty.out)"
fi
"$bin" post-render --report - </dev/null >pr.out 2>err.txt; rc=$?
[ $rc = 2 ] && [ ! -s pr.out ] && [ ! -e ./- ] && grep -q 'report -' err.txt && ok "post-render --report -: usage error (stdout is the manifests)" || bad "post-render --report -: $rc" "$(cat err.txt)"
# CMFV_MAX_INPUT sets the --max-input default (Helm runs post-render with
# no flags of ours); a flag wins; a value that is not a size is exit 2
head -c 3000 /dev/zero | tr '\0' '#' >big3000.yaml
CMFV_MAX_INPUT=2Ki "$bin" values -f big3000.yaml >/dev/null 2>err.txt; rc=$?
[ $rc = 2 ] && grep -q '2 KiB input limit' err.txt && ok "CMFV_MAX_INPUT=2Ki refuses a 3000-byte file" || bad "CMFV_MAX_INPUT: $rc" "$(cat err.txt)"
CMFV_MAX_INPUT=2Ki "$bin" values -f big3000.yaml --max-input 4Ki >/dev/null 2>err.txt && ok "--max-input wins over CMFV_MAX_INPUT" || bad "CMFV_MAX_INPUT flag" "$(cat err.txt)"
CMFV_MAX_INPUT=2Ki "$bin" post-render <big3000.yaml >pr.out 2>err.txt; rc=$?
[ $rc = 2 ] && [ ! -s pr.out ] && grep -q 'input limit' err.txt && ok "CMFV_MAX_INPUT bounds post-render's stdin" || bad "CMFV_MAX_INPUT post-render: $rc" "$(cat err.txt)"
CMFV_MAX_INPUT=lots "$bin" values -f big3000.yaml >/dev/null 2>err.txt; rc=$?
[ $rc = 2 ] && grep -q "CMFV_MAX_INPUT must be a size" err.txt && ok "CMFV_MAX_INPUT=lots: usage error" || bad "CMFV_MAX_INPUT bad: $rc" "$(cat err.txt)"
"$bin" keygen --secret cmf-encryption-key --property encryption-key -n flink >gen.yaml 2>err.txt
python3 - gen.yaml <<'PY' && ok "keygen --secret: a 32-byte key in a Secret" || bad "keygen shape" "$(cat gen.yaml)"
import base64, re, sys
got = open(sys.argv[1]).read()
m = re.fullmatch(r"apiVersion: v1\ndata:\n  encryption-key: ([A-Za-z0-9+/]{43}=)\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: cmf-encryption-key\n  namespace: flink\n", got)
assert m and len(base64.b64decode(m.group(1), validate=True)) == 32
open("gen-from-secret.key", "wb").write(base64.b64decode(m.group(1)))
PY
kcv=$(head -c 16 /dev/zero | openssl enc -aes-256-ecb -nopad -K "$(od -An -tx1 gen-from-secret.key | tr -d ' \n')" | od -An -tx1 | tr -d ' \n' | head -c 6)
grep -q "KCV $kcv" err.txt && grep -q 'Back the key up' err.txt && ok "keygen --secret: KCV and backup reminder on stderr" || bad "keygen stderr" "$(cat err.txt)"
expect "keygen's Secret passes the check" 0 -- --secret-file gen.yaml "${ref[@]}"
# the same bytes as kubectl's own manifest for the same key file, name, property and namespace
same_as_kubectl() { # NAME PROP NS BITS
	local nsarg=() bits=$4
	[ -n "$3" ] && nsarg=(-n "$3")
	"$bin" keygen --bits "$bits" --secret "$1" --property "$2" "${nsarg[@]}" >g.yaml 2>/dev/null || return 1
	python3 - g.yaml <<'PY' || return 1
import base64, re, sys
v = re.search(r"^  .*?: ([A-Za-z0-9+/=]+)$", open(sys.argv[1]).read(), re.M).group(1)
open("g.key", "wb").write(base64.b64decode(v, validate=True))
PY
	[ "$(stat -c %s g.key)" = $((bits / 8)) ] || return 1
	"$kubectl" create secret generic "$1" --from-file="$2"=g.key "${nsarg[@]}" --dry-run=client -o yaml >k.yaml || return 1
	cmp -s g.yaml k.yaml || { diff k.yaml g.yaml; return 1; }
}
for c in "cmf-encryption-key encryption-key flink 256" "cmf-encryption-key encryption-key '' 128" "a.b a_b.c-d ns1 256" \
	"1e3 true 123 256" "null 1 yes 256" "x - on 256" "x ---x 0x1f 256" "x 2000-02-29 y 256" "x 2001-02-29 n 256" \
	"x .inf 15 256" "x .a.. 0b101 256" "x 0o17 ns 256"; do
	eval "set -- $c"
	same_as_kubectl "$1" "$2" "$3" "$4" >diff.txt 2>&1 && ok "keygen --secret equals kubectl's manifest ($c)" || bad "keygen vs kubectl ($c)" "$(cat diff.txt)"
done
HELM_NAMESPACE=helm-ns "$bin" keygen --secret s --property p 2>/dev/null | grep -q '^  namespace: helm-ns$' && ok "keygen --secret: HELM_NAMESPACE when no -n" || bad "keygen helm ns"

# ------------------------------------------------------------ redaction
# every command and output format, with known keys: no raw, base64 or hex
# form of any key (nor a 16-character piece of one) in stdout, stderr or a
# report file. keygen --secret prints its own new key by design: only its
# stderr is checked.
printf -- '---\n# Source: cmf/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: confluent-manager-for-apache-flink\n  labels: {app.kubernetes.io/name: confluent-manager-for-apache-flink}\nspec:\n  template:\n    spec:\n      containers:\n      - name: cmf\n        image: confluentinc/cp-cmf:2.0.0\n' >deploy.yaml
python3 - "$bin" <<'PY' && ok "redaction: no key material in any output" || bad "redaction"
import base64, json, os, subprocess, sys
b = sys.argv[1]
names = ["k32", "k16", "b64-32", "b64-16", "hex16-bare", "hex16-nl", "hex32", "bin-nl", "password", "len24", "len64", "one-byte", "zero-padded"]
keys = {f: open(f, "rb").read() for f in names}
keys["gen"] = open("gen.key", "rb").read()
forms = set()
for k in keys.values():
    for v in {k, k.rstrip(b"\n"), k.rstrip(b"\r\n")}:
        if len(v) < 8:
            continue
        vs = [v]
        try:
            vs.append(base64.b64decode(v, validate=True))
        except Exception:
            pass
        try:
            vs.append(bytes.fromhex(v.decode()))
        except Exception:
            pass
        for w in vs:
            # every 8-byte piece of the bytes, every 16-character piece of their text forms
            forms.update(w[i:i + 8] for i in range(0, len(w) - 7))
            for f in (base64.b64encode(w), base64.urlsafe_b64encode(w), w.hex().encode(), w.hex().upper().encode()):
                f = f.rstrip(b"=")
                forms.update(f[i:i + 16] for i in range(0, len(f) - 15))
# pieces of one repeated byte are too common to mean anything
forms = {f for f in forms if len(set(f)) > 1}

def texts(out):
    """The output as bytes, plus every JSON string in it as raw bytes again
    (a leak could hide behind \\u escapes)."""
    yield out
    try:
        doc = json.loads(out)
    except Exception:
        return
    stack = [doc]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x.keys()); stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, str):
            yield x.encode("latin-1") if all(ord(c) < 256 for c in x) else x.encode("utf-8", "replace")
ref = ["--secret-name", "cmf-encryption-key", "--secret-property", "encryption-key"]
runs = []
for f in names:
    for fmt in ("text", "json", "sarif", "junit", "github"):
        runs.append(["check", "--secret-file", "s-%s.yaml" % f, "--secret-file", "s-%s.json" % f, *ref, "-n", "flink", "-o", fmt])
        runs.append(["check", "--key-file", f, "-o", fmt, "--strict"])
        runs.append(["check", "-f", "values-prod.yaml", "--manifests", "s-%s.yaml" % f, "-n", "default", "-o", fmt])
    runs.append(["check", "--key-file", f, "--secret-file", "s-%s.yaml" % f, *ref, "-n", "flink", "-o", "sarif=report.sarif", "-o", "junit=report.xml", "-o", "json=report.json", "-o", "github=report.txt"])
    runs.append(["key-info", "--key-file", f, "--secret-file", "s-%s.json" % f, "--manifests", "s-%s.yaml" % f, *ref])
    runs.append(["key-info", "--key-file", f, "--secret-file", "s-%s.json" % f, *ref, "-o", "json"])
    runs.append(["post-render", "-f", "values-prod.yaml", "--secret-file", "s-%s.yaml" % f, "-n", "flink"])
for fmt in ("text", "json", "sarif", "junit", "github"):
    for ns in ("flink", "default", "broken", "locked"):
        runs.append(["check", "-f", "values-prod.yaml", "--cluster", "-n", ns, "-o", fmt])
for ns in ("flink", "default", "broken"):
    runs.append(["key-info", "--cluster", "--key-file", "k32", *ref, "-n", ns, "-o", "json"])
    runs.append(["key-info", "--cluster", *ref, "-n", ns])
runs += [
    ["check", "--secret-file", "bad-b64.yaml", *ref],
    ["check", "--secret-file", "b64-wrapped.yaml", *ref],
    ["check", "--secret-file", "s-k32.yaml", "--secret-name", "cmf-encryption-key", "--secret-property", "nope"],
    ["check", "--secret-file", "broken.yaml", *ref],
    ["check", "--secret-file", "stringdata.yaml", *ref, "--strict", "-o", "text"],
    ["check", "--key-file", "k32", "--secret-file", "s-k32.yaml", *ref, "--previous-kcv", "000000", "-o", "json"],
    ["keygen", "-o", "redaction.key"],
    ["keygen", "--secret", "s", "--property", "p"],
    ["keygen", "--secret", "s", "--property", "p", "--bits", "128", "-n", "x"],
]
# issue 13: messages that quoted key text. An alias whose name is the key
# inside a Secret; --set-file values in CMF003 and CMF004; a key pasted as
# the Secret's name or property (--set and a values file); the stderr of a
# failing kubectl and of a failing `helm get values`, quoting the key as
# base64 cut into words, hex in pieces, colon-separated hex, decimal byte
# lists and raw bytes (both children are stand-in scripts).
with open("s-anchor.yaml", "w") as fh:
    fh.write("apiVersion: v1\nkind: Secret\nmetadata: {name: cmf-encryption-key}\n"
             "stringData: {encryption-key: *%s}\n" % keys["hex16-bare"].decode())
with open("s-anchor-pw.yaml", "w") as fh:
    fh.write("apiVersion: v1\nkind: Secret\nmetadata: {name: cmf-encryption-key}\n"
             "stringData:\n  encryption-key: *%s\n" % keys["password"].decode().rstrip("!"))
k = keys["k32"]
b64, hx = base64.b64encode(k).decode(), k.hex()
with open("child-stderr", "wb") as fh:
    fh.write(("Error: value " + " ".join(b64[i:i + 17] for i in range(0, len(b64), 17)) + "\n"
              "hex " + " ".join(hx[i:i + 16] for i in range(0, len(hx), 16)) + " and " + hx.upper() + "\n"
              "colon " + ":".join(hx[i:i + 2] for i in range(0, len(hx), 2)) + "\n"
              "dec [" + ", ".join(str(x) for x in k) + "] " + " ".join(str(x) for x in k) + "\n"
              "url-safe " + base64.urlsafe_b64encode(k).decode().rstrip("=") + "\n").encode()
             + b"raw " + k + b"\n" + b"base64 of the text key " + base64.b64encode(keys["password"]) + b"\n")
# round 2: the same key cut short and wrapped every way a child might
# (attack2/sec/forms): base64 in words of 8, quoted, with \n escapes and
# real line breaks, url-safe with '-'/'_' cuts; hex in upper-case words of
# 14, with '-', "0x.." ", "; decimal with ';', '.', '|'; \x, %, \u00 and
# octal escapes. A child's stderr holds at most 4 lines in a message, so
# each form is a child of its own (child-stderr-N).
u = base64.urlsafe_b64encode(k).decode()
round2 = [
    " ".join(b64[i:i + 8] for i in range(0, len(b64), 8)),
    " ".join('"%s"' % b64[i:i + 10] for i in range(0, len(b64), 10)),
    "\\n".join(b64[i:i + 11] for i in range(0, len(b64), 11)),
    "\n".join(b64[i:i + 11] for i in range(0, len(b64), 11)),
    " ".join(u[i:i + 14] for i in range(0, len(u), 14)),
    " ".join(hx.upper()[i:i + 14] for i in range(0, len(hx), 14)),
    "-".join(hx[i:i + 4] for i in range(0, len(hx), 4)),
    ", ".join("0x%02x" % x for x in k),
    ";".join(str(x) for x in k), ".".join(str(x) for x in k),
    " ".join(str(x) for x in k[:15]) + " | " + " ".join(str(x) for x in k[15:]),
    ":".join(hx[i:i + 8] for i in range(0, len(hx), 8)),
    "".join("\\x%02x" % x for x in k), "".join("%%%02X" % x for x in k),
    "".join("\\u00%02x" % x for x in k), "".join("\\%03o" % x for x in k),
]
for i, form in enumerate(round2):
    with open("child-stderr-%d" % i, "w") as fh:
        fh.write("Error from server: " + form + "\n")
    with open("fake-child-%d" % i, "w") as fh:
        fh.write("#!/bin/sh\ncat '%s/child-stderr-%d' >&2\nexit 1\n" % (os.getcwd(), i))
    os.chmod("fake-child-%d" % i, 0o755)

def alnum(b):
    return bytes(c for c in b if chr(c).isalnum())
# what a reader could put back together from the output, separators aside
whole = {alnum(f) for f in (b64.encode(), hx.encode(), u.encode())}
pieces_an = {f[i:i + 12] for f in whole for i in range(0, len(f) - 11)}
with open("fake-child", "w") as fh:
    fh.write("#!/bin/sh\ncat '%s/child-stderr' >&2\nexit 1\n" % os.getcwd())
os.chmod("fake-child", 0o755)
child = {"CMFV_KUBECTL": os.path.abspath("fake-child"), "HELM_BIN": os.path.abspath("fake-child")}
with open("values-pasted.yaml", "w") as fh:
    fh.write("cmf:\n  sql:\n    production: true\nencryption:\n  key:\n"
             "    kubernetesSecretName: \"%s\"\n    kubernetesSecretProperty: \"%s\"\n"
             % (keys["hex16-bare"].decode(), b64))
prod = ["--set", "cmf.sql.production=true"]
for f in names:
    for fmt in ("text", "json", "sarif"):
        runs.append(["check", "--set-file", "cmf.sql.production=" + f, "-o", fmt])
        runs.append(["check", *prod, "--set-file", "encryption.key.kubernetesSecretName=" + f,
                     "--set-file", "encryption.key.kubernetesSecretProperty=" + f, "-o", fmt])
    runs.append(["post-render", *prod, "--set-file", "encryption.key.kubernetesSecretName=" + f,
                 "--set", "encryption.key.kubernetesSecretProperty=p"])
for fmt in ("text", "json", "sarif", "junit", "github"):
    runs.append(["check", "--secret-file", "s-anchor.yaml", *ref, "-o", fmt])
    runs.append(["check", *prod, "--set", "encryption.key.kubernetesSecretName=" + b64,
                 "--set", "encryption.key.kubernetesSecretProperty=" + b64, "-o", fmt])
    runs.append(["check", "-f", "values-pasted.yaml", "-o", fmt])
runs += [["check", "--secret-file", "s-anchor-pw.yaml", *ref], ["post-render", "--secret-file", "s-anchor.yaml", *ref],
         ["key-info", "--secret-file", "s-anchor.yaml", *ref]]
round2_runs = []
for i in range(len(round2)):
    c = {"CMFV_KUBECTL": os.path.abspath("fake-child-%d" % i), "HELM_BIN": os.path.abspath("fake-child-%d" % i)}
    round2_runs += [(c, ["check", "-f", "values-prod.yaml", "--cluster", "-n", "flink"]),
                    (c, ["check", "-f", "values-prod.yaml", "--release", "cmf", "-n", "flink", "-o", "json"])]
# round 3: a lone short piece (10 characters of base64, url-safe base64 or
# hex, 5 decimal bytes) is under what the token-run rule takes (96 bits);
# with the key known (--key-file read before kubectl runs) it goes too
lone = sorted({f[i:i + 10] for f in (b64, u, hx, hx.upper()) for i in range(0, len(f) - 10, 3)})
lone += [" ".join(str(x) for x in k[i:i + 5]) for i in range(0, len(k) - 5, 4)]
round3 = []
for i, piece in enumerate(lone):
    with open("child-stderr-l%d" % i, "w") as fh:
        fh.write("Error from server: token %s was rejected\n" % piece)
    with open("fake-child-l%d" % i, "w") as fh:
        fh.write("#!/bin/sh\ncat '%s/child-stderr-l%d' >&2\nexit 1\n" % (os.getcwd(), i))
    os.chmod("fake-child-l%d" % i, 0o755)
    round3.append((piece, {"CMFV_KUBECTL": os.path.abspath("fake-child-l%d" % i)}))
env_runs = [(child, r) for r in (["check", "-f", "values-prod.yaml", "--cluster", "-n", "flink"],
                                 ["check", "-f", "values-prod.yaml", "--cluster", "-n", "flink", "-o", "json"],
                                 ["key-info", "--cluster", *ref, "-n", "flink"],
                                 ["check", "-f", "values-prod.yaml", "--release", "cmf", "-n", "flink"],
                                 ["check", "-f", "values-prod.yaml", "--release", "cmf", "-o", "sarif"],
                                 ["post-render", "-f", "values-prod.yaml", "--release", "cmf", "--cluster", "-n", "flink"])]
# on a terminal, text reports quote the offending source line: never a Secret's
tty_runs = [["check", "--secret-file", "s-%s.yaml" % f, *ref, "-n", "flink"] for f in names]
tty_runs += [["check", "-f", "s-b64-32.yaml", "--secret-file", "s-b64-32.yaml", *ref, "-n", "flink"],
             ["check", "--secret-file", "s-len24.yaml", "-f", "s-len24.yaml", *ref, "-n", "flink"],
             ["check", "-f", "-", "--secret-file", "-", *ref, "-n", "default"],
             ["check", "-f", "values-pasted.yaml"]]
bad = 0
import shlex, shutil
if shutil.which("script") is None:
    print("no script(1) for the terminal runs"); bad += 1
for r in tty_runs:
    cmd = shlex.join([b] + r) + (" <s-b64-32.yaml" if "-" in r else "")
    p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, stdin=subprocess.DEVNULL)
    if b"\x1b[" not in p.stdout:
        print("no terminal output from", cmd); bad += 1
    if [f for f in forms if f in p.stdout]:
        print("key material on the terminal from", cmd); bad += 1
runs_done = len(tty_runs)
for env, r in [({}, r) for r in runs] + env_runs + round2_runs:
    for fn in ("report.sarif", "report.xml", "report.json", "report.txt"):
        if os.path.exists(fn):
            os.remove(fn)
    stdin = open("deploy.yaml", "rb")
    p = subprocess.run([b] + r, capture_output=True, stdin=stdin, env=dict(os.environ, **env))
    if env and (p.returncode != 3 or b"[redacted" not in p.stderr):
        print("exit %d, no [redacted] from the stand-in child: %s" % (p.returncode, " ".join(r)))
        print(p.stderr.decode(errors="replace")[:600]); bad += 1
    outs = {"stderr": p.stderr}
    if r[0] != "keygen" or "-o" in r:
        outs["stdout"] = p.stdout
    if p.returncode not in (0, 1, 2, 3):
        print("exit", p.returncode, "from", " ".join(r)); bad += 1
    for fn in ("report.sarif", "report.xml", "report.json", "report.txt"):
        if os.path.exists(fn):
            outs[fn] = open(fn, "rb").read()
    if r[0] == "keygen":
        if os.path.exists("redaction.key"):
            # the new key may not appear either
            k = open("redaction.key", "rb").read()
            for w in (k, base64.b64encode(k), k.hex().encode()):
                for name, out in outs.items():
                    if w.rstrip(b"=")[:16] in out:
                        print("new key in", name, "of", " ".join(r)); bad += 1
            os.remove("redaction.key")
        if "--secret" in r:
            v = [l for l in p.stdout.decode().splitlines() if l.startswith("  p: ")][0][5:]
            if v.rstrip("=")[:16].encode() in p.stderr:
                print("new key on stderr of", " ".join(r)); bad += 1
    for name, out in outs.items():
        if env:
            an = alnum(out)
            if [f for f in pieces_an if f in an]:
                print("key pieces (separators aside) in %s of %s with %s" % (name, " ".join(r), env["CMFV_KUBECTL"]))
                print(out.decode(errors="replace")[:400]); bad += 1
        leaked = [f for t in texts(out) for f in forms if f in t]
        if leaked:
            print("key material (%d pieces) in %s of %s" % (len(leaked), name, " ".join(r))); bad += 1
for piece, env in round3:
    for r in (["check", "--key-file", "k32", "-f", "values-prod.yaml", "--cluster", "-n", "flink"],
              ["post-render", "--key-file", "k32", "-f", "values-prod.yaml", "--cluster", "-n", "flink", "--report", "r3.txt"]):
        p = subprocess.run([b] + r, capture_output=True, stdin=open("deploy.yaml", "rb"), env=dict(os.environ, **env))
        rep = open("r3.txt", "rb").read() if os.path.exists("r3.txt") else b""
        if p.returncode != 3 or b"Error from server: tok" not in p.stderr:
            print("exit %d from the lone-piece child: %s" % (p.returncode, p.stderr.decode(errors="replace")[:300])); bad += 1
        if piece.encode() in p.stderr or piece.encode() in p.stdout or piece.encode() in rep:
            print("lone piece %r of a known key in the output of %s" % (piece, " ".join(r))); bad += 1
runs_done += 2 * len(round3)
print(len(runs) + len(env_runs) + len(round2_runs) + runs_done, "runs,", len(forms), "key forms and pieces checked")
sys.exit(1 if bad else 0)
PY

# ------------------------------------------------------------ secrets at rest
# tests/keys/freescan.c, preloaded, looks into every block the program gives
# back to the allocator (free, and the old block of a moving realloc) for the
# key in each of its forms. A hit is key material let go of unwiped. Needs the
# library (built by ctest's build, not under the sanitizers: CMFV_FREESCAN_LIB).
if [ -n "${CMFV_FREESCAN_LIB:-}" ] && [ -f "${CMFV_FREESCAN_LIB}" ]; then
	hexof() { od -An -v -tx1 | tr -d ' \n'; }
	needles="$(hexof <k32),$(base64 -w0 <k32 | hexof)"
	needles="$needles,$(hexof <bin-nl),$(base64 -w0 <bin-nl | hexof)"
	needles="$needles,$(tr -d '\n' <b64-32 | hexof),$(tr -d '\n' <b64-32 | base64 -w0 | hexof)"
	# the first 16 characters of the key's base64: libyaml's old scalar
	# buffers held prefixes of up to 24 of them until its frees were wiped
	needles="$needles,$(base64 -w0 <k32 | head -c 16 | hexof)"
	# scan NAME WANT STDIN -- ARGS: run with the scanner, stdin from the file
	# STDIN (- for none); WANT is "none" or "some"
	scan() {
		local name=$1 want=$2 stdin=$3; shift 4
		[ "$stdin" != - ] || stdin=/dev/null
		rm -f scan.out
		CMFV_FREESCAN=$needles CMFV_FREESCAN_OUT=$tmp/scan.out LD_PRELOAD=$CMFV_FREESCAN_LIB \
			"$bin" "$@" <"$stdin" >/dev/null 2>err.txt
		local rc=$? tally hits
		tally=$(grep '^scanned' scan.out 2>/dev/null)
		hits=$(echo "$tally" | awk '{print $5}')
		if [ -z "$tally" ] || [ "$rc" -gt 1 ]; then
			bad "freed memory: $name: exit $rc, no tally" "$(cat err.txt scan.out 2>/dev/null)"
		elif [ "$want" = none ] && [ "$hits" != 0 ]; then
			local where
			where=$(awk '/^hit/ {print $4, $5}' scan.out | while read -r f o; do
				echo "$f+$o: $(addr2line -f -i -e "$f" "$o" 2>/dev/null | paste -sd ' ')"; done)
			bad "freed memory: $name: $hits freed block(s) held the key" "$where"
		elif [ "$want" = some ] && [ "$hits" = 0 ]; then
			bad "freed memory: $name: the scanner saw nothing it should have seen" "$tally"
		else
			ok "freed memory: $name (${tally#scanned }: blocks, bytes, hits)"
		fi
	}
	cp "$here/../../testdata/post-render/helm3-chart/input.yaml" deploy.yaml
	{ cat s-k32.yaml; echo ---; cat deploy.yaml; } >with-secret.yaml
	scan "check --secret-file (YAML)" none - -- check --secret-file s-k32.yaml "${ref[@]}"
	scan "check --secret-file (JSON)" none - -- check --secret-file s-k32.json "${ref[@]}" -o json
	scan "check --secret-file (kubectl's List)" none - -- check --secret-file got-list.yaml "${ref[@]}" -o sarif
	scan "check --secret-file on stdin" none s-k32.yaml -- check --secret-file - "${ref[@]}"
	scan "check --key-file" none - -- check --key-file k32
	scan "check --manifests" none - -- check -f values-prod.yaml --manifests with-secret.yaml -n flink
	scan "check --cluster (kubectl)" none - -- check -f values-prod.yaml --cluster -n flink
	scan "check, a key with a newline (CMF025)" none - -- check --secret-file s-bin-nl.yaml "${ref[@]}"
	scan "check, a double-encoded key (CMF024)" none - -- check --secret-file s-b64-32.json "${ref[@]}"
	scan "key-info" none - -- key-info --secret-file s-k32.yaml "${ref[@]}"
	scan "key-info --key-file" none - -- key-info --key-file k32
	scan "post-render, Secret in the manifests (file)" none with-secret.yaml -- post-render -f values-prod.yaml -n flink
	scan "post-render, --secret-file" none deploy.yaml -- post-render -f values-prod.yaml --secret-file s-k32.yaml -n flink
	rm -f pipe.out
	cat with-secret.yaml | CMFV_FREESCAN=$needles CMFV_FREESCAN_OUT=$tmp/pipe.out LD_PRELOAD=$CMFV_FREESCAN_LIB \
		"$bin" post-render -f values-prod.yaml -n flink >/dev/null 2>err.txt
	grep -q '^scanned [0-9]* [0-9]* hits 0$' pipe.out && ok "freed memory: post-render, Secret in the manifests (pipe)" ||
		bad "freed memory: post-render from a pipe" "$(cat pipe.out err.txt)"
	# the control: values files are not secret and are freed as they are, so
	# a needle from one must be seen, or the scanner is not looking
	needles=$(printf kubernetesSecretProperty | hexof) scan "control: the scanner sees unwiped text" some - -- check -f values-prod.yaml --secret-file s-k32.yaml -n flink
else
	echo "skip freed-memory scan (CMFV_FREESCAN_LIB not set: sanitizer build)"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
