"""harbor-sim on a PostgreSQL that only accepts TLS (hostssl), as harborops.ha.postgresql runs it:
external_database.ssl_mode verify-ca is verified against the trust store Harbor's containers
build from /harbor_cust_cert (install_cert.sh; storage_service.ca_bundle lands there)."""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd

import psycopg
import pytest
import requests

from harbor_sim.testing import SimProcess

from pgcluster import PgCluster, pg_bindir

pytestmark = [pytest.mark.sim, pytest.mark.skipif(pg_bindir() is None, reason="PostgreSQL server not installed")]


def _pki(directory):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject, issuer, key, signer, ca):
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=2))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("db.test"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = build(ca_name, ca_name, ca_key, ca_key, True)
    cert = build(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "db.test")]), ca_name, key, ca_key, False)
    pem = serialization.Encoding.PEM
    files = {"ca.crt": ca.public_bytes(pem), "server.crt": cert.public_bytes(pem),
             "server.key": key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())}
    for name, data in files.items():
        with open(os.path.join(directory, name), "wb") as fh:
            fh.write(data)
    return {name: os.path.join(directory, name) for name in files}


@pytest.fixture(scope="module")
def tls_pg():
    cluster = PgCluster()
    try:
        files = _pki(cluster.root)
        if cluster.user:
            pw = pwd.getpwnam(cluster.user)
            for path in files.values():
                os.chown(path, pw.pw_uid, pw.pw_gid)
        os.chmod(files["server.key"], 0o600)
        with open(os.path.join(cluster.datadir, "postgresql.conf"), "a", encoding="utf-8") as fh:
            fh.write(f"ssl = on\nssl_cert_file = '{files['server.crt']}'\nssl_key_file = '{files['server.key']}'\n")
        with open(os.path.join(cluster.datadir, "pg_hba.conf"), "w", encoding="utf-8") as fh:
            fh.write("local all all trust\nhostssl all all 127.0.0.1/32 trust\n")
        cluster.start()
        yield cluster, files
    finally:
        cluster.destroy()


def _database_status(tmp_path, url, trust_dir=None):
    extra = ["--database-url", url] + (["--trust-ca-dir", trust_dir] if trust_dir else [])
    with SimProcess(tmp_path, extra_args=extra) as sim:
        body = requests.get(sim.url + "/api/v2.0/health", timeout=30).json()
        return next(c for c in body["components"] if c["name"] == "database")


def test_plain_text_connection_is_refused(tls_pg):
    cluster, _files = tls_pg
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(cluster.url + "?sslmode=disable", connect_timeout=5)


def test_verify_ca_with_the_ca_in_trust_certificates(tls_pg, tmp_path):
    cluster, files = tls_pg
    trust = tmp_path / "trust-certificates"
    trust.mkdir()
    (trust / "storage_ca_bundle.crt").write_bytes(open(files["ca.crt"], "rb").read())
    status = _database_status(tmp_path / "sim", cluster.url + "?sslmode=verify-ca", str(trust))
    assert status == {"name": "database", "status": "healthy"}, status


def test_verify_ca_without_the_ca_is_refused(tls_pg, tmp_path):
    """Nothing in trust-certificates: the server's certificate is unknown, the sim (Harbor) cannot
    use its database."""
    cluster, _files = tls_pg
    try:
        status = _database_status(tmp_path / "sim", cluster.url + "?sslmode=verify-ca")
    except Exception:  # noqa: BLE001 - a sim that cannot start on its database is the refusal too
        log = (tmp_path / "sim" / "harbor-sim.log").read_text(encoding="utf-8", errors="replace")
        assert "certificate verify failed" in log, log[-2000:]
        return
    assert status["status"] == "unhealthy", status
