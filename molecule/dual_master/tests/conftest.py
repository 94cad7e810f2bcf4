"""Shared helpers for the dual_master verify tests: the nodes, the VIP and who holds it."""

import json
import os

import testinfra

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


def assert_client_through_the_vip_lost_no_pull(step, figures_file):
    """What tasks/dm-vip-client-stop.yml kept of the VIP client during a Day-2 step that restarted
    Harbor on every node (so the VIP moved at least once): no failed pull, at most one failed ping
    per VIP move."""
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], figures_file), encoding="utf-8") as fh:
        fig = json.load(fh)
    counts = {key: int(fig[key]) for key in ("pings", "failed_pings", "pulls", "failed_pulls", "vip_moves")}
    print(f"{step} through the VIP: {counts}, {fig['seconds']} s")
    assert counts["vip_moves"] >= 1, counts
    assert counts["pulls"] >= 10 and counts["pings"] >= 50, counts
    failures = "\n".join(line for line in fig["log"].splitlines() if " fail" in line)
    assert counts["failed_pulls"] == 0, failures
    assert counts["failed_pings"] <= counts["vip_moves"], failures
