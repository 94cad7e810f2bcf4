"""The rolling upgrade on shared storage as users see it (side_effect's upgrade.yml: both nodes
converged on the oldest supported release on one PostgreSQL database, the inventory then named the
newest one's bundle and playbooks/upgrade.yml ran): every node was backed up while all ran the old
release, so every backup holds the old schema; the first node's core migrated the shared schema
once and the second found it current; each node runs the new release from its own directory with
the old one on disk; the client that looped through the VIP name lost no pull and at most one ping
per VIP move."""

import json
import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "shared" / "tests"))
from vip_client import assert_client_through_the_vip_lost_no_pull  # noqa: E402  pylint: disable=wrong-import-position

testinfra_hosts = ["ss-db1"]
NODES = ["ss-harbor1", "ss-harbor2"]  # playbooks/upgrade.yml's order: the inventory's
OLD, NEW = "v2.12.4-sim.1", "v2.15.2-sim.1"
# schema_migrations versions (make/migrations/postgresql/): 2.12's last file and 2.15's.
OLD_SCHEMA, NEW_SCHEMA = "150 f", "180 f"


def _states():
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ss-upgrade-nodes.json"), encoding="utf-8") as fh:
        return json.load(fh)


@pytest.mark.parametrize("name", NODES)
def test_each_node_runs_the_new_release_and_kept_the_old_one(name):
    state = _states()[name]
    assert state["current"] == f"/opt/harbor/{NEW}/harbor"
    assert state["core_image"].endswith(f":{NEW}")
    assert state["old_kept"] is True
    recorded = state["record"]
    assert (recorded["from_dir"], recorded["to_dir"]) == (f"/opt/harbor/{OLD}/harbor", f"/opt/harbor/{NEW}/harbor")


def test_every_node_was_backed_up_with_the_old_schema_before_any_migrated_it():
    states = _states()
    names = {states[name]["record"]["backup_name"] for name in NODES}
    assert len(names) == 1, names  # one backup of the run, taken of every node at once
    backups = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory", ".harbor-backups", names.pop())
    for name in NODES:
        # the second node's too: a backup right before its own upgrade would hold the new schema
        assert states[name]["backup_schema"] == OLD_SCHEMA, states[name]
        info = json.loads((backups / name / "info.json").read_text(encoding="utf-8"))
        assert "external_database" in info["database"], info
        assert (backups / name / "manifest.sha256").is_file()
        assert oct((backups / name / "registry.pgdump").stat().st_mode & 0o777) == "0o600"


def test_the_shared_schema_migrated_once_by_the_first_node():
    states = _states()
    first, second = (states[name]["core_log"] for name in NODES)
    # harbor-sim logs as Harbor's migrator: each version applied ("<version>/u <name>"), or none
    assert any("180/u 2.15.0_schema" in line for line in first), first
    assert not any("/u " in line for line in second), second
    assert any("No change in schema" in line for line in second), second
    assert {states[name]["database_schema"] for name in NODES} == {NEW_SCHEMA}


def test_the_client_through_the_vip_lost_no_pull_and_at_most_one_ping_per_vip_move():
    assert_client_through_the_vip_lost_no_pull("upgrade", "ss-upgrade.json")
