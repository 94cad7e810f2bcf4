"""Adding a node to the shared-storage pair (side_effect's scale.yml) as users see it, from what was
recorded after the site steps ran with ss-harbor3 in the inventory (ss-scale.json): every push
acknowledged through the VIP name meanwhile is listed by every node's own API with its digest (one
database, one storage), the certificate every node and the VIP serve names the new node, and
keepalived on every node peers with every other. Then the node died and a new empty host under its
name got the site steps for it alone (side_effect's replace.yml, ss-replace.json): its own API lists
every push acknowledged during the add and during the replacement, every node and the VIP still
serve the one certificate of the add (nothing was reissued), keepalived peers as before; the new
node is healthy now."""

import json

import pytest
import requests

from conftest import EPHEMERAL, VIP, controller_ca

testinfra_hosts = ["ss-db1"]
NODES = {"ss-harbor1": "172.30.3.21", "ss-harbor2": "172.30.3.22", "ss-harbor3": "172.30.3.23"}  # with the added node


def _load(name):
    return (EPHEMERAL / name).read_text(encoding="utf-8")


def _record():
    return json.loads(_load("ss-scale.json"))


def _acked(loop="ss-scale-add"):
    """tag -> digest of every push the loop had acknowledged."""
    return dict(line.split()[:2] for line in _load(f"{loop}-acks.txt").splitlines())


@pytest.mark.parametrize("name", sorted(NODES))
def test_every_node_lists_every_push_acknowledged_during_the_add(name):
    acked = _acked()
    assert acked
    held = {tag["name"]: artifact["digest"] for artifact in _record()["artifacts"][name]
            for tag in artifact.get("tags") or []}
    assert {tag: held.get(tag) for tag in acked} == acked


@pytest.mark.parametrize("address", sorted(NODES.values()) + [VIP])
def test_every_node_and_the_vip_serve_one_certificate_naming_the_new_node(address):
    served = _record()["served"]
    assert f"IP Address:{NODES['ss-harbor3']}" in served[address]
    assert len({text.splitlines()[0] for text in served.values()}) == 1


@pytest.mark.parametrize("name", sorted(NODES))
def test_keepalived_peers_with_every_other_node(name):
    assert sorted(_record()["keepalived_peers"][name]) == sorted(a for n, a in NODES.items() if n != name)


def test_the_new_node_is_healthy_over_verified_tls():
    health = requests.get(f"https://{NODES['ss-harbor3']}/api/v2.0/health", verify=controller_ca(), timeout=10).json()
    assert health["status"] == "healthy", health
    # its core reaches the shared database (admitted by postgresql_client_networks' default: each
    # Harbor node's address; the lab sets none) and Redis
    components = {c["name"]: c["status"] for c in health["components"]}
    assert components.get("database") == "healthy" and components.get("redis") == "healthy", components


def _replaced():
    return json.loads(_load("ss-replace.json"))


def test_the_replaced_node_lists_every_push_acknowledged_during_the_add_and_the_replacement():
    listed = _replaced()["artifacts_on_new_node"]  # repository -> artifacts, read from the new node's API
    for loop in ("ss-scale-add", "ss-replace"):
        acked = _acked(loop)
        assert acked, loop
        held = {tag["name"]: artifact["digest"] for artifact in listed[loop] for tag in artifact.get("tags") or []}
        assert {tag: held.get(tag) for tag in acked} == acked, loop


@pytest.mark.parametrize("address", sorted(NODES.values()) + [VIP])
def test_after_the_replacement_every_node_and_the_vip_serve_the_certificate_of_the_add(address):
    # the inventory did not change: the replaced node gets the same certificate, the others keep theirs
    assert _replaced()["served"][address].splitlines()[0] == _record()["served"][address].splitlines()[0]


@pytest.mark.parametrize("name", sorted(NODES))
def test_after_the_replacement_keepalived_peers_with_every_other_node(name):
    assert sorted(_replaced()["keepalived_peers"][name]) == sorted(a for n, a in NODES.items() if n != name)
