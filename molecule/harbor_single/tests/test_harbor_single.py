"""Harbor installed by the harbor role from the sim bundle: containers, files, API over TLS."""

import json

import pytest

testinfra_hosts = ["ansible://harbor"]
CONTAINERS = ["nginx", "harbor-core", "registry", "harbor-db", "redis"]


@pytest.mark.parametrize("name", CONTAINERS)
def test_container_running_and_healthy(host, name):
    out = host.check_output("docker inspect --format '{{.State.Status}} {{.State.Health.Status}}' %s", name)
    assert out == "running healthy"


def test_install_layout(host):
    current = host.file("/opt/harbor/current")
    assert current.is_symlink
    assert current.linked_to == "/opt/harbor/v2.15.2-sim.1/harbor"
    conf = host.file("/opt/harbor/v2.15.2-sim.1/harbor/harbor.yml")
    assert conf.mode == 0o600
    assert "hostname: harbor1.bundle.lab" in conf.content_string
    assert host.file("/opt/harbor/v2.15.2-sim.1/harbor-offline-installer-v2.15.2-sim.1.tgz").mode == 0o600


def test_key_files_under_data_volume(host):
    for path in ("/data/secret/keys/secretkey", "/data/secret/core/private_key.pem"):
        f = host.file(path)
        assert f.exists and f.mode == 0o600


def test_health_over_verified_tls(host):
    out = host.check_output(
        "curl -sS --fail --cacert /etc/harbor/tls/ca.crt https://harbor1.bundle.lab/api/v2.0/health")
    assert json.loads(out)["status"] == "healthy"
    # the same request without the CA must fail verification
    assert host.run("curl -sS --fail https://harbor1.bundle.lab/api/v2.0/health --capath /nonexistent "
                    "--cacert /dev/null").rc != 0


def test_admin_password_from_the_role(host):
    code = host.check_output("curl -s -o /dev/null -w '%{http_code}' --cacert /etc/harbor/tls/ca.crt "
                             "-u admin:Mol-Adm1n-pw https://harbor1.bundle.lab/api/v2.0/users/current")
    assert code == "200"
