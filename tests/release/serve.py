#!/usr/bin/env python3
"""Serve a folder on 127.0.0.1 with a gzip content type for .tar.gz/.tgz,
as Helm 3's plugin installer needs. usage: serve.py DIR PORTFILE"""
import os, sys, time
from http.server import SimpleHTTPRequestHandler, HTTPServer
from functools import partial

class H(SimpleHTTPRequestHandler):
    def guess_type(self, path):
        if path.endswith((".tar.gz", ".tgz")):
            return "application/gzip"
        return super().guess_type(path)
    def log_message(self, *a):
        pass

srv = HTTPServer(("127.0.0.1", 0), partial(H, directory=sys.argv[1]))
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.timeout = 1
end = time.time() + 600
while time.time() < end:
    srv.handle_request()
