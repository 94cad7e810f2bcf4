"""Fixtures for the harbor-sim suite: one sim process per test module (fast), admin session helpers."""

from __future__ import annotations

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harbor_sim.testing import SimProcess
from simcore_support import ADMIN, Client


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    proc = SimProcess(tmp_path_factory.mktemp("sim"))
    yield proc
    proc.stop()


@pytest.fixture
def self_signed_tls(tmp_path):
    """A throwaway self-signed CA certificate for 127.0.0.1 and its key, written to tmp_path:
    (cert_path, key_path). The sim serves it with --tls-cert/--tls-key; clients trust it as the CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "harbor-sim-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


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
