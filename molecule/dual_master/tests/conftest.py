"""Shared helpers for the dual_master verify tests: the nodes, the VIP and who holds it."""

import os
import pathlib
import sys

import testinfra

# The VIP client's figures check, shared with shared_storage (molecule/shared/tests/vip_client.py).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared" / "tests"))
from vip_client import assert_client_through_the_vip_lost_no_pull  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

VIP = "172.30.2.100"
VIP_NAME = "harbor.dm.lab"
NODES = {"dm-harbor1": "172.30.2.11", "dm-harbor2": "172.30.2.12"}
# Test values of group_vars/harbor.yml.
ADMIN = ("admin", "Dm-Adm1n-pw7")
DEV = ("dmdev", "Dm-Dev-passw0rd")
ROBOT = ("robot$ha-replicator", "Dm-Replicator-Secret9")
# Harbor's proxy and core: stopping them takes a node's Harbor off the network.
HARBOR_FRONT_CONTAINERS = "nginx harbor-core"
# keepalived's track script, run where keepalived runs it (container mode: its CA path is in there).
TRACK_CHECK = "docker exec keepalived /etc/keepalived/check_harbor.sh"


def controller_ca():
    """The CA of harbor_certs on the controller (harbor_certs_local_dir)."""
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "dm-pki", "ca.crt")


def node(name):
    """A testinfra host for a lab container, reached through the docker backend."""
    return testinfra.get_host(f"docker://{name}")


def vip_holders():
    """Names of the nodes that have the VIP on eth0 right now."""
    out = {n: node(n).check_output("ip -4 -o addr show dev eth0") for n in NODES}
    return sorted(n for n, text in out.items() if f" {VIP}/" in text)
