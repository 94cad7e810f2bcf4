"""The lab launcher (lab/lab_hosts.py) turns an inventory or molecule platforms into the same hosts."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "lab"))
import lab_hosts  # noqa: E402

INVENTORY = {
    "_meta": {"hostvars": {
        "harbor1": {"ansible_host": "lab-harbor1", "harborops_address": "172.30.0.11"},
        "db1": {"ansible_host": "lab-db1", "harborops_address": "172.30.0.21"},
    }},
    "all": {"children": ["harbor", "harbor_data", "postgresql"]},
    "harbor": {"hosts": ["harbor1"]},
    "harbor_data": {"children": ["harbor"]},
    "postgresql": {"hosts": ["db1"]},
}


def test_inventory_hosts_get_their_address_and_harbor_data_hosts_share_data(tmp_path):
    hosts = lab_hosts.hosts_from_inventory(INVENTORY, "harborops-lab", str(tmp_path / "data"))
    by_name = {h["hostname"]: h for h in hosts}
    assert by_name["harbor1"]["name"] == "lab-harbor1"
    assert by_name["harbor1"]["networks"] == [{"name": "harborops-lab", "ipv4_address": "172.30.0.11"}]
    assert by_name["harbor1"]["volumes"] == [f"{tmp_path / 'data'}:/data"]
    assert by_name["db1"]["volumes"] == []
    assert (tmp_path / "data").is_dir()


def test_inventory_host_without_address_is_refused_by_name():
    inventory = {"_meta": {"hostvars": {"harbor1": {"ansible_host": "lab-harbor1"}}}}
    with pytest.raises(lab_hosts.LabError, match="host harbor1 needs harborops_address"):
        lab_hosts.hosts_from_inventory(inventory, "net")


def test_every_host_runs_systemd_with_its_docker_volume_label_and_address():
    argv = lab_hosts.run_argv({"name": "dm-harbor1", "hostname": "harbor1", "volumes": ["/x:/data"],
                               "networks": [{"name": "dm", "ipv4_address": "172.30.2.11"}]},
                              "org.harborops.lab=molecule-dual_master")
    joined = " ".join(argv)
    assert "--cap-drop SYS_RESOURCE" in joined and "--cgroupns=host" in joined
    assert "-v dm-harbor1-docker:/var/lib/docker" in joined and "-v /x:/data" in joined
    assert "--label org.harborops.lab=molecule-dual_master" in joined
    assert "--network dm --ip 172.30.2.11" in joined
    assert argv[-2:] == [lab_hosts.IMAGE, "/lib/systemd/systemd"]


def test_a_platform_image_replaces_the_lab_image():
    argv = lab_hosts.run_argv({"name": "b", "image": "harborops/bundle-docker-host:abc"}, "l=x")
    assert argv[-2] == "harborops/bundle-docker-host:abc"
    assert "--network" not in argv
