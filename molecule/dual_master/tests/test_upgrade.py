"""The rolling upgrade as users see it (side_effect's upgrade.yml: the pair converged on the oldest
supported release, the inventory then named the newest one's bundle and playbooks/upgrade.yml ran):
each node runs the new release from its own directory with the old one still on disk, recorded
with the backup taken before its upgrade (what rollback.yml returns to); the client that looped
through the VIP name meanwhile lost no pull and at most one ping per VIP move."""

import json
import os

import pytest

from conftest import NODES, assert_client_through_the_vip_lost_no_pull

testinfra_hosts = ["dm-front"]
OLD, NEW = "v2.12.4-sim.1", "v2.15.2-sim.1"


def _load(name):
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], name), encoding="utf-8") as fh:
        return fh.read()


@pytest.mark.parametrize("name", sorted(NODES))
def test_each_node_ran_the_new_release_and_kept_the_old_one_with_its_backup(name):
    # Recorded right after the upgrade (upgrade.yml): the backup drill re-creates dm-harbor2 later.
    state = json.loads(_load("dm-upgrade-nodes.json"))[name]
    assert state["current"] == f"/opt/harbor/{NEW}/harbor"
    assert state["core_image"].endswith(f":{NEW}")
    assert state["old_kept"] is True
    recorded = state["record"]
    assert (recorded["from_dir"], recorded["to_dir"]) == (f"/opt/harbor/{OLD}/harbor", f"/opt/harbor/{NEW}/harbor")
    backup = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "dm-backups", recorded["backup_name"], name)
    assert os.path.isfile(os.path.join(backup, "manifest.sha256")), backup


def test_the_client_through_the_vip_lost_no_pull_and_at_most_one_ping_per_vip_move():
    assert_client_through_the_vip_lost_no_pull("upgrade", "dm-upgrade.json")
