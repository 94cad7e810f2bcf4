"""The default scenario's lab hosts: systemd boots, base packages, names resolve from /etc/hosts."""

import pytest

# The inventory names of both hosts and the addresses the scenario gives them.
NODES = {
    "harborops-lab-mol-node1": "172.30.1.11",
    "harborops-lab-mol-node2": "172.30.1.12",
}


def test_systemd_is_pid1_and_running(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state == "running", host.run("systemctl --failed --no-legend").stdout


@pytest.mark.parametrize("package", ["ca-certificates", "curl", "gnupg", "openssl", "python3-apt"])
def test_base_packages_installed(host, package):
    assert host.package(package).is_installed


def test_python3_present(host):
    assert host.run_test("python3 -c 'import apt'").rc == 0


@pytest.mark.parametrize("name,address", sorted(NODES.items()) + [("vip", "172.30.1.100")])
def test_names_resolve_from_etc_hosts(host, name, address):
    # `-s files`: only /etc/hosts, not Docker's embedded DNS (which knows container names anyway).
    out = host.check_output(f"getent -s files hosts {name}")
    assert out.split()[0] == address


def test_hosts_block_lists_every_node_once(host):
    hosts = host.file("/etc/hosts").content_string
    block = hosts.split("# BEGIN harborops.ha.base")[1].split("# END harborops.ha.base")[0]
    assert sorted(line.split()[1] for line in block.strip().splitlines()[:2]) == sorted(NODES)
    assert hosts.count("# BEGIN harborops.ha.base") == 1
