#!/usr/bin/env bash
# Key verification end to end, with fixtures made at test time by the real
# `openssl rand` and `kubectl create secret generic --dry-run=client`, and
# --cluster against a stand-in API server on 127.0.0.1 with the real kubectl.
#   run.sh BIN
set -u
bin=$1
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
kubectl=$(bash "$here/../helm/fetch-helm.sh" kubectl) || { echo "no kubectl"; exit 1; }
tmp=$(mktemp -d)
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | head -20; }

secret() { # NAME FILE [NS] [-o json]
	local ns=${3:-flink} fmt=${4:-yaml}
	"$kubectl" create secret generic cmf-encryption-key --from-file=encryption-key="$2" -n "$ns" \
		--dry-run=client -o "$fmt" >"$1"
}
# expect NAME EXIT RULES... -- ARGS: run check -o json, compare exit and rule IDs
expect() {
	local name=$1 want=$2; shift 2
	local rules=()
	while [ "$1" != -- ]; do rules+=("$1"); shift; done
	shift
	"$bin" check "$@" -o json >out.json 2>err.txt
	local rc=$?
	local got
	got=$(python3 -c 'import json,sys; print(" ".join(sorted(f["rule"] for f in json.load(open("out.json"))["findings"])))' 2>/dev/null)
	local w
	w=$(printf '%s\n' "${rules[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$rc" = "$want" ] && [ "$got" = "$w" ]; then ok "$name"; else bad "$name: exit $rc rules [$got], want exit $want rules [$w]" "$(cat err.txt)"; fi
}
ref=(--secret-name cmf-encryption-key --secret-property encryption-key -n flink)

# the keys, made as users make them
openssl rand -out k32 32; openssl rand -out k16 16
openssl rand -base64 32 >b64-32; openssl rand -base64 16 >b64-16
openssl rand -hex 16 | tr -d '\n' >hex16-bare; openssl rand -hex 16 >hex16-nl; openssl rand -hex 32 >hex32
for n in 0 15 24 31 33 64; do openssl rand -out len$n $n 2>/dev/null || : >len$n; done
: >len0
(openssl rand 32; echo) >bin-nl
head -c 32 /dev/zero | tr '\0' 'A' >one-byte
printf 'Sup3r-Secret-Passw0rd-For-CMF!!!' >password
for f in k32 k16 b64-32 b64-16 hex16-bare hex16-nl hex32 len0 len15 len24 len31 len33 len64 bin-nl one-byte password; do
	secret "s-$f.yaml" "$f"; secret "s-$f.json" "$f" flink json
done
for form in yaml json; do
	expect "32 random bytes ($form)" 0 -- --secret-file s-k32.$form "${ref[@]}"
	expect "16 random bytes ($form)" 0 -- --secret-file s-k16.$form "${ref[@]}"
	expect "openssl rand -base64 32 ($form)" 1 CMF024 -- --secret-file s-b64-32.$form "${ref[@]}"
	expect "openssl rand -base64 16 ($form)" 1 CMF024 -- --secret-file s-b64-16.$form "${ref[@]}"
	expect "openssl rand -hex 16, no newline: weak ($form)" 0 CMF026 -- --secret-file s-hex16-bare.$form "${ref[@]}"
	expect "openssl rand -hex 16 with newline ($form)" 1 CMF025 -- --secret-file s-hex16-nl.$form "${ref[@]}"
	expect "openssl rand -hex 32 ($form)" 1 CMF024 -- --secret-file s-hex32.$form "${ref[@]}"
	for n in 0 15 24 31 33 64; do
		expect "$n random bytes ($form)" 1 CMF023 -- --secret-file s-len$n.$form "${ref[@]}"
	done
	expect "binary key plus newline ($form)" 1 CMF025 -- --secret-file s-bin-nl.$form "${ref[@]}"
	expect "one byte repeated ($form)" 0 CMF026 -- --secret-file s-one-byte.$form "${ref[@]}"
	expect "printable password ($form)" 0 CMF026 -- --secret-file s-password.$form "${ref[@]}"
	expect "weak is an error with --strict ($form)" 1 CMF026 -- --secret-file s-password.$form "${ref[@]}" --strict
done
# the Secret itself
secret other-ns.yaml k32 default
expect "Secret in another namespace" 1 CMF027 -- --secret-file other-ns.yaml "${ref[@]}"
expect "Secret found, no namespace given" 0 -- --secret-file other-ns.yaml --secret-name cmf-encryption-key --secret-property encryption-key
expect "data key missing" 1 CMF021 -- --secret-file s-k32.yaml --secret-name cmf-encryption-key --secret-property other-key -n flink
expect "Secret not in the file" 1 CMF020 -- --secret-file s-k32.yaml --secret-name missing --secret-property encryption-key -n flink
sed 's/^  encryption-key: .*/  encryption-key: "not base64!"/' s-k32.yaml >bad-b64.yaml
expect "invalid base64" 1 CMF022 -- --secret-file bad-b64.yaml "${ref[@]}"
sed 's/^  encryption-key: \(.*\)/  encryption-key: \1\\n/' s-k32.yaml | sed 's/: \(.*\)\\n$/: "\1\\n"/' >b64-newline.yaml
expect "base64 with a newline in it" 1 CMF022 -- --secret-file b64-newline.yaml "${ref[@]}"
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: cmf-encryption-key, namespace: flink}\nstringData:\n  encryption-key: "%s"\n' "$(cat b64-32 | tr -d '\n')" >stringdata.yaml
expect "stringData holds the bytes as they are" 1 CMF024 -- --secret-file stringdata.yaml "${ref[@]}"
# a List, as kubectl get secrets -o yaml prints, and a manifest stream
python3 - <<'PY'
import json
items = [json.load(open(f)) for f in ("s-k16.json", "s-k32.json")]
items[0]["metadata"]["name"] = "another"
json.dump({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {"resourceVersion": ""}}, open("list.json", "w"), indent=2)
PY
expect "kind: List of Secrets" 0 -- --secret-file list.json "${ref[@]}"
{ printf -- '---\n# Source: cmf/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: "---"}\n---\n'; cat s-k32.yaml; } >stream.yaml
expect "Secret inside rendered manifests (--manifests)" 0 -- --manifests stream.yaml "${ref[@]}"
expect "Secret from stdin" 0 -- --secret-file - "${ref[@]}" <s-k32.yaml
expect "secret file pool: second file has it" 0 -- --secret-file s-k16.yaml --secret-file s-k32.yaml --secret-name cmf-encryption-key --secret-property encryption-key -n flink
# values give the reference
printf 'cmf: {sql: {production: true}}\nencryption: {key: {kubernetesSecretName: cmf-encryption-key, kubernetesSecretProperty: encryption-key}}\n' >values.yaml
expect "values give the reference" 0 -- -f values.yaml --secret-file s-k32.yaml -n flink
expect "values plus a double-encoded key" 1 CMF024 -- -f values.yaml --secret-file s-b64-32.yaml -n flink
HELM_NAMESPACE=flink expect "HELM_NAMESPACE is the release namespace" 1 CMF027 -- -f values.yaml --secret-file other-ns.yaml
HELM_NAMESPACE=default expect "HELM_NAMESPACE matching" 0 -- -f values.yaml --secret-file other-ns.yaml
# raw key files
expect "--key-file: 32 random bytes" 0 -- --key-file k32
expect "--key-file: base64 text" 1 CMF024 -- --key-file b64-32
expect "--key-file: 33 bytes with newline" 1 CMF025 -- --key-file bin-nl
"$bin" check "${ref[@]}" --secret-file s-k32.yaml -o json >/dev/null 2>&1; true
"$bin" check --secret-file s-k32.yaml -o json >out.json 2>err.txt
[ $? = 2 ] && grep -q 'needs the Secret' err.txt && ok "a key source without a Secret name is a usage error" || bad "no name: $(cat err.txt)"
"$bin" check --key-file missing.key >/dev/null 2>err.txt
[ $? = 2 ] && ok "missing key file: exit 2" || bad "missing key file"

# --cluster with the real kubectl against a stand-in API server
mkdir -p api/flink api/locked && touch api/locked/FORBIDDEN
cp s-k32.json api/flink/cmf-encryption-key.json
secret api/default/cmf-encryption-key.json b64-32 default json 2>/dev/null || { mkdir -p api/default; secret api/default/cmf-encryption-key.json b64-32 default json; }
python3 "$here/fake-apiserver.py" port api &
srv_pid=$!
for _ in $(seq 50); do [ -f port ] && break; sleep 0.1; done
cat >kubeconfig <<KC
apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:$(cat port)"}}]
users: [{name: u, user: {token: t}}]
contexts:
- {name: fake, context: {cluster: fake, user: u, namespace: default}}
- {name: other, context: {cluster: fake, user: u, namespace: flink}}
current-context: fake
KC
export KUBECONFIG=$tmp/kubeconfig CMFV_KUBECTL=$kubectl
expect "--cluster: good key" 0 -- -f values.yaml --cluster -n flink
expect "--cluster: not found is CMF020" 1 CMF020 -- -f values.yaml --cluster -n nowhere
HELM_NAMESPACE=default expect "--cluster: HELM_NAMESPACE, double-encoded key" 1 CMF024 -- -f values.yaml --cluster
HELM_KUBECONTEXT=other expect "--cluster: HELM_KUBECONTEXT picks the context" 0 -- -f values.yaml --cluster
"$bin" check -f values.yaml --cluster -n locked >/dev/null 2>err.txt
[ $? = 3 ] && grep -q Forbidden err.txt && ok "--cluster: forbidden is exit 3 with kubectl's message" || bad "forbidden: $(cat err.txt)"
KUBECONFIG=/nonexistent "$bin" check -f values.yaml --cluster -n flink --kubeconfig "$tmp/nope" >/dev/null 2>err.txt
[ $? = 3 ] && ok "--cluster: unusable kubeconfig is exit 3" || bad "kubeconfig: $(cat err.txt)"
sed "s#127.0.0.1:[0-9]*#127.0.0.1:1#" kubeconfig >down.kubeconfig
"$bin" check -f values.yaml --cluster -n flink --kubeconfig down.kubeconfig >/dev/null 2>err.txt
[ $? = 3 ] && ok "--cluster: unreachable server is exit 3" || bad "unreachable: $(cat err.txt)"
CMFV_KUBECTL=/nonexistent/kubectl "$bin" check -f values.yaml --cluster -n flink >/dev/null 2>err.txt
[ $? = 3 ] && grep -q 'not installed' err.txt && ok "--cluster: missing kubectl is exit 3" || bad "no kubectl: $(cat err.txt)"

# key-info: same key or not
"$bin" key-info --key-file k32 --secret-file s-k32.yaml --cluster "${ref[@]}" >out.txt 2>&1
[ $? = 0 ] && grep -q 'same key in every source' out.txt && ok "key-info: backup matches the cluster" || bad "key-info same" "$(cat out.txt)"
"$bin" key-info --key-file k16 --secret-file s-k32.yaml "${ref[@]}" -o json >out.json 2>&1
[ $? = 1 ] && python3 -c 'import json; d=json.load(open("out.json")); assert d["same"] is False and len(d["sources"]) == 2' && ok "key-info: different keys exit 1" || bad "key-info differ" "$(cat out.json)"
kcv=$(openssl enc -aes-256-ecb -nopad -K "$(od -An -tx1 k32 | tr -d ' \n')" -in <(head -c 16 /dev/zero) | od -An -tx1 | tr -d ' \n' | head -c 6)
"$bin" key-info --key-file k32 | grep -q "KCV $kcv" && ok "key-info: KCV equals openssl's AES-ECB of a zero block" || bad "kcv"

# keygen
"$bin" keygen -o gen.key 2>err.txt && [ "$(stat -c %a gen.key)" = 600 ] && [ "$(stat -c %s gen.key)" = 32 ] && ok "keygen -o: 32 bytes, mode 0600" || bad "keygen -o" "$(cat err.txt)"
"$bin" keygen -o gen.key 2>err.txt; [ $? = 2 ] && cmp -s gen.key gen.key && grep -q 'never overwritten' err.txt && ok "keygen never overwrites" || bad "keygen overwrite"
"$bin" keygen --bits 128 -o gen16.key 2>/dev/null && [ "$(stat -c %s gen16.key)" = 16 ] && ok "keygen --bits 128" || bad "keygen 128"
"$bin" keygen --secret cmf-encryption-key --property encryption-key -n flink >gen.yaml 2>err.txt
python3 - gen.yaml <<'PY' && ok "keygen --secret is shaped like kubectl's output" || bad "keygen shape" "$(cat gen.yaml)"
import sys, re
got = open(sys.argv[1]).read()
pat = r"apiVersion: v1\ndata:\n  encryption-key: [A-Za-z0-9+/]{43}=\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: cmf-encryption-key\n  namespace: flink\n"
assert re.fullmatch(pat, got), got
PY
"$kubectl" create secret generic cmf-encryption-key --from-file=encryption-key=k32 -n flink --dry-run=client -o yaml | sed 's/encryption-key: .*/encryption-key: X/' >kc.yaml
sed 's/encryption-key: .*/encryption-key: X/' gen.yaml | cmp -s - kc.yaml && ok "keygen --secret equals kubectl's manifest but for the key" || bad "keygen vs kubectl" "$(diff kc.yaml <(sed 's/encryption-key: .*/encryption-key: X/' gen.yaml))"
grep -q 'KCV [0-9a-f]\{6\}' err.txt && grep -q 'Back the key up' err.txt && ok "keygen prints the KCV and a backup reminder on stderr" || bad "keygen stderr"
expect "keygen's Secret passes the check" 0 -- --secret-file gen.yaml "${ref[@]}"

# redaction: no raw, base64 or hex form of any key in any output of any command
python3 - "$bin" <<'PY' && ok "redaction: no key material in any output" || bad "redaction"
import base64, itertools, os, subprocess, sys
b = sys.argv[1]
keys = {f: open(f, "rb").read() for f in ("k32", "k16", "b64-32", "hex32", "bin-nl", "password", "len24")}
forms = set()
for k in keys.values():
    core = k.rstrip(b"\n")
    for v in (k, core):
        if len(v) >= 8:
            forms |= {v, base64.b64encode(v), v.hex().encode(), v.hex().upper().encode(),
                      base64.b64encode(v).rstrip(b"=")}
            try:
                forms.add(base64.b64decode(v, validate=True))
            except Exception:
                pass
forms = {f for f in forms if len(f) >= 8}
runs = []
for f in keys:
    for fmt in ("text", "json", "sarif", "junit", "github"):
        runs.append([b, "check", "--secret-file", "s-%s.yaml" % f, "--secret-name", "cmf-encryption-key",
                     "--secret-property", "encryption-key", "-n", "flink", "-o", fmt])
        runs.append([b, "check", "--key-file", f, "-o", fmt])
        runs.append([b, "check", "-f", "values.yaml", "--cluster", "-n", "default", "-o", fmt])
    runs.append([b, "key-info", "--key-file", f, "--secret-file", "s-%s.json" % f, "--secret-name",
                 "cmf-encryption-key", "--secret-property", "encryption-key"])
    runs.append([b, "key-info", "--key-file", f, "-o", "json"])
runs.append([b, "check", "--secret-file", "bad-b64.yaml", "--secret-name", "cmf-encryption-key", "--secret-property", "encryption-key"])
runs.append([b, "check", "--secret-file", "s-k32.yaml", "--secret-name", "cmf-encryption-key", "--secret-property", "nope"])
bad = 0
for r in runs:
    p = subprocess.run(r, capture_output=True)
    out = p.stdout + p.stderr
    for form in forms:
        if form in out:
            print("key material in output of", " ".join(r)); bad += 1; break
print(len(runs), "runs,", len(forms), "key forms checked")
sys.exit(1 if bad else 0)
PY
echo "$pass passed, $fail failed"
[ $fail = 0 ]
