"""The backup and restore drill (side_effect's backup_restore.yml) as users see it: the backup on the
controller is complete, private and matches its manifest; the re-created node held its peer's images
(seeded) but not the drill's user, robot or image; after the restore dm-harbor2 holds every project,
user, robot and artifact it held before (same digests), the robot's secret still logs in, its image
pulls from dm-harbor2's own registry; no push acknowledged through the VIP during the drill was lost."""

import hashlib
import json
import os
import stat
import tarfile

import pytest
import requests

from conftest import ADMIN, NODES, controller_ca, node

testinfra_hosts = ["dm-harbor2"]
BACKUP = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "dm-backups", "drill", "dm-harbor2")
FILES = ["harbor.yml", "info.json", "registry.pgdump", "registry.tar", "secret.tar"]
ROBOT = ("robot$dm-drill", "Dm-Drill-Robot9")


def _ephemeral(name):
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], name), encoding="utf-8") as fh:
        return fh.read()


def _state(name):
    return json.loads(_ephemeral(f"dm-drill-{name}.json"))


def test_the_backup_is_complete_private_and_matches_its_manifest():
    assert stat.S_IMODE(os.stat(BACKUP).st_mode) == 0o700
    with open(os.path.join(BACKUP, "manifest.sha256"), encoding="ascii") as fh:
        listed = {name: digest for digest, name in (line.split() for line in fh)}
    assert sorted(listed) == FILES
    for name in FILES + ["manifest.sha256"]:
        path = os.path.join(BACKUP, name)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, name
        if name in listed:
            with open(path, "rb") as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == listed[name], name
    with open(os.path.join(BACKUP, "info.json"), encoding="utf-8") as fh:
        assert json.load(fh)["host"] == "dm-harbor2"


def test_the_secret_archive_holds_the_keys_but_not_the_tls_copy():
    with tarfile.open(os.path.join(BACKUP, "secret.tar")) as tar:
        names = tar.getnames()
    assert "secret/keys/secretkey" in names
    assert "secret/core/private_key.pem" in names
    assert not [n for n in names if n.startswith("secret/cert")]


def test_the_wipe_was_real_and_the_replaced_node_was_seeded_by_its_peer():
    recreated, peer = _state("recreated"), _state("peer")
    assert "dmdrill" not in recreated["users"]
    assert ROBOT[0] not in recreated["robots"]
    assert not [a for a in recreated["artifacts"] if a.startswith("apps/dm-drill@")]
    # issue 16 item 2: a node rebuilt empty under its old name holds what its peer held, once site.yml ran
    assert peer["artifacts"] and {a: t for a, t in recreated["artifacts"].items() if a in peer["artifacts"]} == peer["artifacts"]


def test_after_the_restore_the_node_holds_all_it_held_before():
    before, after = _state("before"), _state("after")
    assert "dmdrill" in before["users"] and ROBOT[0] in before["robots"]
    for key in ("projects", "users", "robots"):
        assert set(before[key]) <= set(after[key]), key
    assert {a: t for a, t in after["artifacts"].items() if a in before["artifacts"]} == before["artifacts"]
    assert any(a.startswith("apps/dm-drill@") for a in before["artifacts"])


def test_the_restored_robot_secret_logs_in_and_pulls_from_the_node(host):
    address = NODES["dm-harbor2"]
    login = host.run(f"printf '%s' '{ROBOT[1]}' | docker login --username '{ROBOT[0]}' --password-stdin {address}")
    assert login.rc == 0, login.stderr
    host.run(f"docker image rm {address}/apps/dm-drill:v1")
    pull = host.run(f"docker pull {address}/apps/dm-drill:v1")
    assert pull.rc == 0, pull.stderr
    digest = [a for a in _state("before")["artifacts"] if a.startswith("apps/dm-drill@")][0].split("@")[1]
    assert digest in pull.stdout


@pytest.mark.parametrize("name", sorted(NODES))
def test_no_push_acknowledged_during_the_drill_was_lost(name):
    acked = dict(line.split()[:2] for line in _ephemeral("dm-drill-acks.txt").splitlines() if line.strip())
    assert len(acked) >= 2
    held = {}
    for page in range(1, 100):
        resp = requests.get(f"https://{NODES[name]}/api/v2.0/projects/apps/repositories/dm-drill-loop/artifacts",
                            params={"with_tag": "true", "page": page, "page_size": 100}, auth=ADMIN,
                            verify=controller_ca(), timeout=30)
        resp.raise_for_status()
        held.update({t["name"]: a["digest"] for a in resp.json() for t in a.get("tags") or []})
        if len(resp.json()) < 100:
            break
    assert {tag: held.get(tag) for tag in acked} == acked


def test_the_drill_figures_are_recorded():
    figures = json.loads(_ephemeral("dm-drill.json"))
    assert int(figures["lost_pushes"]) == 0
    assert int(figures["acknowledged_pushes"]) >= 2
    assert float(figures["seconds"]) > 0


def test_the_restored_node_is_healthy():
    resp = requests.get(f"https://{NODES['dm-harbor2']}/api/v2.0/health", verify=controller_ca(), timeout=30)
    assert resp.json()["status"] == "healthy"
    assert node("dm-harbor2").file("/etc/keepalived/maintenance").exists is False
