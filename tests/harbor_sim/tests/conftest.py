"""Fixtures for the harbor-sim suite: one sim process per test module (fast), admin session helpers."""

from __future__ import annotations

import itertools

import pytest
import requests

from harbor_sim.testing import SimProcess

ADMIN = ("admin", "Harbor12345")
_counter = itertools.count()


class Client:
    """requests without a cookie jar (like the Ansible modules), rooted at /api/v2.0."""

    def __init__(self, base, auth=None):
        self.base = base
        self.auth = auth

    def request(self, method, path, **kwargs):
        kwargs.setdefault("auth", self.auth)
        kwargs.setdefault("timeout", 30)
        url = path if path.startswith("http") else (
            self.base + (path if path.startswith("/_sim") or path.startswith("/v2") or path.startswith("/service")
                         else "/api/v2.0" + path))
        return requests.request(method, url, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def as_user(self, user, password):
        return Client(self.base, (user, password))


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    proc = SimProcess(tmp_path_factory.mktemp("sim"))
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def admin(sim):
    return Client(sim.url, ADMIN)


@pytest.fixture(scope="module")
def anon(sim):
    return Client(sim.url, None)


def unique(prefix="x"):
    return f"{prefix}{next(_counter)}"


def error_of(resp):
    body = resp.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1, resp.text
    return body["errors"][0]["code"], body["errors"][0]["message"]


def make_user(admin, name=None, password="Passw0rd1", sysadmin=False):
    name = name or unique("user")
    resp = admin.post("/users", json={"username": name, "email": f"{name}@example.com", "realname": name.title(),
                                      "password": password, "comment": "test"})
    assert resp.status_code == 201, resp.text
    uid = int(resp.headers["Location"].rsplit("/", 1)[1])
    if sysadmin:
        assert admin.put(f"/users/{uid}/sysadmin", json={"sysadmin_flag": True}).status_code == 200
    return uid, admin.as_user(name, password)


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
