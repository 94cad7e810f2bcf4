"""Fixtures for the harbor-sim suite: one sim process per test module (fast), admin session helpers."""

from __future__ import annotations

import pytest

from harbor_sim.testing import SimProcess
from simcore_support import ADMIN, Client, write_self_signed


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    proc = SimProcess(tmp_path_factory.mktemp("sim"))
    yield proc
    proc.stop()


@pytest.fixture
def self_signed_tls(tmp_path):
    """A throwaway self-signed CA certificate for 127.0.0.1 and its key, written to tmp_path:
    (cert_path, key_path). The sim serves it with --tls-cert/--tls-key; clients trust it as the CA."""
    return write_self_signed(tmp_path)


@pytest.fixture(scope="module")
def admin(sim):
    return Client(sim.url, ADMIN)


@pytest.fixture(scope="module")
def anon(sim):
    return Client(sim.url, None)


class _FakeRegistryHandler(__import__("http.server").server.BaseHTTPRequestHandler):
    """/open/v2/ answers 200 to anyone; /v2/ needs Basic user:Secr3tPass (else 401 Basic challenge)."""

    def do_GET(self):  # noqa: N802 - http.server API
        import base64

        good = "Basic " + base64.b64encode(b"user:Secr3tPass").decode()
        if self.path.startswith("/open/v2/") or (self.path.startswith("/v2/")
                                                  and self.headers.get("Authorization") == good):
            self.send_response(200)
            self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="fake"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def fake_registry():
    import http.server
    import threading

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeRegistryHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
