#!/usr/bin/env python3
"""A realistic rendered release for the post-render benchmark: N manifests
in Helm 3 form (`---` then `# Source:`), the mix a large umbrella chart
renders (Deployments, Services, ConfigMaps with embedded files,
ServiceAccounts, RBAC, Secrets, Ingresses, HPAs, PDBs), about 1.2 KB each,
with the CMF Deployment (the CMF chart's shape) in the middle.
    gen.py N > stream.yaml
"""
import random
import sys

CMF = """---
# Source: confluent-manager-for-apache-flink/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: confluent-manager-for-apache-flink
  labels:
    app.kubernetes.io/name: confluent-manager-for-apache-flink
    app.kubernetes.io/instance: rel
    helm.sh/chart: confluent-manager-for-apache-flink-2.0.3
spec:
  replicas: 1
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app.kubernetes.io/name: confluent-manager-for-apache-flink
      app.kubernetes.io/instance: rel
  template:
    metadata:
      labels:
        app.kubernetes.io/name: confluent-manager-for-apache-flink
        app.kubernetes.io/instance: rel
    spec:
      serviceAccountName: confluent-manager-for-apache-flink
      securityContext:
        fsGroup: 1001
        runAsNonRoot: true
        runAsUser: 1001
      containers:
        - name: cmf
          image: "confluentinc/cp-cmf:2.0.3"
          imagePullPolicy: IfNotPresent
          args: ["/opt/config/cmf-config.yaml", "-Xmx512m"]
          ports:
            - name: api-port
              containerPort: 8080
          env:
            - name: CONFLUENT_LICENSE
              valueFrom:
                secretKeyRef:
                  name: cmf-license
                  key: license.txt
                  optional: true
          resources:
            limits:
              cpu: 2
              memory: 1024Mi
          volumeMounts:
            - name: cmf-config
              mountPath: /opt/config
            - name: cmf-storage
              mountPath: /app/local
      volumes:
        - name: cmf-config
          configMap:
            name: cmf-config
        - name: cmf-storage
          persistentVolumeClaim:
            claimName: confluent-manager-for-apache-flink-pvc
"""


def labels(r, app, ind):
    p = " " * ind
    return (f"{p}app.kubernetes.io/name: {app}\n{p}app.kubernetes.io/instance: rel\n"
            f"{p}app.kubernetes.io/version: \"{r.randrange(10)}.{r.randrange(30)}.{r.randrange(10)}\"\n"
            f"{p}app.kubernetes.io/component: {app.split('-')[-1]}\n{p}app.kubernetes.io/part-of: umbrella\n"
            f"{p}app.kubernetes.io/managed-by: Helm\n{p}helm.sh/chart: {app}-1.{r.randrange(20)}.{r.randrange(9)}\n"
            f"{p}team: platform-{r.randrange(12)}\n{p}cost-center: \"{r.randrange(10000, 99999)}\"\n")


def deployment(r, i, app):
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  labels:\n{labels(r, app, 4)}"
            f"spec:\n  replicas: {r.randrange(1, 5)}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n"
            f"  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {app}\n"
            f"      annotations:\n        checksum/config: {r.getrandbits(256):064x}\n"
            f"        prometheus.io/scrape: \"true\"\n        prometheus.io/port: \"9090\"\n    spec:\n"
            f"      serviceAccountName: {app}\n      containers:\n        - name: {app}\n"
            f"          image: \"registry.example.com/{app}:{r.randrange(100)}.{r.randrange(100)}\"\n"
            f"          ports:\n            - containerPort: {8000 + r.randrange(1000)}\n"
            f"          env:\n            - name: LOG_LEVEL\n              value: info\n"
            f"            - name: POD_NAME\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name\n"
            f"            - name: JAVA_OPTS\n              value: \"-Xms256m -Xmx{r.randrange(1, 8)}g -XX:+UseG1GC\"\n"
            f"          livenessProbe:\n            httpGet:\n              path: /healthz\n              port: http\n"
            f"            initialDelaySeconds: 30\n            periodSeconds: 10\n"
            f"          readinessProbe:\n            httpGet:\n              path: /ready\n              port: http\n"
            f"          resources:\n            requests:\n              cpu: 100m\n              memory: 128Mi\n"
            f"          volumeMounts:\n            - name: config\n              mountPath: /etc/{app}\n"
            f"      tolerations:\n        - key: dedicated\n          operator: Equal\n          value: {app.split('-')[0]}\n"
            f"          effect: NoSchedule\n"
            f"      volumes:\n        - name: config\n          configMap:\n            name: {app}\n")


def service(r, i, app):
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {app}\n  labels:\n{labels(r, app, 4)}"
            f"  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-internal: \"true\"\n"
            f"spec:\n  type: ClusterIP\n  ports:\n    - port: 80\n      targetPort: http\n      protocol: TCP\n"
            f"      name: http\n  selector:\n    app.kubernetes.io/name: {app}\n")


def configmap(r, i, app):
    lines = "".join(f"    key{k} = {r.getrandbits(64):x}\n" for k in range(r.randrange(30, 60)))
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {app}\n  labels:\n{labels(r, app, 4)}"
            f"data:\n  app.properties: |\n{lines}  extra.yaml: |\n    ---\n    nested: document\n")


def serviceaccount(r, i, app):
    return (f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {app}\n  labels:\n{labels(r, app, 4)}"
            f"  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::{r.randrange(10**11, 10**12)}:role/{app}\n"
            f"automountServiceAccountToken: false\n")


def role(r, i, app):
    return (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: {app}\n  labels:\n{labels(r, app, 4)}"
            f"rules:\n  - apiGroups: [\"\"]\n    resources: [\"configmaps\", \"secrets\"]\n    verbs: [\"get\", \"list\", \"watch\"]\n"
            f"---\n# Source: umbrella/charts/{app}/templates/rolebinding.yaml\n"
            f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: {app}\nroleRef:\n"
            f"  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: {app}\nsubjects:\n"
            f"  - kind: ServiceAccount\n    name: {app}\n")


def secret(r, i, app):
    return (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {app}-tls\n  labels:\n{labels(r, app, 4)}type: kubernetes.io/tls\ndata:\n"
            f"  tls.crt: {r.getrandbits(600):0150x}\n  tls.key: {r.getrandbits(400):0100x}\n")


def ingress(r, i, app):
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {app}\n  labels:\n{labels(r, app, 4)}  annotations:\n"
            f"    nginx.ingress.kubernetes.io/rewrite-target: /\nspec:\n  rules:\n    - host: {app}.example.com\n"
            f"      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n"
            f"              service:\n                name: {app}\n                port:\n                  number: 80\n")


def hpa(r, i, app):
    return (f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {app}\n  labels:\n{labels(r, app, 4)}spec:\n"
            f"  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {app}\n"
            f"  minReplicas: 1\n  maxReplicas: 10\n  metrics:\n    - type: Resource\n      resource:\n"
            f"        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 80\n")


KINDS = [(deployment, 3), (service, 3), (configmap, 3), (serviceaccount, 2), (role, 1), (secret, 1),
         (ingress, 1), (hpa, 1)]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    r = random.Random(42)
    pool = [f for f, w in KINDS for _ in range(w)]
    out = sys.stdout
    made = 0
    i = 0
    while made < n:
        if made == n // 2:
            out.write(CMF)
            made += 1
            continue
        f = r.choice(pool)
        app = f"svc{i}-{f.__name__}"
        out.write(f"---\n# Source: umbrella/charts/svc{i % 997}/templates/{f.__name__}.yaml\n")
        out.write(f(r, i, app))
        made += 2 if f is role else 1
        i += 1


if __name__ == "__main__":
    main()
