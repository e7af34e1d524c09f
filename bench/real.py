#!/usr/bin/env python3
"""A rendered release with the traits of real charts (issue 18), for the
post-render benchmark and the classifier's differential test:

- CRDs of several MB in controller-gen's shape: deep openAPIV3Schema
  trees, `description: |-` blocks and plain folded descriptions, regex
  `pattern:` fields and CEL rules full of backslashes;
- Grafana dashboards as JSON inside ConfigMaps (big `data:` block scalars,
  PromQL with escaped quotes and `\\\\d`);
- many small objects: Services, ServiceAccounts, Secrets, RBAC (rules as
  indentless sequences, as many charts write them), Deployments of other
  apps, PDBs, HPAs, Ingresses, ServiceMonitors;
- Helm 3 form (`---` then `# Source: chart/templates/x.yaml`) or Helm 4
  form (`---` and the `postrenderer.helm.sh/postrender-filename`
  annotation);
- the CMF Deployment and its `cmf-config` ConfigMap (from
  testdata/post-render/helm3-chart and helm4-chart-hooks) spliced in.

    real.py umbrella  [--helm4] [--seed N]   ~30 MB, ~1,000 documents
    real.py single    [--helm4] [--seed N]   ~5 MB, one large release
    real.py crd20     [--helm4] [--seed N]   one 20 MB CRD holding a single
                                             backslash, then CMF
    real.py mini      [--helm4] [--seed N]   ~2 MB of the same mix (tests)
"""
import argparse
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = ("the of a to and is in for that this field specifies when will be used by "
         "pod container volume secret name namespace must if not set default value "
         "reference object list type key selector label resource cluster api version "
         "status condition must only may should deprecated optional required").split()

PATTERNS = [
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
    r"^\d+(ms|s|m|h)$",
    r"^[A-Za-z_][A-Za-z0-9_]*$",
    r"^([0-9]{1,3}\.){3}[0-9]{1,3}(\/([0-9]|[1-2][0-9]|3[0-2]))$",
]
PLAIN_PATTERNS = [r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", r"^[A-Za-z_][A-Za-z0-9_]*$"]


class Out:
    def __init__(self, helm4):
        self.helm4 = helm4
        self.parts = []
        self.docs = 0

    def doc(self, chart, template, body):
        """body: a manifest whose metadata block starts with '  name:'."""
        self.docs += 1
        if self.helm4:
            ann = ("    postrenderer.helm.sh/postrender-filename: '%s/templates/%s'\n"
                   % (chart, template))
            meta = body.index("\nmetadata:\n")
            end = re.search(r"^\S", body[meta + 11:], re.M)
            block = body[meta + 11:meta + 11 + (end.start() if end else len(body))]
            if "\n  annotations:\n" in "\n" + block:
                body = body.replace("\n  annotations:\n", "\n  annotations:\n" + ann, 1)
            else:
                body = body.replace("\nmetadata:\n", "\nmetadata:\n  annotations:\n" + ann, 1)
            self.parts.append("---\n" + body)
        else:
            self.parts.append("---\n# Source: %s/templates/%s\n%s" % (chart, template, body))

    def raw(self, text):
        self.docs += text.count("\nkind: ") + text.startswith("kind: ")
        self.parts.append(text)

    def size(self):
        return sum(len(p) for p in self.parts)


def words(r, n):
    return " ".join(r.choice(WORDS) for _ in range(n))


def folded(r, ind, n):
    """A plain description folded over lines, as controller-gen writes long ones."""
    text = words(r, n)
    lines, cur = [], ""
    for w in text.split():
        if len(cur) + len(w) > 70:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    lines.append(cur)
    pad = " " * (ind + 4)
    return lines[0] + "".join("\n" + pad + l for l in lines[1:])


def schema(r, ind, depth, budget, out, backslashes):
    """Properties of an openAPIV3Schema, appended to out until budget bytes."""
    pad = " " * ind
    while budget[0] > 0:
        name = "%s%s%d" % (r.choice(WORDS), r.choice(WORDS).capitalize(), r.randrange(1000))
        kind = r.random()
        s = [pad + name + ":\n"]
        if r.random() < .5:
            s.append(pad + "  description: |-\n")
            for _ in range(r.randrange(1, 5)):
                s.append(pad + "    " + words(r, r.randrange(6, 14)) + "\n")
        else:
            s.append(pad + "  description: " + folded(r, ind, r.randrange(5, 40)) + "\n")
        if depth < 6 and kind < .3:
            s.append(pad + "  type: object\n" + pad + "  properties:\n")
            out.append("".join(s))
            budget[0] -= len(out[-1])
            sub = [min(budget[0], r.randrange(2000, 60000))]
            before = sub[0]
            schema(r, ind + 4, depth + 1, sub, out, backslashes)
            budget[0] -= before - sub[0]
            continue
        if kind < .5:
            s.append(pad + "  type: string\n")
            pats = PATTERNS if backslashes else PLAIN_PATTERNS
            s.append(pad + "  pattern: '%s'\n" % r.choice(pats).replace("'", "''"))
            s.append(pad + "  maxLength: %d\n" % r.randrange(8, 512))
        elif kind < .6:
            s.append(pad + "  type: array\n" + pad + "  items:\n" + pad + "    type: string\n")
            s.append(pad + "  x-kubernetes-list-type: atomic\n")
        elif kind < .7 and backslashes:
            s.append(pad + "  type: string\n" + pad + "  x-kubernetes-validations:\n")
            s.append(pad + "  - message: must be a duration\n")
            s.append(pad + "    rule: self.matches('^\\\\d+(ms|s|m|h)$')\n")
        elif kind < .85:
            s.append(pad + "  type: integer\n" + pad + "  format: int32\n" + pad + "  minimum: 0\n")
        else:
            s.append(pad + "  enum:\n" + "".join(pad + "  - %s\n" % w for w in r.sample(WORDS, 4)))
            s.append(pad + "  type: string\n")
        out.append("".join(s))
        budget[0] -= len(out[-1])


def crd(r, group, kind, size, backslashes=True):
    out = []
    schema(r, 14, 0, [size], out, backslashes)
    plural = kind.lower() + "s"
    return ("""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %s.%s
  annotations:
    controller-gen.kubebuilder.io/version: v0.16.1
spec:
  group: %s
  names:
    kind: %s
    listKind: %sList
    plural: %s
    singular: %s
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        description: %s is the Schema for the %s API.
        type: object
        properties:
          spec:
            type: object
            properties:
""" % (plural, group, group, kind, kind, plural, kind.lower(), kind, plural)) + "".join(out)


def dashboard(r, name, size):
    panels, n = [], 0
    while n < size:
        expr = ('sum(rate(http_requests_total{job=~\\"$job\\", code=~\\"5\\\\\\\\d\\\\\\\\d\\"}[5m])) '
                'by (instance) / sum(rate(http_requests_total{job=~\\"$job\\"}[5m]))')
        p = ('{\n      "id": %d,\n      "title": "%s",\n      "type": "timeseries",\n'
             '      "datasource": {"type": "prometheus", "uid": "${datasource}"},\n'
             '      "gridPos": {"h": 8, "w": 12, "x": %d, "y": %d},\n'
             '      "targets": [\n        {\n          "expr": "%s",\n'
             '          "legendFormat": "{{instance}}",\n          "refId": "A"\n        }\n      ],\n'
             '      "description": "%s"\n    }' % (len(panels) + 1, words(r, 3), 12 * (len(panels) % 2),
                                                    8 * len(panels), expr, words(r, 12)))
        panels.append(p)
        n += len(p)
    body = ('{\n  "title": "%s",\n  "uid": "%s",\n  "schemaVersion": 39,\n  "panels": [\n    %s\n  ]\n}'
            % (name, name, ",\n    ".join(panels)))
    data = "\n".join("    " + l for l in body.split("\n"))
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  labels:\n"
            "    grafana_dashboard: \"1\"\ndata:\n  %s.json: |-\n%s\n" % (name, name, data))


def small(r, chart, i):
    name = "%s-%s-%d" % (chart, r.choice(WORDS), i)
    lab = ("  labels:\n    app.kubernetes.io/name: %s\n    app.kubernetes.io/instance: rel\n"
           "    helm.sh/chart: %s-1.2.3\n" % (chart, chart))
    k = r.randrange(10)
    if k == 0:
        return "service.yaml", ("apiVersion: v1\nkind: Service\nmetadata:\n  name: %s\n%sspec:\n  type: ClusterIP\n"
                                "  ports:\n    - port: 80\n      targetPort: http\n      protocol: TCP\n      name: http\n"
                                "  selector:\n    app.kubernetes.io/name: %s\n" % (name, lab, chart))
    if k == 1:
        return "serviceaccount.yaml", ("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: %s\n%s"
                                       "automountServiceAccountToken: false\n" % (name, lab))
    if k == 2:
        return "clusterrole.yaml", ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
                                    "  name: %s\n%srules:\n- apiGroups: [\"\"]\n  resources: [\"pods\", \"services\"]\n"
                                    "  verbs: [\"get\", \"list\", \"watch\"]\n- apiGroups: [\"apps\"]\n"
                                    "  resources: ['deployments']\n  verbs: [get]\n" % (name, lab))
    if k == 3:
        return "rolebinding.yaml", ("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n"
                                    "  name: %s\n%sroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n"
                                    "  name: %s\nsubjects:\n- kind: ServiceAccount\n  name: %s\n  namespace: ns\n"
                                    % (name, lab, name, name))
    if k == 4:
        return "secret.yaml", ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n%stype: Opaque\ndata:\n"
                               "  password: %s\n" % (name, lab, "cGFzc3dvcmQxMjM0NTY3ODkw"))
    if k == 5:
        return "pdb.yaml", ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: %s\n%sspec:\n"
                            "  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n"
                            % (name, lab, chart))
    if k == 6:
        return "servicemonitor.yaml", ("apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n"
                                       "  name: %s\n%sspec:\n  endpoints:\n  - port: http\n    interval: 30s\n"
                                       "    metricRelabelings:\n    - regex: '(.+)_bucket'\n"
                                       "      sourceLabels: [__name__]\n" % (name, lab))
    if k == 7:
        return "ingress.yaml", ("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: %s\n%s"
                                "spec:\n  rules:\n    - host: \"%s.example.com\"\n      http:\n        paths:\n"
                                "          - path: /\n            pathType: Prefix\n            backend:\n"
                                "              service:\n                name: %s\n                port:\n"
                                "                  number: 80\n" % (name, lab, name, name))
    if k == 8:
        return "configmap.yaml", ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n%sdata:\n"
                                  "  config.yaml: |\n    server:\n      port: 8080\n    log:\n      level: info\n"
                                  "  mode: production\n" % (name, lab))
    return "deployment.yaml", ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n%sspec:\n"
                               "  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n"
                               "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: %s\n"
                               "    spec:\n      containers:\n        - name: app\n"
                               "          image: \"example/%s:1.2.3\"\n          args: [\"--port=8080\"]\n"
                               "          ports:\n            - name: http\n              containerPort: 8080\n"
                               "          resources:\n            limits:\n              memory: 256Mi\n"
                               % (name, lab, chart, chart, chart))


def cmf_docs(helm4):
    """The CMF chart's ConfigMap and Deployment as Helm renders them."""
    src = "helm4-chart-hooks" if helm4 else "helm3-chart"
    with open(os.path.join(ROOT, "testdata", "post-render", src, "input.yaml")) as f:
        text = f.read()
    if not text.startswith("---"):
        text = "---\n" + text
    docs = ["---" + d for d in text.split("\n---")[0:] if d.strip()]
    docs[0] = docs[0][3:]
    keep = [d if d.endswith("\n") else d + "\n" for d in docs
            if re.search(r"^kind: (Deployment|ConfigMap)$", d, re.M)]
    return "".join(d if d.startswith("---") else "---\n" + d for d in keep)


CHARTS = ["kube-prometheus-stack", "argo-cd", "cert-manager", "loki", "kong", "airflow", "grafana",
          "ingress-nginx", "external-dns", "velero", "vault", "keda"]


def release(r, o, n_big_crds, big, n_crds, crd_size, n_dash, dash_size, n_small):
    items = []
    for i in range(n_big_crds):
        items.append(("crds.yaml", crd(r, "monitoring.coreos.com", "Thing%d" % i, big), "a"))
    for i in range(n_crds):
        items.append(("crds.yaml", crd(r, "%s.io" % r.choice(CHARTS), "Kind%d" % i,
                                      r.randrange(crd_size // 2, crd_size * 3 // 2)), "a"))
    for i in range(n_dash):
        items.append(("dashboards.yaml", dashboard(r, "dash-%d" % i,
                                                   r.randrange(dash_size // 2, dash_size * 3 // 2)), "b"))
    for i in range(n_small):
        t, body = small(r, r.choice(CHARTS), i)
        items.append((t, body, "c"))
    # Helm orders by kind: CRDs first, then the rest in install order
    items.sort(key=lambda x: x[2])
    cmf_at = len(items) * 2 // 3
    for i, (t, body, _) in enumerate(items):
        if i == cmf_at:
            o.raw(cmf_docs(o.helm4))
        chart = r.choice(CHARTS)
        o.doc(chart, t, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["umbrella", "single", "crd20", "mini"])
    ap.add_argument("--helm4", action="store_true")
    ap.add_argument("--seed", type=int, default=18)
    a = ap.parse_args()
    r = random.Random(a.seed)
    o = Out(a.helm4)
    if a.what == "umbrella":
        release(r, o, 8, 2_400_000, 30, 100_000, 40, 150_000, 920)
    elif a.what == "single":
        release(r, o, 1, 1_800_000, 8, 150_000, 20, 70_000, 150)
    elif a.what == "mini":
        release(r, o, 1, 600_000, 6, 60_000, 8, 60_000, 300)
    else:
        body = crd(r, "example.com", "Huge", 20_000_000, backslashes=False)
        i = body.index("pattern: '", len(body) // 2)
        body = body[:i] + "pattern: '^\\d+$'" + body[body.index("\n", i):]
        o.doc("huge", "crds.yaml", body)
        o.raw(cmf_docs(o.helm4))
    sys.stdout.write("".join(o.parts))
    print("%s: %.1f MB, %d documents" % (a.what, o.size() / 1e6, o.docs), file=sys.stderr)


if __name__ == "__main__":
    main()
