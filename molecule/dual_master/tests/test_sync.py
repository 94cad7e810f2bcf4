"""Both nodes as Harbor sees them: the same users and robots (harbor_identity), a replication mesh
by name (harbor_replication), and every image of side_effect on both nodes, with the same digests
(event-based replication, then reconcile for the image pushed while one node was down), and every
push acknowledged during the push loop in which side_effect killed the VIP holder's whole node."""

import os


import pytest
import requests

from conftest import ADMIN, DEV, NODES, ROBOT, VIP_NAME, controller_ca, node

testinfra_hosts = ["dm-front"]

IMAGES = ["dm-before", "dm-while-down"]


def _get(ip, path, auth=ADMIN):
    return requests.get(f"https://{ip}/api/v2.0{path}", auth=auth, verify=controller_ca(), timeout=20)


def _tags_and_digests(ip, repo, page_size=10):
    resp = _get(ip, f"/projects/apps/repositories/{repo}/artifacts?with_tag=true&page_size={page_size}")
    resp.raise_for_status()
    assert len(resp.json()) < page_size, "more artifacts than one page"
    return {(t["name"], a["digest"]) for a in resp.json() for t in (a.get("tags") or [])}


@pytest.mark.parametrize("repo", IMAGES)
def test_every_image_is_on_both_nodes_with_the_same_digest(repo):
    held = {name: _tags_and_digests(ip, repo) for name, ip in NODES.items()}
    first, second = held.values()
    assert first == second and {pair[0] for pair in first} == {"v1"}, held


def _acknowledged_pushes():
    """tag -> digest of every push Docker acknowledged in side_effect's kill loop."""
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "dm-kill-acks.txt")
    with open(path, encoding="utf-8") as acks:
        return {fields[0]: fields[1] for fields in (line.split() for line in acks) if fields}


@pytest.mark.parametrize("name", sorted(NODES))
def test_no_acknowledged_push_was_lost_when_a_node_was_killed(name):
    acked = _acknowledged_pushes()
    assert len(acked) >= 6, acked
    held = {}
    for tag, digest in _tags_and_digests(NODES[name], "dm-kill", page_size=100):
        held[tag] = digest
    lost = {tag: (digest, held.get(tag)) for tag, digest in acked.items() if held.get(tag) != digest}
    assert not lost, lost


@pytest.mark.parametrize("name", sorted(NODES))
def test_managed_user_and_robot_log_in_on_each_node(name):
    ip = NODES[name]
    current = _get(ip, "/users/current", auth=DEV)
    assert current.status_code == 200 and current.json()["username"] == DEV[0]
    # The project is private: only an authenticated principal with access sees it.
    seen = _get(ip, "/projects?name=apps", auth=ROBOT)
    assert seen.status_code == 200 and [p["name"] for p in seen.json()] == ["apps"]
    assert _get(ip, "/projects?name=apps", auth=None).json() == []


@pytest.mark.parametrize("name", sorted(NODES))
def test_each_node_replicates_to_its_peer_by_name(name):
    peer = next(n for n in NODES if n != name)
    registries = _get(NODES[name], "/registries").json()
    assert [(r["name"], r["url"]) for r in registries] == [(f"ha-{peer}", f"https://{NODES[peer]}")]
    policies = sorted(p["name"] for p in _get(NODES[name], "/replication/policies").json())
    assert policies == [f"ha-{peer}-event", f"ha-{peer}-sync"]


def test_docker_trusts_the_vip_name_with_the_shared_ca():
    for name in NODES:
        host = node(name)
        assert host.file(f"/etc/docker/certs.d/{VIP_NAME}/ca.crt").content == host.file("/etc/harbor/tls/ca.crt").content
