"""Adding a node and removing it (side_effect's scale.yml) as users see it, from what was recorded
after each site run (dm-scale-added.json, dm-scale-removed.json): dm-harbor3 added to the inventory
got the users, robots and projects, the mesh both ways, every image the pair held before and every
push acknowledged through the VIP meanwhile; the certificate every node and the VIP served named it,
keepalived on every node peered with it, the front balanced over it; once it left the inventory, the pair dropped its endpoints,
policies, keepalived peer, upstream and certificate names and lost no acknowledged push."""

import json
import os

import pytest

from conftest import NODES, VIP

testinfra_hosts = ["dm-front"]
NEW = ("dm-harbor3", "172.30.2.13")
ALL = dict(NODES, **{NEW[0]: NEW[1]})


def _load(name):
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], name), encoding="utf-8") as fh:
        return fh.read()


def _record(when):
    return json.loads(_load(f"dm-scale-{when}.json"))


def _acked(loop):
    """tag -> digest of every push the loop had acknowledged."""
    return dict(line.split()[:2] for line in _load(f"dm-scale-{loop}-acks.txt").splitlines())


def _held(state, repo):
    return {tag: artifact.split("@")[1] for artifact, tags in state["artifacts"].items()
            if artifact.startswith(repo + "@") for tag in tags}


def _peers(name, nodes):
    return sorted(f"ha-{peer}" for peer in nodes if peer != name)


@pytest.mark.parametrize("name", sorted(ALL))
def test_after_the_add_every_node_is_meshed_with_every_other(name):
    state = _record("added")["nodes"][name]
    assert state["registries"] == _peers(name, ALL)
    assert state["policies"] == sorted(f"{r}-{kind}" for r in _peers(name, ALL) for kind in ("event", "sync"))


def test_the_added_node_got_the_identities_and_every_image_the_pair_held():
    before = json.loads(_load("dm-scale-before.json"))
    new = _record("added")["nodes"][NEW[0]]
    assert "dmdev" in new["users"] and "robot$ha-replicator" in new["robots"] and "apps" in new["projects"]
    assert before["artifacts"]
    assert {a: t for a, t in new["artifacts"].items() if a in before["artifacts"]} == before["artifacts"]


@pytest.mark.parametrize("loop, when, name", [("add", "added", n) for n in sorted(ALL)]
                         + [("remove", "removed", n) for n in sorted(NODES)])
def test_no_push_acknowledged_during_the_add_or_the_removal_is_missing(loop, when, name):
    acked = _acked(loop)
    assert acked
    held = _held(_record(when)["nodes"][name], f"apps/dm-scale-{loop}")
    assert {tag: held.get(tag) for tag in acked} == acked


@pytest.mark.parametrize("address", sorted(ALL.values()) + [VIP])
def test_after_the_add_every_node_and_the_vip_serve_a_certificate_naming_the_new_node(address):
    served = _record("added")["served"]
    assert f"IP Address:{NEW[1]}" in served[address]
    assert len({text.splitlines()[0] for text in served.values()}) == 1  # one certificate everywhere


@pytest.mark.parametrize("name", sorted(ALL))
def test_after_the_add_keepalived_peers_with_every_other_node(name):
    assert sorted(_record("added")["keepalived_peers"][name]) == sorted(a for n, a in ALL.items() if n != name)


def test_the_front_balanced_over_the_three_nodes_then_the_two():
    assert sorted(_record("added")["front_upstream"]) == sorted(ALL.values())
    assert sorted(_record("removed")["front_upstream"]) == sorted(NODES.values())


@pytest.mark.parametrize("name", sorted(NODES))
def test_after_the_removal_the_pair_forgot_the_node(name):
    removed = _record("removed")
    state = removed["nodes"][name]
    assert state["registries"] == _peers(name, NODES)
    assert state["policies"] == sorted(f"{r}-{kind}" for r in _peers(name, NODES) for kind in ("event", "sync"))
    assert removed["keepalived_peers"][name] == [a for n, a in NODES.items() if n != name]
    assert f"IP Address:{NEW[1]}" not in removed["served"][NODES[name]]
    assert f"IP Address:{NEW[1]}" not in removed["served"][VIP]
