"""The Harbor release the nodes run with the roles' defaults (converged on the oldest supported,
2.12.4; side_effect's upgrade.yml then names the newest one's bundle in the ephemeral directory's
ss-harbor-bundle): the harbor role rendered harbor.yml for the release the bundle holds, and the
nodes replicate to each other over TLS verified with the collection's CA without an endpoint CA
certificate (2.12-2.14 have none; 2.15 has it, and the test leaves it out): prepare put
storage_service.ca_bundle into trust-certificates, which core trusts at start.
"""
import pathlib
import re
import time

import requests
import yaml

from conftest import ADMIN, EPHEMERAL, NODES, VIP_NAME, controller_ca, node

# The bundle group_vars/harbor.yml names: the upgraded-to one once upgrade.yml wrote its name.
_BUNDLE = EPHEMERAL / "ss-harbor-bundle"
RELEASE = re.search(r"-v(\d+\.\d+\.\d+)-sim", _BUNDLE.read_text(encoding="utf-8") if _BUNDLE.exists()
                    else "harbor-offline-installer-v2.12.4-sim.1.tgz").group(1)
MINOR = tuple(int(p) for p in RELEASE.split(".")[:2])


def api(ip, method, path, auth=ADMIN, **kwargs):
    return requests.request(method, f"https://{ip}/api/v2.0{path}", auth=auth, verify=controller_ca(), timeout=30,
                            **kwargs)


def test_nodes_run_the_release_the_bundle_holds():
    for name, ip in NODES.items():
        assert api(ip, "GET", "/systeminfo").json()["harbor_version"] == f"v{RELEASE}-sim.1"
        # up to 2.12 the version is shown to anonymous callers too (2.13 moved it behind login)
        anonymous = api(ip, "GET", "/systeminfo", auth=None).json()
        assert ("harbor_version" in anonymous) == (MINOR < (2, 13))
        host = node(name)
        assert host.file(f"/opt/harbor/v{RELEASE}-sim.1/harbor/install.sh").exists
        cfg = yaml.safe_load(host.file("/opt/harbor/current/harbor.yml").content_string)
        assert cfg["_version"] == "%d.%d.0" % MINOR
        assert ("max_job_duration_hours" in cfg["jobservice"]) == (MINOR >= (2, 13))


def test_prepare_put_the_collection_ca_in_the_containers_trust_store():
    ca = pathlib.Path(controller_ca()).read_text(encoding="ascii").strip()
    for name in NODES:
        host = node(name)
        trusted = host.file("/opt/harbor/current/common/config/shared/trust-certificates/storage_ca_bundle.crt")
        assert trusted.content_string.strip() == ca
        assert trusted.mode == 0o644
        inside = host.run("docker exec harbor-core cat /harbor_cust_cert/storage_ca_bundle.crt")
        assert inside.rc == 0 and inside.stdout.strip() == ca, inside.stderr


def _wait_execution(ip, location, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = api(ip, "GET", location.replace("/api/v2.0", "")).json()
        if execution["status"] not in ("InProgress", "Pending", ""):
            return execution
        time.sleep(1)
    raise AssertionError(f"execution {location} still running after {timeout}s")


def test_replication_to_the_peer_with_tls_verified_without_endpoint_ca():
    src_ip, peer_ip = NODES["ss-harbor1"], NODES["ss-harbor2"]
    run = int(time.time())  # a re-run of verify creates new names
    pusher = node("ss-harbor1")
    assert api(src_ip, "POST", "/projects", json={"project_name": "tlsrep", "metadata": {"public": "false"}}) \
        .status_code in (201, 409)
    image = f"{VIP_NAME}/tlsrep/release:v1"
    login = pusher.run("echo %s | docker login --username admin --password-stdin %s", ADMIN[1],
                       VIP_NAME)
    assert login.rc == 0, login.stderr
    build = pusher.run("printf 'release %s\\n' > /tmp/ss-release.txt && tar -C /tmp -c ss-release.txt"
                       " | docker import - %s", RELEASE, image)
    assert build.rc == 0, build.stderr
    push = pusher.run("docker push %s", image)
    assert push.rc == 0, push.stdout + push.stderr
    source = api(src_ip, "GET", "/projects/tlsrep/repositories/release/artifacts").json()
    # The endpoint is the peer's own https URL, verification on, no endpoint CA: healthy only
    # through trust-certificates.
    created = api(src_ip, "POST", "/registries", json={
        "name": f"tls-peer-{run}", "type": "harbor", "url": f"https://{peer_ip}", "insecure": False,
        "credential": {"type": "basic", "access_key": ADMIN[0], "access_secret": ADMIN[1]}})
    assert created.status_code == 201, created.text
    registry = api(src_ip, "GET", created.headers["Location"].replace("/api/v2.0", "")).json()
    # insecure: false is left out of the answer (swagger Registry.insecure has no x-omitempty: false)
    assert registry["status"] == "healthy" and registry.get("insecure", False) is False, registry
    assert not registry.get("ca_certificate")
    policy = api(src_ip, "POST", "/replication/policies", json={
        "name": f"tls-peer-copy-{run}", "src_registry": {"id": 0}, "dest_registry": {"id": registry["id"]},
        "dest_namespace": f"tlsrep-copy-{run}", "dest_namespace_replace_count": 1, "enabled": True,
        "trigger": {"type": "manual"}, "filters": [{"type": "name", "value": "tlsrep/**"}]})
    assert policy.status_code == 201, policy.text
    policy_id = int(policy.headers["Location"].rsplit("/", 1)[1])
    started = api(src_ip, "POST", "/replication/executions", json={"policy_id": policy_id})
    assert started.status_code == 201, started.text
    execution = _wait_execution(src_ip, started.headers["Location"])
    assert execution["status"] == "Succeed", execution
    copied = api(peer_ip, "GET", f"/projects/tlsrep-copy-{run}/repositories/release/artifacts").json()
    assert [a["digest"] for a in copied] == [a["digest"] for a in source]
