#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server, on 127.0.0.1 (a free port),
answering the requests the real kubectl makes for `kubectl get secret NAME
-n NS -o json`, `kubectl get secrets -n NS` and `kubectl get deployments`:
discovery (/version, /api, /apis, /api/v1, /apis/apps/v1), namespaces,
Secrets, Deployments, and Status errors as the real server sends them.
No API server can run here; kubectl itself stays real.

usage: fake-apiserver.py PORTFILE ROOT [LOGFILE]

ROOT/<namespace>/<name>.json     a Secret (as JSON); served with the server's
                                 metadata (uid, resourceVersion, ...) added
ROOT/<namespace>/deployments.json the namespace's DeploymentList
ROOT/<namespace>/FORBIDDEN       every Secret request there answers 403
ROOT/<namespace>/BROKEN          answers 500 with the Secret's data in the
                                 message (to test that it is never echoed)
ROOT/<namespace>/SLOW            answers after 10 seconds
A namespace without a folder does not exist (404 for its Secrets, as the
real server answers). A server URL with a path, http://127.0.0.1:PORT/NAME,
is the same server: the first path segment, when it starts with "ctx-", is
dropped and logged, so that tests can tell which kubeconfig cluster kubectl
used. LOGFILE gets "GET PATH CLUSTER" per request (CLUSTER "-" for none).
The port is written to PORTFILE when the server listens."""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

portfile, root = sys.argv[1], sys.argv[2]
logfile = sys.argv[3] if len(sys.argv) > 3 else None


def status(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return code, body


def served_secret(ns, name, secret):
    """What the API server adds to a stored Secret."""
    s = dict(secret)
    md = dict(s.get("metadata") or {})
    md.pop("creationTimestamp", None)
    md.update({"name": name, "namespace": ns, "uid": "6f1c3b7e-8d4a-4f0e-9a51-%012d" % len(name),
               "resourceVersion": "4242", "creationTimestamp": "2026-01-01T00:00:00Z"})
    s["metadata"] = md
    s.setdefault("type", "Opaque")
    return s


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path, cluster = self.path, "-"
        if path.startswith("/ctx-"):
            cluster, _, rest = path[1:].partition("/")
            path = "/" + rest
        if logfile:
            with open(logfile, "a") as fh:
                fh.write("GET %s %s\n" % (path, cluster))
        p = path.split("?")[0]
        if p == "/version":
            return self.send(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0",
                                   "platform": "linux/amd64"})
        if p == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"],
                                   "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                                   "serverAddress": "127.0.0.1"}]})
        if p == "/apis":
            return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]})
        if p == "/apis/apps/v1":
            return self.send(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1",
                                   "resources": [{"name": "deployments", "singularName": "deployment",
                                                  "namespaced": True, "kind": "Deployment",
                                                  "verbs": ["get", "list"], "shortNames": ["deploy"]}]})
        if p == "/api/v1":
            return self.send(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret",
                 "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]},
                {"name": "namespaces", "singularName": "namespace", "namespaced": False,
                 "kind": "Namespace", "verbs": ["get", "list"], "shortNames": ["ns"]}]})
        parts = p.strip("/").split("/")
        # /api/v1/namespaces/NS
        if len(parts) == 4 and parts[:3] == ["api", "v1", "namespaces"]:
            ns = parts[3]
            if os.path.isdir(os.path.join(root, ns)):
                return self.send(200, {"kind": "Namespace", "apiVersion": "v1",
                                       "metadata": {"name": ns}, "status": {"phase": "Active"}})
            return self.send(*status(404, "NotFound", 'namespaces "%s" not found' % ns,
                                     {"name": ns, "kind": "namespaces"}))
        if len(parts) == 6 and parts[:4] == ["apis", "apps", "v1", "namespaces"] and parts[5] == "deployments":
            f = os.path.join(root, parts[4], "deployments.json")
            if os.path.exists(f):
                with open(f) as fh:
                    return self.send(200, json.load(fh))
            return self.send(200, {"kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {}, "items": []})
        # /api/v1/namespaces/NS/secrets[/NAME]
        if len(parts) in (5, 6) and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "secrets":
            ns = parts[3]
            name = parts[5] if len(parts) == 6 else None
            d = os.path.join(root, ns)
            if os.path.exists(os.path.join(d, "FORBIDDEN")):
                what = 'secrets "%s"' % name if name else "secrets"
                return self.send(*status(403, "Forbidden",
                    '%s is forbidden: User "system:serviceaccount:ci:lint" cannot %s resource "secrets" '
                    'in API group "" in the namespace "%s"' % (what, "get" if name else "list", ns),
                    {"name": name or "", "kind": "secrets"}))
            if os.path.exists(os.path.join(d, "SLOW")):
                time.sleep(10)
            if name is None:
                items = []
                if os.path.isdir(d):
                    for f in sorted(os.listdir(d)):
                        if f.endswith(".json") and f != "deployments.json":
                            with open(os.path.join(d, f)) as fh:
                                items.append(served_secret(ns, f[:-5], json.load(fh)))
                for i in items:
                    i.pop("apiVersion", None)
                    i.pop("kind", None)
                return self.send(200, {"kind": "SecretList", "apiVersion": "v1",
                                       "metadata": {"resourceVersion": "4242"}, "items": items})
            f = os.path.join(d, name + ".json")
            if os.path.exists(f):
                with open(f) as fh:
                    secret = json.load(fh)
                if os.path.exists(os.path.join(d, "BROKEN")):
                    return self.send(*status(500, "InternalError",
                        "an error on the server (\"stored object %s\") has prevented the request "
                        "from succeeding" % json.dumps(secret.get("data"))))
                return self.send(200, served_secret(ns, name, secret))
            return self.send(*status(404, "NotFound", 'secrets "%s" not found' % name,
                                     {"name": name, "kind": "secrets"}))
        return self.send(*status(404, "NotFound", "the server could not find the requested resource"))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # kubectl hanging up on a slow answer is part of the tests


srv = Server(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as fh:
    fh.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.timeout = 1
deadline = time.time() + 900   # never outlive a test run
while time.time() < deadline:
    srv.handle_request()
