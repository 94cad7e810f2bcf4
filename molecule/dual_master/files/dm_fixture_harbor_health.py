"""TEST FIXTURE ONLY: a stand-in for Harbor's /api/v2.0/ping and /api/v2.0/health on port 80.

Lets the dual_master scenario exercise keepalived and nginx_lb before the harbor role exists.
Answers like Harbor (FACTS.md 2.1/2.2): ping -> 200 text/plain "Pong"; health -> always 200 with
the verdict in the body. The X-Fixture-Node header names the node that answered; X-Fixture-Seen-* echo
the request headers a proxy forwarded.
"""
import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NODE = socket.gethostname()
COMPONENTS = ["core", "database", "jobservice", "portal", "redis", "registry", "registryctl"]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server API)
        if self.path == "/api/v2.0/ping":
            status, ctype, body = 200, "text/plain", b"Pong"
        elif self.path == "/api/v2.0/health":
            doc = {"status": "healthy", "components": [{"name": c, "status": "healthy"} for c in COMPONENTS]}
            status, ctype, body = 200, "application/json", json.dumps(doc, separators=(",", ":")).encode()
        else:
            status, ctype, body = 404, "application/json", b'{"errors":[{"code":"NOT_FOUND","message":"not found"}]}'
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Fixture-Node", NODE)
        # Echo what a proxy in front forwarded, so tests can check the headers Harbor relies on.
        for name in ("Host", "X-Forwarded-Proto", "X-Forwarded-For"):
            self.send_header("X-Fixture-Seen-" + name, self.headers.get(name, "-"))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", 80), Handler).serve_forever()
