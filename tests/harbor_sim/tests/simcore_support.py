"""Helpers shared by the harbor-sim core tests (imported by name; conftest.py holds only fixtures)."""

from __future__ import annotations

import datetime
import io
import ipaddress
import itertools
import tarfile

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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


def write_self_signed(directory):
    """Write tls.crt (self-signed CA certificate for 127.0.0.1) and tls.key to directory."""
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
    cert_path, key_path = directory / "tls.crt", directory / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def fake_bundle(path, version, yml_version):
    """A .tgz with an offline installer's members in Harbor's order (no real images)."""
    members = [(f"harbor/harbor.{version}.tar.gz", b"images"), ("harbor/prepare", b"#!/bin/sh\n"),
               ("harbor/harbor.yml.tmpl", f"hostname: reg.mydomain.com\n_version: {yml_version}\n".encode())]
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path
