"""--tls-cert/--tls-key: the sim serves HTTPS itself (for tests of TLS verification)."""

from __future__ import annotations

import datetime

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harbor_sim.testing import SimProcess


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress

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


def test_https_verification(tmp_path):
    cert, key = _self_signed(tmp_path)
    with SimProcess(tmp_path / "data", extra_args=["--tls-cert", cert, "--tls-key", key]) as sim:
        assert sim.url.startswith("https://")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(sim.url + "/api/v2.0/ping", timeout=10)
        resp = requests.get(sim.url + "/api/v2.0/ping", verify=cert, timeout=10)
        assert resp.text == "Pong"
        info = requests.get(sim.url + "/api/v2.0/systeminfo", verify=cert, auth=("admin", "Harbor12345"),
                            timeout=10).json()
        assert info["external_url"].startswith("https://")
        cookie = requests.get(sim.url + "/api/v2.0/ping", verify=cert, timeout=10).headers["Set-Cookie"]
        assert "Secure" in cookie
