#!/usr/bin/env python3
"""A realistic rendered-manifest stream: N documents (ConfigMaps, Services,
Deployments, Secrets, RBAC) of about 1.2 KB each in Helm 3 form, with the
CMF Deployment in the middle. usage: gen.py N OUT"""
import random, sys

n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
cmf = open(sys.argv[3]).read() if len(sys.argv) > 3 else None
with open(out, "w") as f:
    for i in range(n):
        if i == n // 2:
            f.write(cmf)
            continue
        k = i % 4
        if k == 0:
            f.write("---\n# Source: app/templates/configmap-%d.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-%d\n  labels:\n    app.kubernetes.io/name: app-%d\n    app.kubernetes.io/instance: rel\ndata:\n" % (i, i, i))
            for j in range(18):
                f.write("  key-%02d: \"%s\"\n" % (j, "".join(rng.choice("abcdefghij") for _ in range(40))))
        elif k == 1:
            f.write("---\n# Source: app/templates/service-%d.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  labels:\n    app.kubernetes.io/name: app-%d\nspec:\n  type: ClusterIP\n  selector:\n    app.kubernetes.io/name: app-%d\n  ports:\n" % (i, i, i, i))
            for j in range(12):
                f.write("    - name: port-%d\n      port: %d\n      targetPort: %d\n      protocol: TCP\n" % (j, 8000 + j, 9000 + j))
        elif k == 2:
            f.write("---\n# Source: app/templates/deployment-%d.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker-%d\n  labels:\n    app.kubernetes.io/name: worker-%d\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: worker-%d\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: worker-%d\n    spec:\n      containers:\n        - name: main\n          image: \"registry.example.com/worker:%d.0\"\n          args: [\"--port=8080\", \"--verbose\"]\n          env:\n" % (i, i, i, i, i, i % 50))
            for j in range(8):
                f.write("            - name: VAR_%d\n              value: \"%d\"\n" % (j, j))
        else:
            f.write("---\n# Source: app/templates/role-%d.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: role-%d\nrules:\n" % (i, i))
            for j in range(6):
                f.write("  - apiGroups: [\"\"]\n    resources: [\"configmaps\", \"secrets\", \"pods\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n")
