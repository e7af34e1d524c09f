#!/usr/bin/env python3
"""A stand-in for the Kubernetes API server, on 127.0.0.1, that answers the
requests the real kubectl makes for `kubectl get secret NAME -n NS -o json`:
discovery (/version, /api, /apis, /api/v1), the Secret, and Status errors.
No API server can run here; kubectl itself stays real.

usage: fake-apiserver.py PORTFILE SECRETS_DIR
Secrets are files SECRETS_DIR/<namespace>/<name>.json (a Secret as JSON);
SECRETS_DIR/<namespace>/deployments.json is the Deployment list of that
namespace. A namespace folder holding a file named FORBIDDEN answers 403."""
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

portfile, root = sys.argv[1], sys.argv[2]

def status(code, reason, message):
    return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}

class H(BaseHTTPRequestHandler):
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
        p = self.path.split("?")[0]
        if p == "/version":
            return self.send(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0"})
        if p == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"],
                                   "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if p == "/apis":
            return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]})
        if p == "/apis/apps/v1":
            return self.send(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "apps/v1", "resources": [
                {"name": "deployments", "singularName": "deployment", "namespaced": True, "kind": "Deployment",
                 "verbs": ["get", "list"], "shortNames": ["deploy"]}]})
        if p == "/api/v1":
            return self.send(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret",
                 "verbs": ["get", "list"], "shortNames": []},
                {"name": "namespaces", "singularName": "namespace", "namespaced": False, "kind": "Namespace",
                 "verbs": ["get", "list"]}]})
        parts = p.strip("/").split("/")
        if len(parts) == 6 and parts[:4] == ["apis", "apps", "v1", "namespaces"] and parts[5] == "deployments":
            f = os.path.join(root, parts[4], "deployments.json")
            if os.path.exists(f):
                with open(f) as fh:
                    return self.send(200, json.load(fh))
            return self.send(200, {"kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {}, "items": []})
        if len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "secrets":
            ns, name = parts[3], parts[5]
            if os.path.exists(os.path.join(root, ns, "FORBIDDEN")):
                return self.send(*status(403, "Forbidden",
                    'secrets "%s" is forbidden: User "system:serviceaccount:ci:lint" cannot get resource "secrets" in API group "" in the namespace "%s"' % (name, ns)))
            f = os.path.join(root, ns, name + ".json")
            if os.path.exists(f):
                with open(f) as fh:
                    return self.send(200, json.load(fh))
            return self.send(*status(404, "NotFound", 'secrets "%s" not found' % name))
        return self.send(*status(404, "NotFound", "the server could not find the requested resource"))

srv = HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as fh:
    fh.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.timeout = 1
import time
deadline = time.time() + 600   # never outlive a test run
while time.time() < deadline:
    srv.handle_request()
