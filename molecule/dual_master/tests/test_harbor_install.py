"""Harbor installed by the harbor role from the sim bundle with the role's defaults: containers,
files, API over verified TLS (was the harbor_single scenario; these nodes are converged anyway)."""

import itertools
import json
import time

import pytest
import requests

from conftest import ADMIN, NODES, controller_ca, node

testinfra_hosts = ["harbor"]
CONTAINERS = ["nginx", "harbor-core", "registry", "harbor-db", "redis"]
VERSION = "v2.15.2-sim.1"


def _address(host):
    return NODES[host.backend.get_hostname()]


@pytest.mark.parametrize("name", CONTAINERS)
def test_container_running_and_healthy(host, name):
    # The side effect restarted some containers just before: Docker reports "starting" until its
    # health check has run; wait for it (bounded), then require "healthy".
    deadline = time.monotonic() + 90
    while True:
        out = host.check_output("docker inspect --format '{{.State.Status}} {{.State.Health.Status}}' %s", name)
        if out != "running starting" or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert out == "running healthy"


def test_install_layout(host):
    current = host.file("/opt/harbor/current")
    assert current.is_symlink
    assert current.linked_to == f"/opt/harbor/{VERSION}/harbor"
    conf = host.file(f"/opt/harbor/{VERSION}/harbor/harbor.yml")
    assert conf.mode == 0o600
    # harbor_hostname defaults to the node's harborops_address, never the VIP
    assert f"hostname: {_address(host)}\n" in conf.content_string
    assert host.file(f"/opt/harbor/{VERSION}/harbor-offline-installer-{VERSION}.tgz").mode == 0o600


def test_key_files_under_data_volume(host):
    for path in ("/data/secret/keys/secretkey", "/data/secret/core/private_key.pem"):
        f = host.file(path)
        assert f.exists and f.mode == 0o600


def test_health_over_verified_tls(host):
    url = f"https://{_address(host)}/api/v2.0/health"
    out = host.check_output("curl -sS --fail --cacert /etc/harbor/tls/ca.crt %s", url)
    assert json.loads(out)["status"] == "healthy"
    # the same request without the CA must fail verification
    assert host.run("curl -sS --fail %s --capath /nonexistent --cacert /dev/null", url).rc != 0


def test_admin_password_from_the_role(host):
    code = host.check_output("curl -s -o /dev/null -w '%%{http_code}' --cacert /etc/harbor/tls/ca.crt "
                             "-u %s https://%s/api/v2.0/users/current", f"{ADMIN[0]}:{ADMIN[1]}", _address(host))
    assert code == "200"


def test_the_nodes_share_one_token_signing_pair():
    sums = {name: node(name).check_output("cat /data/secret/core/private_key.pem /data/secret/registry/root.crt"
                                          " | sha256sum") for name in NODES}
    assert len(set(sums.values())) == 1, sums


@pytest.mark.parametrize("issuer,checker", list(itertools.permutations(sorted(NODES), 2)))
def test_a_registry_token_from_one_node_is_accepted_by_the_other(issuer, checker):
    # A docker pull whose VIP moves between its token and its manifest/blob requests (harbor role,
    # harbor_share_token_key); with a pair per node the other registry answers 401.
    token = requests.get(f"https://{NODES[issuer]}/service/token", auth=ADMIN, verify=controller_ca(), timeout=30,
                         params={"service": "harbor-registry", "scope": "repository:apps/dm-before:pull"})
    assert token.status_code == 200, token.text
    manifest = requests.get(
        f"https://{NODES[checker]}/v2/apps/dm-before/manifests/v1", verify=controller_ca(), timeout=30,
        headers={"Authorization": f"Bearer {token.json()['token']}",
                 "Accept": "application/vnd.docker.distribution.manifest.v2+json, "
                           "application/vnd.oci.image.manifest.v1+json"})
    assert manifest.status_code == 200, manifest.text
