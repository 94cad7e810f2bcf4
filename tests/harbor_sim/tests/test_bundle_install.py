"""The offline bundle installs inside a lab host the way the harbor role runs it
(unpack, harbor.yml, ./install.sh) and serves Harbor's API over https with the configured
certificate, verified against a CA made here.

The lab host is a systemd container from harborops/lab:latest with docker.io + docker-compose
(a derived image, cached by its recipe) on network 172.30.4.0/24, started by the project's lab
launcher (lab/lab_hosts.py), which gives it a docker volume at /var/lib/docker so the inner engine
uses overlay2 instead of copying every image layer (vfs).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import pathlib
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid

import pytest
import yaml

from dataplane_support import wait_for

pytestmark = pytest.mark.containers

REPO = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "lab"))
import lab_hosts  # noqa: E402  (the project's one lab launcher)

BUNDLE_DIR = REPO / "build" / "bundle"
BUNDLE = BUNDLE_DIR / "harbor-offline-installer-v2.15.2-sim.1.tgz"
NETWORK, SUBNET = "bundle-net", "172.30.4.0/24"
HOSTNAME = "bundle-harbor.lab"
ADMIN_PW = "Bundle-Adm1n-pw"
DOCKER_HOST_RECIPE = """FROM harborops/lab:latest
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io docker-compose \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
"""


def sh(*args, check=True, timeout=900, **kw):
    return subprocess.run(args, check=check, timeout=timeout, capture_output=True, text=True, **kw)


def in_host(name, script, check=True, timeout=900):
    res = subprocess.run(["docker", "exec", name, "bash", "-c", script], capture_output=True, text=True,
                         timeout=timeout)
    if check and res.returncode != 0:
        raise AssertionError(f"{script!r} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


def make_pki(directory: pathlib.Path, cn: str):
    """A CA and a server certificate for `cn` signed by it; returns (ca.pem, server.crt, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"bundle test CA {cn}")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = (directory / "ca.pem", directory / "server.crt", directory / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def https_get(ip, path, cafile, port=443, auth=None):
    """GET over TLS to `ip`, verifying the certificate for HOSTNAME against `cafile` only."""
    ctx = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection((ip, port), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname=HOSTNAME) as tls:
            return _http_exchange(tls, path, auth)


def http_get(ip, path, port=80):
    with socket.create_connection((ip, port), timeout=20) as raw:
        return _http_exchange(raw, path, None)


def _http_exchange(sock, path, auth):
    headers = f"GET {path} HTTP/1.1\r\nHost: {HOSTNAME}\r\nConnection: close\r\n"
    if auth:
        headers += "Authorization: Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() + "\r\n"
    sock.sendall((headers + "\r\n").encode())
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if hdrs.get("transfer-encoding") == "chunked":
        out, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2:]
        body = out
    return status, hdrs, body.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def bundle():
    if not shutil.which("docker"):
        pytest.fail("docker is required for the bundle test (make docker-engine)")
    start = time.monotonic()
    sh("make", "-C", str(REPO), "--no-print-directory", "sim-bundle", timeout=1800)
    print(f"\nbundle: make sim-bundle took {time.monotonic() - start:.0f}s")
    assert BUNDLE.is_file()
    return BUNDLE


@pytest.fixture(scope="module")
def docker_host_image():
    tag = "harborops/bundle-docker-host:" + hashlib.sha256(DOCKER_HOST_RECIPE.encode()).hexdigest()[:12]
    if sh("docker", "image", "inspect", tag, check=False).returncode != 0:
        subprocess.run(["docker", "build", "-q", "-t", tag, "-"], input=DOCKER_HOST_RECIPE, text=True,
                       check=True, capture_output=True, timeout=900)
    return tag


@pytest.fixture(scope="module")
def lab_host(bundle, docker_host_image, tmp_path_factory):
    suffix = uuid.uuid4().hex[:6]
    name, label = f"bundle-host-{suffix}", f"org.harborops.lab=bundle-{suffix}"
    host = {"name": name, "hostname": HOSTNAME, "image": docker_host_image, "networks": [{"name": NETWORK}]}
    try:
        lab_hosts.up([host], [{"name": NETWORK, "subnet": SUBNET}], label)
        ip = json.loads(sh("docker", "inspect", name).stdout)[0]["NetworkSettings"]["Networks"][NETWORK]["IPAddress"]
        wait_for(lambda: in_host(name, "docker info >/dev/null 2>&1", check=False).returncode == 0,
                 timeout=120, interval=2.0, what="docker inside the lab host")
        yield {"name": name, "ip": ip, "pki": tmp_path_factory.mktemp("pki")}
    finally:
        if sh("docker", "inspect", name, check=False).returncode == 0:
            in_host(name, "cd /opt/harbor/harbor 2>/dev/null && docker-compose down -v >/dev/null 2>&1 || true",
                    check=False, timeout=180)
        lab_hosts.down(label)


def harbor_yml(data_volume="/data"):
    with open(REPO / "tests/harbor_sim/bundle/installer/harbor.yml.tmpl", encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    cfg.update(hostname=HOSTNAME, harbor_admin_password=ADMIN_PW, data_volume=data_volume)
    cfg["https"].update(certificate="/etc/harbor/tls/server.crt", private_key="/etc/harbor/tls/server.key")
    cfg["database"]["password"] = "Bundle-db-pw"
    return yaml.safe_dump(cfg, sort_keys=False)


@pytest.fixture(scope="module")
def installed(lab_host):
    name, pki = lab_host["name"], lab_host["pki"]
    ca, crt, key = make_pki(pki, HOSTNAME)
    in_host(name, "mkdir -p /etc/harbor/tls /opt/harbor")
    for src, dest in ((crt, "server.crt"), (key, "server.key"), (BUNDLE, "/opt/harbor/bundle.tgz")):
        sh("docker", "cp", str(src), f"{name}:{dest if dest.startswith('/') else '/etc/harbor/tls/' + dest}")
    (pki / "harbor.yml").write_text(harbor_yml())
    sh("docker", "cp", str(pki / "harbor.yml"), f"{name}:/opt/harbor/harbor.yml")
    start = time.monotonic()
    res = in_host(name, "set -e; cd /opt/harbor && tar xzf bundle.tgz && cp harbor.yml harbor/harbor.yml "
                        "&& cd harbor && ./install.sh", timeout=900)
    lab_host["install_seconds"] = time.monotonic() - start
    lab_host["install_output"] = res.stdout
    lab_host["ca"] = ca
    print(f"\nbundle: unpack + install.sh took {lab_host['install_seconds']:.0f}s")
    return lab_host


def container_health(name):
    out = in_host(name, "docker ps -a --format '{{.Names}} {{.Status}}'", check=False).stdout
    return dict(line.split(" ", 1) for line in out.strip().splitlines() if line)


def test_install_sh_succeeds_with_harbor_layout(installed):
    listing = in_host(installed["name"], "tar tzf /opt/harbor/bundle.tgz").stdout.split()
    assert sorted(listing) == sorted(["harbor/", "harbor/harbor.v2.15.2-sim.1.tar.gz", "harbor/prepare",
                                      "harbor/install.sh", "harbor/common.sh", "harbor/LICENSE",
                                      "harbor/harbor.yml.tmpl"])
    assert "Harbor has been installed and started successfully." in installed["install_output"]
    assert not in_host(installed["name"], "test -e /opt/harbor/harbor/input", check=False).returncode == 0


def test_all_containers_become_healthy(installed):
    expected = {"nginx", "harbor-core", "registry", "harbor-db", "redis"}

    def healthy():
        status = container_health(installed["name"])
        return set(status) == expected and all("(healthy)" in s for s in status.values()) and status

    start = time.monotonic()
    wait_for(healthy, timeout=240, interval=3, what="healthy containers")
    print(f"\nbundle: containers healthy {time.monotonic() - start:.0f}s after install.sh returned")


def test_api_over_tls_verified_with_the_ca(installed):
    ip, ca = installed["ip"], installed["ca"]
    status, hdrs, body = https_get(ip, "/api/v2.0/ping", ca)
    assert (status, body) == (200, "Pong")

    def health():
        status, _, body = https_get(ip, "/api/v2.0/health", ca)
        doc = json.loads(body)
        return status == 200 and doc["status"] == "healthy" and doc

    doc = wait_for(health, timeout=120, interval=3, what="health status healthy")
    assert {"core", "database", "redis", "registry"} <= {c["name"] for c in doc["components"]}
    status, _, body = https_get(ip, "/api/v2.0/systeminfo", ca, auth=("admin", ADMIN_PW))
    assert status == 200
    info = json.loads(body)
    assert info["harbor_version"] == "v2.15.2-sim.1"
    assert info["external_url"] == f"https://{HOSTNAME}"
    status, _, _ = https_get(ip, "/api/v2.0/users/current", ca, auth=("admin", "Harbor12345"))
    assert status == 401, "the configured admin password, not Harbor's default, must be in effect"


def test_tls_fails_with_another_ca(installed, tmp_path):
    other_ca, _, _ = make_pki(tmp_path, HOSTNAME)
    with pytest.raises(ssl.SSLCertVerificationError):
        https_get(installed["ip"], "/api/v2.0/ping", other_ca)


def test_http_redirects_to_https(installed):
    status, hdrs, _ = http_get(installed["ip"], "/api/v2.0/ping")
    assert status == 308
    assert hdrs["location"] == f"https://{HOSTNAME}/api/v2.0/ping"


def test_push_and_pull_through_nginx_with_token_auth(installed):
    """docker inside the lab host logs in, pushes and pulls via https://bundle-harbor (token auth,
    registry behind core behind nginx), and the sim lists the artifact (registry notification)."""
    name = installed["name"]
    sh("docker", "cp", str(installed["ca"]), f"{name}:/tmp/ca.crt")
    in_host(name, f"mkdir -p /etc/docker/certs.d/{HOSTNAME} && cp /tmp/ca.crt /etc/docker/certs.d/{HOSTNAME}/ca.crt")
    in_host(name, "set -e; d=$(mktemp -d); echo bundle > $d/hello.txt; tar -C $d -c . | "
                  f"docker import - {HOSTNAME}/library/hello:v1 >/dev/null")
    in_host(name, f"echo '{ADMIN_PW}' | docker login -u admin --password-stdin {HOSTNAME} >/dev/null")
    push = in_host(name, f"docker push {HOSTNAME}/library/hello:v1", timeout=300)
    assert "digest: sha256:" in push.stdout
    in_host(name, f"docker rmi {HOSTNAME}/library/hello:v1 >/dev/null && docker pull {HOSTNAME}/library/hello:v1")

    def listed():
        status, _, body = https_get(installed["ip"], "/api/v2.0/projects/library/repositories/hello/artifacts",
                                    installed["ca"], auth=("admin", ADMIN_PW))
        return status == 200 and any(t["name"] == "v1" for a in json.loads(body) for t in (a.get("tags") or []))

    wait_for(listed, timeout=30, interval=2.0, what="artifact listed")


def test_rerun_keeps_keys_and_data(installed):
    """install.sh again (what the role does after a config change): key files and the pushed
    image survive; per-run secrets are regenerated."""
    name = installed["name"]
    files = "/data/secret/keys/secretkey /data/secret/core/private_key.pem /data/secret/registry/root.crt"
    before = in_host(name, f"sha256sum {files}").stdout
    csrf = in_host(name, "grep ^CSRF_KEY= /opt/harbor/harbor/common/config/core/env").stdout
    res = in_host(name, "cd /opt/harbor/harbor && ./install.sh", timeout=900)
    assert "Harbor has been installed and started successfully." in res.stdout
    assert in_host(name, f"sha256sum {files}").stdout == before
    assert in_host(name, "grep ^CSRF_KEY= /opt/harbor/harbor/common/config/core/env").stdout != csrf
    wait_for(lambda: _ping_ok(installed), timeout=120, interval=2, what="ping after reinstall")
    in_host(name, f"docker rmi {HOSTNAME}/library/hello:v1 >/dev/null && docker pull {HOSTNAME}/library/hello:v1",
            timeout=300)


def _ping_ok(installed):
    try:
        return https_get(installed["ip"], "/api/v2.0/ping", installed["ca"])[2] == "Pong"
    except OSError:
        return False


def test_install_sh_flags(installed):
    name = installed["name"]
    res = in_host(name, "cd /opt/harbor/harbor && ./install.sh --help")
    assert "--with-trivy" in res.stdout
    res = in_host(name, "cd /opt/harbor/harbor && ./install.sh --with-notary", check=False)
    assert res.returncode == 1 and "Usage" in res.stdout
