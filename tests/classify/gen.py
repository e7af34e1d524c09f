#!/usr/bin/env python3
"""Seeded generator of tricky documents for the classifier's differential
test: real manifest shapes (the CMF Deployment and its cmf-config
ConfigMap, Services, Lists, CRDs with regex patterns, JSON dashboards)
mutated the ways YAML allows a top level to hide or fake a kind or a name
-- quotes, escapes, tags, anchors, aliases, merge keys, flow style and JSON,
comments, CRLF, BOM, markers and directives, block scalars holding
`kind: Deployment` and `---`, indentation tricks, tabs, odd line breaks,
duplicate keys, unclosed quotes and flow collections.

    gen.py SEED COUNT > records     (length-prefixed: "<len>\\n" + bytes)
"""
import json
import random
import sys

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: confluent-manager-for-apache-flink
  namespace: flink
  labels:
    app.kubernetes.io/name: confluent-manager-for-apache-flink
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: cmf
          image: "confluentinc/cp-cmf:2.0.3"
          args: ["/opt/config/cmf-config.yaml"]
          volumeMounts:
            - name: cmf-config
              mountPath: /opt/config
      volumes:
        - name: cmf-config
          configMap:
            name: cmf-config
"""

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: cmf-config
  labels:
    app: cmf
data:
  cmf-config.yaml: |
    cmf:
      sql:
        production: true
    encryption:
      key:
        kubernetesSecretName: cmf-encryption-key
"""

DASH = """apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboards
data:
  d.json: |-
    {"kind": "Deployment", "title": "it's \\"quoted\\"", "a": [1,
      2], "re": "\\\\d+"}
  e.yaml: |
    ---
    kind: Deployment
    ...
    metadata:
      name: evil
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: svc
spec:
  ports:
  - port: 80
    targetPort: http
"""

LIST = """apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: inner
"""

CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  versions:
    - name: v1
      schema:
        openAPIV3Schema:
          properties:
            spec:
              pattern: '^[a-z]\\d+(\\.[a-z]+)*$'
              description: The thing's name, "quoted" [a-z] {x}
              other: "\\u0044eployment"
"""

ROLE = """kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata:
  name: role
rules:
- apiGroups: [""]
  resources: ["pods", 'secrets']
  verbs: [get, list]
"""

BASES = [DEPLOY, CONFIGMAP, DASH, SERVICE, LIST, CRD, ROLE]
KINDS = ["Deployment", "ConfigMap", "List", "DeploymentList", "Service", "Secret",
         "ConfigMapList", "deployment", "Deployment ", "Deploy"]
NAMES = ["cmf", "n", "y", "yes", "null", "~", "123", "1e3", "0x1F", ".inf", "a.b-c", "-x",
         "'q'", '"dq"', "a#b", "a #c", "!!str t", "&a x", "*a", "x: y", "[a]", "{a: b}", "",
         "true", "cmf-config", "a\tb", "é"]
CHARS = list("\"'[]{}:#&*!|>-?,%@`\\ \t\n") + ["\r", "\r\n", "\u0085", "\u2028", "\u2029",
                                              "\ufeff", "---", "...", "\n---\n", "\n...\n"]


def lines(d):
    return d.split("\n")


def setline(d, i, s):
    ls = lines(d)
    if ls:
        ls[i % len(ls)] = s
    return "\n".join(ls)


def at_line(r, d):
    ls = lines(d)
    return r.randrange(len(ls)), ls


def top_index(ls, key):
    for i, l in enumerate(ls):
        if l.startswith(key + ":"):
            return i
    return None


def m_kind_value(r, d):
    ls = lines(d)
    i = top_index(ls, "kind")
    v = r.choice(KINDS)
    form = r.choice(["{}", '"{}"', "'{}'", "!!str {}", "&k {}", "{}  # c", "{}#c",
                     "\n  {}", "{}\n  more", '"\\u0044eployment"', "!!binary RGVwbG95bWVudA==",
                     "[{}]", "{{x: {}}}", "|\n  {}", "*a", "{} ", "\t{}"])
    s = "kind: " + form.format(v)
    if i is None:
        ls.insert(r.randrange(len(ls) + 1), s)
    else:
        ls[i] = s
    return "\n".join(ls)


def m_quote_key(r, d):
    ls = lines(d)
    idx = [i for i, l in enumerate(ls) if l and l[0].isalpha()]
    if not idx:
        return d
    i = r.choice(idx)
    k, _, v = ls[i].partition(":")
    q = r.choice(['"{}"', "'{}'", '"\\u006b{}"', "? {}\n", "!!str {}", "&a {}", "{} ", "<<"])
    if q == "<<":
        ls[i] = "<<: {" + "kind: Deployment}" if r.random() < .5 else "<<: *a"
    elif q.startswith("? "):
        ls[i] = "? " + k + "\n:" + v
    elif q.startswith('"\\u006b'):
        ls[i] = '"\\u00' + format(ord(k[0]), "x") + k[1:] + '":' + v
    else:
        ls[i] = q.format(k) + ":" + v
    return "\n".join(ls)


def m_anchor(r, d):
    ls = lines(d)
    pre = r.choice(["base: &a {kind: Deployment, name: x}", "base: &a\n  name: aliased",
                    "x: &m {name: m}", "k: &k Deployment"])
    ls.insert(0, pre)
    i = top_index(ls, "metadata")
    if i is not None and r.random() < .5:
        ls[i] = r.choice(["metadata: *a", "metadata: *m", "metadata:\n  <<: *a",
                          "metadata: &mm", "metadata: !!map"])
    elif r.random() < .5:
        ls.append(r.choice(["kind: *k", "<<: *a", "<<: [*a]"]))
    return "\n".join(ls)


def m_flow(r, d):
    obj = {"apiVersion": "v1", "kind": r.choice(KINDS[:5]),
           "metadata": {"name": r.choice(["a", "cmf", "n"])}}
    if r.random() < .3:
        obj["items"] = []
    s = json.dumps(obj, indent=r.choice([None, 2]))
    if r.random() < .5:
        s = s.replace('"kind"', '"\\u006bind"')
    return s + "\n"


def m_comment(r, d):
    i, ls = at_line(r, d)
    ls.insert(i, r.choice(["# c", "  # c", "#", "    # kind: Deployment", "# ---"]))
    return "\n".join(ls)


def m_crlf(r, d):
    return d.replace("\n", "\r\n")


def m_prefix(r, d):
    return r.choice(["\ufeff", "---\n", "--- # c\n", "--- ", "---\n# Source: x\n", "%YAML 1.1\n---\n",
                     "--- !!map\n", "# h\n\n---\n", "...\n", "--- |\n", "--- >\n "]) + d


def m_suffix(r, d):
    return d + r.choice(["...\n", "...\n# c\n", "...\nkind: Deployment\n", "---\nkind: Deployment\n",
                         "\n", "kind: Deployment\n", "items: []\n", "metadata:\n  name: dup\n",
                         "x: \"\nkind: Deployment\n\"\n"])


def m_block(r, d):
    i, ls = at_line(r, d)
    ind = " " * r.choice([0, 2, 4])
    ls.insert(i, ind + r.choice(["b: |", "b: >-", "b: |2", "b: |+", "- |", "b: |1"]) + "\n" +
              ind + r.choice(["  ", "    ", " "]) + r.choice(["---", "kind: Deployment", "...",
                                                          "name: fake", "x\\d", "{\"a\": [1,"]))
    return "\n".join(ls)


def m_indent(r, d):
    ls = lines(d)
    op = r.randrange(5)
    if op == 0:
        return "\n".join("  " + l if l else l for l in ls)
    i = r.randrange(len(ls))
    if op == 1:
        ls[i] = "  " + ls[i]
    elif op == 2:
        ls[i] = ls[i].lstrip(" ")
    elif op == 3:
        ls[i] = "\t" + ls[i]
    else:
        ls[i] = ls[i].replace("  ", "    ", 1)
    return "\n".join(ls)


def m_dup(r, d):
    ls = lines(d)
    i = r.randrange(len(ls))
    ls.insert(r.randrange(len(ls) + 1), ls[i])
    return "\n".join(ls)


def m_swap(r, d):
    ls = lines(d)
    i, j = r.randrange(len(ls)), r.randrange(len(ls))
    ls[i], ls[j] = ls[j], ls[i]
    return "\n".join(ls)


def m_delete(r, d):
    ls = lines(d)
    del ls[r.randrange(len(ls))]
    return "\n".join(ls)


def m_char(r, d):
    if not d:
        return r.choice(CHARS)
    i = r.randrange(len(d))
    return d[:i] + r.choice(CHARS) + d[i + r.choice([0, 0, 1]):]


def m_name(r, d):
    ls = lines(d)
    for i, l in enumerate(ls):
        if l.startswith("  name:") or l.startswith("  namespace:"):
            key = l.split(":")[0]
            ls[i] = key + ": " + r.choice(NAMES)
            if r.random() < .2:
                ls.insert(i + 1, r.choice(["    cont", "  name: second", "  <<: *a", "  \"name\": q",
                                           "  - x", " odd: 1"]))
            break
    return "\n".join(ls)


def m_items(r, d):
    return d + r.choice(["items: []\n", "items:\n- a\n", "items: null\n"])


def m_open(r, d):
    """An indented line that leaves a quote or flow open, swallowing what follows."""
    i, ls = at_line(r, d)
    ind = " " * r.choice([2, 4])
    ls.insert(i, ind + r.choice(["x: \"open", "x: 'open", "x: [a,", "x: {a: b,", "- \"open",
                                 "x: it's", "x: a\"b", "x: !t \"o", "x: &a [", "\"k\": \"o"]))
    j = r.randrange(i + 1, len(ls) + 1)
    ls.insert(j, r.choice(["\"", "'", "]", "}", ind + "\"", ind + "]", "z: \""]))
    return "\n".join(ls)


MUTATORS = [m_kind_value, m_quote_key, m_anchor, m_flow, m_comment, m_crlf, m_prefix, m_suffix,
            m_block, m_indent, m_dup, m_swap, m_delete, m_char, m_name, m_items, m_open]


def doc(r):
    d = r.choice(BASES)
    for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4, 6])):
        d = r.choice(MUTATORS)(r, d)
    if r.random() < .2:
        d = d.rstrip("\n")
    return d


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    r = random.Random(seed)
    out = sys.stdout.buffer
    for b in BASES:
        data = b.encode()
        out.write(b"%d\n" % len(data) + data)
    for _ in range(count):
        data = doc(r).encode("utf-8", "surrogatepass")
        out.write(b"%d\n" % len(data) + data)


if __name__ == "__main__":
    main()
