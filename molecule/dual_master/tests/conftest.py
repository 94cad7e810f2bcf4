"""Shared helpers for the dual_master verify tests: the nodes, the VIP and who holds it."""

import testinfra

VIP = "172.30.2.100"
VIP_NAME = "harbor.dm.lab"
NODES = {"dm-harbor1": "172.30.2.11", "dm-harbor2": "172.30.2.12"}
HOSTNAMES = {"dm-harbor1": "harbor1", "dm-harbor2": "harbor2"}
FIXTURE = "dm-fixture-harbor-health"


def node(name):
    """A testinfra host for a lab container, reached through the docker backend."""
    return testinfra.get_host(f"docker://{name}")


def vip_holders():
    """Names of the nodes that have the VIP on eth0 right now."""
    out = {n: node(n).check_output("ip -4 -o addr show dev eth0") for n in NODES}
    return sorted(n for n, text in out.items() if f" {VIP}/" in text)
