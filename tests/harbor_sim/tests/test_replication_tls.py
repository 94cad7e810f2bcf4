"""Replication to a sim served over HTTPS with a self-signed certificate: the endpoint's
ca_certificate is what makes it trusted (verification on by default, insecure not needed)."""

import datetime
import ipaddress

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dataplane_support import (ADMIN, API, make_oci_layout, skopeo, skopeo_inspect_digest,
                               wait_for)
from harbor_sim.testing import SimProcess

pytestmark = pytest.mark.slow


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "simdata-tls")])
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


def test_event_replication_to_https_peer_needs_its_ca(tmp_path):
    cert, key = _self_signed(tmp_path)
    pem = open(cert, encoding="ascii").read()
    with SimProcess(str(tmp_path / "a")) as a, \
            SimProcess(str(tmp_path / "b"), extra_args=["--tls-cert", cert, "--tls-key", key]) as b:
        def post(path, body):
            return requests.post(a.url + API + path, json=body, auth=ADMIN, timeout=60)

        endpoint = {"name": "tls-b", "type": "harbor", "url": b.url,
                    "credential": {"type": "basic", "access_key": ADMIN[0], "access_secret": ADMIN[1]}}
        refused = post("/registries", endpoint)
        assert refused.status_code == 400 and "unhealthy" in refused.text  # self-signed, no CA
        created = post("/registries", dict(endpoint, ca_certificate=pem))
        assert created.status_code == 201, created.text
        reg_id = int(created.headers["Location"].rsplit("/", 1)[1])
        assert post("/replication/policies", {
            "name": "to-tls", "src_registry": {"id": 0}, "dest_registry": {"id": reg_id},
            "trigger": {"type": "event_based"}, "enabled": True,
            "filters": [{"type": "name", "value": "library/secure"}]}).status_code == 201
        layout = tmp_path / "oci"
        digest = make_oci_layout(str(layout))
        skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"{ADMIN[0]}:{ADMIN[1]}",
               f"oci:{layout}:v1", f"docker://{a.url.split('://')[1]}/library/secure:v1")

        def on_b():
            resp = requests.get(b.url + API + "/projects/library/repositories/secure/artifacts",
                                auth=ADMIN, verify=cert, timeout=10)
            return resp.status_code == 200 and [x["digest"] for x in resp.json()]
        # B's own registry reports the push to B over HTTPS as well (it trusts B's certificate)
        assert wait_for(on_b, 30, what="library/secure on B") == [digest]
        assert skopeo_inspect_digest(f"{b.url.split('://')[1]}/library/secure:v1", ADMIN) == digest
