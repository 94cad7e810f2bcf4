"""The rollback on shared storage as users see it (side_effect's rollback.yml, right after the
upgrade: a project created through the VIP on the upgraded database, then playbooks/rollback.yml):
every node stopped, the shared database put back once from the backup upgrade.yml took of every node
while all ran the old release, the nodes started on the old release. Each node runs the old
release again and its record says so, the database has the old schema and no longer holds the
project written after the upgrade, and Harbor answers through the VIP name again."""

import json
import os
import re
import subprocess

import requests

from conftest import ADMIN, EPHEMERAL, NODES, SCENARIO, controller_ca

OLD, NEW = "v2.12.4-sim.1", "v2.15.2-sim.1"
OLD_SCHEMA = "150 f"  # schema_migrations of 2.12 (make/migrations/postgresql/)


def _state():
    return json.loads((EPHEMERAL / "ss-rollback-nodes.json").read_text(encoding="utf-8"))


def test_each_node_runs_the_old_release_again_and_its_record_says_so():
    nodes = _state()["nodes"]
    assert sorted(nodes) == sorted(NODES)
    for name in NODES:
        state = nodes[name]
        assert state["current"] == f"/opt/harbor/{OLD}/harbor", state
        assert state["core_image"].endswith(f":{OLD}"), state
        record = state["record"]
        assert (record["from_dir"], record["to_dir"]) == (f"/opt/harbor/{OLD}/harbor", f"/opt/harbor/{NEW}/harbor")
        # the shared database went back once, before any node started on the old release
        assert record["database_restored"] <= record["rolled_back"], record


def test_the_shared_database_is_back_to_the_old_schema_without_the_project_written_after_the_upgrade():
    state = _state()
    assert state["database_schema"] == OLD_SCHEMA
    project = state["project_after_upgrade"]
    for name, ip in NODES.items():
        # each node's own API (not only the VIP's holder) reads the database put back
        found = requests.get(f"https://{ip}/api/v2.0/projects", params={"name": project}, auth=ADMIN,
                             verify=controller_ca(), timeout=30)
        assert found.status_code == 200, (name, found.status_code)
        assert project not in [p["name"] for p in found.json()], (name, found.json())


def test_the_client_through_the_vip_was_served_again_after_the_rollback():
    fig = json.loads((EPHEMERAL / "ss-rollback.json").read_text(encoding="utf-8"))
    lines = [line.split() for line in fig["log"].splitlines() if len(line.split()) >= 3]
    failed_at = [float(fields[0]) for fields in lines if fields[2] == "fail"]
    print("rollback through the VIP:", {k: fig[k] for k in ("pings", "failed_pings", "pulls", "failed_pulls", "vip_moves")},
          fig["seconds"], "s; failures over", round(failed_at[-1] - failed_at[0], 1) if failed_at else 0, "s")
    # every node stopped, so requests failed for a while; the last of each kind succeeded
    last = {fields[1]: fields[2] for fields in lines}
    assert last.get("pull") == "ok" and last.get("ping") == "ok", fig["log"][-2000:]


def _rollback(*args):
    run = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], str(SCENARIO.parent.parent / "playbooks" / "rollback.yml"),
         *args],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "ANSIBLE_FORCE_COLOR": "false"},
    )
    out = run.stdout + run.stderr
    assert re.findall(r"changed=(\d+)", out) and all(c == "0" for c in re.findall(r"changed=(\d+)", out)), out
    return run.returncode, out


def test_a_rollback_of_part_of_the_nodes_is_refused_before_anything_changes():
    # the shared database goes back once for every node: a --limit would leave a node writing to it
    returncode, out = _rollback("--limit", "ss-harbor1")
    assert returncode != 0, out
    assert "drop --limit" in re.sub(r"\s+", " ", out), out


def test_a_second_rollback_changes_nothing():
    # every record notes rolled_back and each node runs the old release: nothing is stopped or loaded again
    returncode, out = _rollback()
    assert returncode == 0, out
    assert "rolled back to v2.12.4-sim.1 already" in re.sub(r"\s+", " ", out), out
