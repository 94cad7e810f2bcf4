"""Harbor in shared mode on ss-harbor1/ss-harbor2: one database (the node's own HAProxy endpoint to
the Patroni leader), Redis through the Sentinels, one /data, one VIP name with a verified certificate.

API calls go from the controller to each node's address, verified with the controller-side CA of
harbor_certs; docker runs on the nodes and verifies the VIP name with certs.d/<name>/ca.crt.
"""
import json
import os
import subprocess
import time

import pytest
import requests
import yaml

from conftest import ADMIN, EPHEMERAL, NODES, VIP, VIP_NAME, controller_ca, node


def api(ip, method, path, **kwargs):
    return requests.request(method, f"https://{ip}/api/v2.0{path}", auth=ADMIN, verify=controller_ca(), timeout=20, **kwargs)


def harbor_yml(name):
    return yaml.safe_load(node(name).file("/opt/harbor/current/harbor.yml").content_string)


@pytest.mark.parametrize("name", sorted(NODES))
def test_node_is_healthy_with_external_database_and_redis(name):
    health = api(NODES[name], "GET", "/health").json()
    components = {c["name"]: c["status"] for c in health["components"]}
    assert health["status"] == "healthy", health
    assert components["database"] == "healthy" and components["redis"] == "healthy", health
    # no internal database or redis container: the shared ones serve every node
    running = node(name).check_output("docker ps --format '{{.Names}}'").split()
    assert "harbor-db" not in running and "redis" not in running, running


@pytest.mark.parametrize("name", sorted(NODES))
def test_harbor_yml_uses_the_shared_backends(name):
    cfg = harbor_yml(name)
    db = cfg["external_database"]["harbor"]
    assert (db["host"], db["port"], db["db_name"], db["username"]) == (NODES[name], 5000, "registry", "harbor")
    # TLS verified against the collection's CA, which prepare installs in every container's trust store
    assert db["ssl_mode"] == "verify-ca" and cfg["storage_service"]["ca_bundle"] == "/etc/harbor/tls/ca.crt", cfg
    redis = cfg["external_redis"]
    assert redis["sentinel_master_set"] == "harbor"
    assert sorted(redis["host"].split(",")) == ["172.30.3.11:26379", "172.30.3.12:26379", "172.30.3.13:26379"]
    assert cfg["data_volume"] == "/data"
    assert cfg["jobservice"]["job_loggers"] == ["STD_OUTPUT", "DB"]


@pytest.mark.parametrize("name", sorted(NODES))
def test_core_reaches_the_database_through_the_nodes_own_endpoint(name):
    host = node(name)
    assert host.service("haproxy").is_running
    assert host.socket("tcp://0.0.0.0:5000").is_listening
    env = host.file("/opt/harbor/current/common/config/core/env").content_string
    assert f"@{NODES[name]}:5000/registry" in env
    # the HAProxy endpoint on the node answers as the writable leader
    # over TLS: the core's trust store (system + trust-certificates, as install_cert.sh builds it)
    cmd = host.run("docker exec harbor-core /opt/harbor-sim/venv/bin/python -c %s",
                   "import psycopg, os; c = psycopg.connect(os.environ['DATABASE_URL'], sslrootcert='/data/trust/ca-bundle.crt'); "
                   "print(c.execute('SELECT pg_is_in_recovery(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').fetchone())")
    assert cmd.rc == 0 and cmd.stdout.strip() == "(False, True)", cmd.stdout + cmd.stderr
    assert "sslmode=verify-ca" in env


def test_secret_key_token_key_and_certificate_are_identical_on_both_nodes():
    sums = {}
    for name in NODES:
        sums[name] = node(name).check_output(
            "docker exec harbor-core sha256sum /etc/core/key /data/secret/core/private_key.pem "
            "&& sha256sum /data/secret/registry/root.crt /etc/harbor/tls/server.crt /etc/harbor/tls/server.key")
    assert len(set(sums.values())) == 1 and len(sums["ss-harbor1"].splitlines()) == 5, sums


def test_project_created_through_node1_is_visible_through_node2():
    name = f"ss-verify-{os.getpid()}-{int(time.time())}"
    created = api(NODES["ss-harbor1"], "POST", "/projects", json={"project_name": name, "metadata": {"public": "false"}})
    assert created.status_code == 201, created.text
    seen = api(NODES["ss-harbor2"], "GET", f"/projects?name={name}")
    assert seen.status_code == 200 and [p["name"] for p in seen.json()] == [name]
    assert api(NODES["ss-harbor2"], "DELETE", f"/projects/{name}").status_code == 200
    assert api(NODES["ss-harbor1"], "GET", f"/projects?name={name}").json() == []


def test_image_pushed_through_the_vip_name_is_pullable_through_every_node():
    tag = f"v{os.getpid()}"
    pusher = node("ss-harbor1")
    login = pusher.run("echo %s | docker login --username admin --password-stdin %s", ADMIN[1], VIP_NAME)
    assert login.rc == 0, login.stderr
    image = f"{VIP_NAME}/library/ss-verify:{tag}"
    build = pusher.run("printf 'verify\\n' > /tmp/ss-verify.txt && tar -C /tmp -c ss-verify.txt | docker import - %s", image)
    assert build.rc == 0, build.stderr
    push = pusher.run("docker push %s", image)
    assert push.rc == 0, push.stdout + push.stderr
    # Docker refuses a registry whose certificate it cannot verify: no insecure registry is configured.
    for name in NODES:
        assert "insecure-registries" not in node(name).file("/etc/docker/daemon.json").content_string
    digests = set()
    for name, ip in NODES.items():
        host = node(name)
        ref = f"{ip}/library/ss-verify:{tag}"
        pull = host.run("docker pull %s", ref)
        assert pull.rc == 0, pull.stdout + pull.stderr
        digests.add(host.check_output("docker image inspect --format '{{index .RepoDigests 0}}' %s", ref).split("@")[1])
        host.run("docker rmi %s", ref)
    assert len(digests) == 1, digests


def test_exactly_one_node_holds_the_vip():
    # side_effect's scale.yml adds ss-harbor3 (keepalived priority 90): a candidate too once it exists.
    added = [n for n in ("ss-harbor3",) if subprocess.run(["docker", "inspect", n], capture_output=True, check=False).returncode == 0]
    holders = [n for n in list(NODES) + added if f" {VIP}/" in node(n).check_output("ip -4 -o addr show dev eth0")]
    assert len(holders) == 1, holders


def test_the_vip_name_serves_harbor_with_a_verified_certificate():
    out = node("ss-harbor2").check_output(
        "curl -sf --cacert /etc/harbor/tls/ca.crt https://%s/api/v2.0/ping", VIP_NAME)
    assert out == "Pong"


def test_side_effect_harbor_recovered_and_kept_the_write():
    record = EPHEMERAL / "side_effect.json"
    if not record.exists():
        pytest.skip("side_effect did not run (molecule verify alone)")
    project = json.loads(record.read_text(encoding="utf-8"))["project_after_failover"]
    for ip in NODES.values():
        assert [p["name"] for p in api(ip, "GET", f"/projects?name={project}").json()] == [project]
    # the image pushed before Harbor was stopped on the VIP holder is still served
    for ip in NODES.values():
        tags = api(ip, "GET", "/projects/library/repositories/ss-before/artifacts?with_tag=true").json()
        assert "v1" in [t["name"] for a in tags for t in (a.get("tags") or [])]
