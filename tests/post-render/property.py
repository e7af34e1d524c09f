#!/usr/bin/env python3
"""Property test for post-render over generated streams (seeded, so a
failure can be replayed): for random mixes of documents -- LF or CRLF, BOM,
comments, JSON documents, block scalars holding `---` text, hooks, other
Deployments, one CMF Deployment somewhere -- check that
  * the output has as many documents as the input;
  * every document but the CMF Deployment comes out byte for byte;
  * the CMF Deployment gained the key volume and mount;
  * running post-render on its own output changes nothing.
usage: property.py BIN VALUES [N] [SEED]"""
import random, re, subprocess, sys

binary, values = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261128
rng = random.Random(seed)
SPLIT = re.compile(rb"(?m)^(?=---(?:[ \t\r\n]|$))")

def word():
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randint(1, 12))).strip("-") or "x"

def configmap():
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: %s" % word(), "data:"]
    for _ in range(rng.randint(0, 5)):
        k = word()
        if rng.random() < 0.3:
            lines += ["  %s: |" % k, "    --- text that looks like a marker", "    kind: Deployment", "    %s" % word()]
        else:
            lines.append("  %s: %s" % (k, rng.choice(['"quoted"', "plain", "'single'", "123", "yes"])))
    return lines

def json_doc():
    return ['{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "%s"}, "spec": {"ports": [{"port": %d}]}}' % (word(), rng.randint(1, 65535))]

def other_deployment():
    return ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: other-%s" % word(), "  labels: {app: x}",
            "spec:", "  template:", "    spec:", "      containers:", "      - name: main", "        image: nginx"]

def hook():
    return ["apiVersion: v1", "kind: Pod", "metadata:", "  name: %s" % word(), "  annotations:", '    "helm.sh/hook": test',
            "spec: {containers: [{name: t, image: busybox}]}"]

def cmf():
    return ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: confluent-manager-for-apache-flink",
            "  labels:", "    app.kubernetes.io/name: confluent-manager-for-apache-flink", "spec:", "  replicas: 1",
            "  template:", "    spec:", "      containers:", "        - name: cmf", '          image: "confluentinc/cp-cmf:2.0.3"',
            "          volumeMounts:", "            - name: cmf-config", "              mountPath: /opt/config",
            "      volumes:", "        - name: cmf-config", "          configMap:", "            name: cmf-config"]

def stream():
    kinds = [rng.choice([configmap, json_doc, other_deployment, hook]) for _ in range(rng.randint(0, 12))]
    kinds.insert(rng.randint(0, len(kinds)), cmf)
    eol = "\r\n" if rng.random() < 0.2 else "\n"
    out, target = [], None
    for i, k in enumerate(kinds):
        lines = ["---" + rng.choice(["", " ", "  # marker comment"])]
        if rng.random() < 0.6:
            lines.append("# Source: chart/templates/%s.yaml" % word())
        lines += k()
        if rng.random() < 0.2:
            lines.append("# trailing comment   ")
        doc = (eol.join(lines) + eol).encode()
        if k is cmf:
            target = i
        out.append(doc)
    data = b"".join(out)
    if rng.random() < 0.2:
        data = b"\xef\xbb\xbf" + data
    return data, target

def docs(data):
    return [d for d in SPLIT.split(data) if d]

def run(data):
    return subprocess.run([binary, "post-render", "-f", values, "--report", "/dev/null"], input=data, capture_output=True)

failures = 0
for case in range(n):
    data, target = stream()
    p = run(data)
    if p.returncode != 0:
        print("case %d: exit %d: %s" % (case, p.returncode, p.stderr.decode(errors="replace")[:300])); failures += 1; continue
    a, b = docs(data), docs(p.stdout)
    if len(a) != len(b):
        print("case %d: %d documents in, %d out" % (case, len(a), len(b))); failures += 1; continue
    for i, (x, y) in enumerate(zip(a, b)):
        if i == target:
            if b"secretName: cmf-encryption-key" not in y or b"mountPath: /opt/cmf/encryption" not in y:
                print("case %d: no mount in the CMF Deployment" % case); failures += 1
        elif x != y:
            print("case %d: document %d changed:\n%r\n%r" % (case, i, x[:200], y[:200])); failures += 1
    q = run(p.stdout)
    if q.returncode != 0 or q.stdout != p.stdout:
        print("case %d: not idempotent (exit %d)" % (case, q.returncode)); failures += 1
print("%d passed, %d failed" % (n - failures if failures <= n else 0, failures))
sys.exit(1 if failures else 0)
