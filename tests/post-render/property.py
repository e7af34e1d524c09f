#!/usr/bin/env python3
"""Property test for post-render over generated streams.

Every stream mixes Helm 3 / Helm 4 / bare forms, LF or CRLF, a BOM now and
then, block, flow and JSON documents, block scalars holding `---` text,
comments, anchors, `...` ends and directives, hooks, decoy Deployments, and
one CMF Deployment in a random style at a random place. For each:

  * exit 0;
  * every document before and after the Deployment comes out byte for byte
    (the output starts with all the pieces before it and ends with all the
    pieces after it);
  * PyYAML reads as many documents out as in, all equal but the Deployment,
    which equals the input one plus the volume, the mount (and the KCV);
  * idempotence: the output, run again, comes back byte for byte.

Half the streams go in through a pipe (spooled), half as a regular file.
    property.py BIN [COUNT] [SEED]      ends with "N passed, M failed"
"""
import copy
import os
import random
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    print("property.py: PyYAML is missing; skipped")
    sys.exit(77)

CMF = "confluent-manager-for-apache-flink"
SECRET, PROP = "cmf-key", "aes-key"


def loader():
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def configmap(r, i):
    body = "\n".join([
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: cm-%d  # a comment" % i,
        "data:",
        "  script.sh: |",
        "    #!/bin/sh",
        "    echo '---'",
        "    ---",
        "    ...",
        "    %%not a directive %d" % i,
        "  kind: Deployment",
        "  name: %s" % (CMF if r.random() < 0.3 else "x"),
        "  folded: >-",
        "    ---",
        "    text",
        "  quoted: \"a\\tb ---\"",
    ])
    return body


def service(r, i):
    return "{apiVersion: v1, kind: Service, metadata: {name: svc-%d, labels: {app: x}}, spec: {ports: [{port: 80}]}}" % i


def json_doc(r, i):
    if r.random() < 0.5:
        return '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s-%d"},"data":{"k":"YWJj"}}' % i
    return ('{\n  "apiVersion": "v1",\n  "kind": "ServiceAccount",\n  "metadata": {\n'
            '    "name": "sa-%d"\n  }\n}' % i)


def decoy(r, i):
    # a Deployment that is not CMF's, or a hook that must pass untouched
    if r.random() < 0.5:
        return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%d\n  labels:\n"
                "    app.kubernetes.io/name: web\nspec:\n  template:\n    spec:\n      containers:\n"
                "      - name: web\n        image: nginx\n" % i)
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  annotations:\n"
            "    \"helm.sh/hook\": test\nspec:\n  template:\n    spec:\n      containers:\n"
            "        - name: cmf\n" % CMF)


def anchors(r, i):
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchored-%d\n  labels: &l\n"
            "    a: b\n  annotations: *l\ndata:\n  x: &v value\n  y: *v\n" % i)


def pod(r, i):
    return ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: test-%d\n  annotations:\n"
            "    \"helm.sh/hook\": test\nspec:\n  containers:\n    - name: t\n      image: busybox\n" % i)


OTHERS = [configmap, service, json_doc, decoy, anchors, pod]


class IndentedDumper(yaml.SafeDumper):
    """Block lists indented under their key (`key:\n  - a`)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def target(r):
    """The CMF Deployment in one of several styles."""
    by_label = r.random() < 0.6
    name = ("cmf-%d" % r.randrange(100)) if by_label else CMF
    labels = {"app.kubernetes.io/name": CMF if by_label else "other"}
    containers = [{"name": "cmf", "image": "confluentinc/cp-cmf:2.0.3"}]
    if r.random() < 0.4:
        containers.insert(r.randrange(2), {"name": "sidecar", "image": "envoy"})
    if r.random() < 0.5:
        containers[[c["name"] for c in containers].index("cmf")]["volumeMounts"] = [
            {"name": "cmf-config", "mountPath": "/opt/config"}]
    spec = {"containers": containers}
    if r.random() < 0.5:
        spec["volumes"] = [{"name": "cmf-config", "configMap": {"name": "cmf-config"}}]
    elif r.random() < 0.3:
        spec["volumes"] = None
    if r.random() < 0.3:
        spec["initContainers"] = [{"name": "init", "image": "busybox"}]
    meta = {"name": name, "labels": labels}
    if r.random() < 0.3:
        meta["annotations"] = {"team": "flink"}
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
           "spec": {"replicas": 1, "template": {"metadata": {"labels": dict(labels)}, "spec": spec}}}
    style = r.choice(["block", "block", "indentless", "flow", "json", "json-pretty"])
    if style == "json":
        import json
        text = json.dumps(obj, separators=(",", ":"))
    elif style == "json-pretty":
        import json
        text = json.dumps(obj, indent=r.choice([2, 4]))
    elif style == "flow":
        text = yaml.safe_dump(obj, default_flow_style=True, sort_keys=False, width=100).rstrip("\n")
    else:
        text = yaml.safe_dump(obj, default_flow_style=False, sort_keys=False,
                              indent=2).rstrip("\n")
        if style == "block":
            # indented lists, as charts write them
            text = yaml.dump(obj, Dumper=IndentedDumper, default_flow_style=False,
                             sort_keys=False).rstrip("\n")
        if r.random() < 0.5:
            text = text.replace("containers:", "# the containers\n" + " " * 6 + "containers:", 1) \
                if "\n      containers:" in text else text
        if r.random() < 0.3:
            text += "\n# trailing comment"
    return obj, text


def expected(obj, kcv):
    o = copy.deepcopy(obj)
    spec = o["spec"]["template"]["spec"]
    c = [x for x in spec["containers"] if x["name"] == "cmf"][0]
    if c.get("volumeMounts") is None:
        c["volumeMounts"] = []
    c["volumeMounts"].append({"name": "cmf-encryption-key", "mountPath": "/opt/cmf/encryption",
                              "readOnly": True})
    if spec.get("volumes") is None:
        spec["volumes"] = []
    spec["volumes"].append({"name": "cmf-encryption-key", "secret": {
        "secretName": SECRET, "items": [{"key": PROP, "path": "encryption-key"}],
        "defaultMode": 256, "optional": False}})
    if kcv:
        o["metadata"].setdefault("annotations", {})
        if o["metadata"]["annotations"] is None:
            o["metadata"]["annotations"] = {}
        o["metadata"]["annotations"]["cmf-validate.io/key-kcv"] = kcv
    return o


def stream(r):
    form = r.choice(["helm3", "helm4", "bare", "ends"])
    nl = "\r\n" if r.random() < 0.25 else "\n"
    n = r.randrange(0, 25)
    at = r.randrange(0, n + 1)
    pieces, tindex, tobj = [], None, None
    for i in range(n + 1):
        if i == at:
            tobj, body = target(r)
            tindex = i
        else:
            body = r.choice(OTHERS)(r, i)
            if form != "helm4" and body.startswith("apiVersion: v1\nkind: Pod"):
                body = r.choice(OTHERS[:3])(r, i)
        if form == "helm3":
            text = "---\n# Source: chart/templates/t%d.yaml\n%s\n" % (i, body)
        elif form == "helm4":
            text = body + "\n" if i == 0 else "---\n" + body + "\n"
        elif form == "ends":
            pre = "%YAML 1.1\n" if r.random() < 0.3 else ""
            text = pre + "---\n" + body + "\n...\n"
            if r.random() < 0.2:
                text += "# between documents\n"
        else:
            text = body + "\n" if i == 0 else "---\n" + body + "\n"
        pieces.append(text.replace("\n", nl).encode())
    if r.random() < 0.1:
        pieces[0] = b"\xef\xbb\xbf" + pieces[0]
    return pieces, tindex, tobj


def run(binary, data, args, as_file, cache):
    env = dict(os.environ, HELM_CACHE_HOME=cache)
    if as_file:
        with tempfile.TemporaryFile() as f:
            f.write(data)
            f.seek(0)
            p = subprocess.run([binary, "post-render"] + args, stdin=f, capture_output=True, env=env)
    else:
        p = subprocess.run([binary, "post-render"] + args, input=data, capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def check(binary, r, cache):
    pieces, t, tobj = stream(r)
    data = b"".join(pieces)
    kcv = "%06x" % r.randrange(1 << 24) if r.random() < 0.5 else None
    args = ["--secret-name", SECRET, "--secret-property", PROP] + (["--kcv", kcv] if kcv else [])
    as_file = r.random() < 0.5
    rc, out, err = run(binary, data, args, as_file, cache)
    if rc != 0:
        return "exit %d: %s" % (rc, err.strip()[:300])
    prefix, suffix = b"".join(pieces[:t]), b"".join(pieces[t + 1:])
    if not out.startswith(prefix) or not out.endswith(suffix) or len(out) < len(prefix) + len(suffix):
        return "documents around the Deployment changed"
    din = list(yaml.load_all(data, Loader=loader()))
    dout = list(yaml.load_all(out, Loader=loader()))
    if len(din) != len(dout):
        return "%d documents in, %d out" % (len(din), len(dout))
    for i, (a, b) in enumerate(zip(din, dout)):
        want = expected(a, kcv) if i == t else a
        if want != b:
            return "document %d differs:\n%s\n---- want\n%s" % (i, b, want)
    rc2, out2, err2 = run(binary, out, args, not as_file, cache)
    if rc2 != 0 or out2 != out:
        return "not idempotent (exit %d) %s" % (rc2, err2.strip()[:200])
    return None


def main():
    binary = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20260601
    passed = failed = 0
    with tempfile.TemporaryDirectory() as cache:
        for k in range(count):
            r = random.Random(seed + k)
            why = check(binary, r, cache)
            if why is None:
                passed += 1
            else:
                failed += 1
                print("FAIL stream %d (seed %d): %s" % (k, seed + k, why))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
