"""Replication policies: FACTS §3.1-3.3 and §8 item 10."""

from __future__ import annotations

import os
import sqlite3

import pytest

from simcore_support import error_of, unique

pytestmark = pytest.mark.sim

EITHER = "either src_registry or dest_registry should be empty and the other one shouldn't be empty"


@pytest.fixture(scope="module")
def registry_id(admin, fake_registry):
    resp = admin.post("/registries", json={"name": unique("polreg"), "type": "harbor", "url": fake_registry,
                                           "credential": {"access_key": "user", "access_secret": "Secr3tPass"}})
    assert resp.status_code == 201, resp.text
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def _create(admin, body):
    resp = admin.post("/replication/policies", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.text == "" and resp.headers["Location"].startswith("/api/v2.0/replication/policies/")
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_minimal_policy_defaults_and_embedded_registries(admin, registry_id):
    name = unique("pol")
    pid = _create(admin, {"name": name, "dest_registry": {"id": registry_id}})
    pol = admin.get(f"/replication/policies/{pid}").json()
    assert pol["dest_namespace_replace_count"] == -1 and pol["speed"] == 0
    assert pol["copy_by_chunk"] is False and pol["single_active_replication"] is False
    assert pol["filters"] is None and "trigger" not in pol  # no trigger sent -> none stored
    for absent in ("enabled", "deletion", "replicate_deletion", "override", "description", "dest_namespace"):
        assert absent not in pol, absent
    assert pol["src_registry"] == {"creation_time": "0001-01-01T00:00:00.000Z",
                                   "credential": {"access_secret": "*****", "type": "secret"}, "id": 0,
                                   "insecure": True, "name": "Local", "status": "healthy", "type": "harbor",
                                   "update_time": "0001-01-01T00:00:00.000Z", "url": "http://core:8080"}
    dest = pol["dest_registry"]
    assert dest["id"] == registry_id and dest["credential"]["access_secret"] == "*****"
    assert dest["status"] == "healthy" and "creation_time" in dest


def test_deletion_read_replicate_deletion_ignored_and_echoed(admin, registry_id):
    pid = _create(admin, {"name": unique("del"), "dest_registry": {"id": registry_id}, "replicate_deletion": True})
    pol = admin.get(f"/replication/policies/{pid}").json()
    assert "deletion" not in pol and "replicate_deletion" not in pol
    pid2 = _create(admin, {"name": unique("del"), "dest_registry": {"id": registry_id}, "deletion": True})
    pol2 = admin.get(f"/replication/policies/{pid2}").json()
    assert pol2["deletion"] is True and pol2["replicate_deletion"] is True


def test_full_replace_put_resets_omitted_fields(admin, registry_id):
    name = unique("put")
    pid = _create(admin, {"name": name, "dest_registry": {"id": registry_id}, "enabled": True, "override": True,
                          "dest_namespace": "mirror", "dest_namespace_replace_count": 1, "speed": 100,
                          "filters": [{"type": "name", "value": "library/**"}], "deletion": True})
    before = admin.get(f"/replication/policies/{pid}").json()
    assert before["enabled"] is True and before["speed"] == 100 and before["dest_namespace_replace_count"] == 1
    assert before["filters"] == [{"type": "name", "value": "library/**"}]
    resp = admin.put(f"/replication/policies/{pid}", json={"name": name, "dest_registry": {"id": registry_id}})
    assert resp.status_code == 200 and resp.text == ""
    after = admin.get(f"/replication/policies/{pid}").json()
    assert "enabled" not in after and "override" not in after and "deletion" not in after
    assert after["speed"] == 0 and after["dest_namespace_replace_count"] == -1 and after["filters"] is None
    assert "dest_namespace" not in after and after["update_time"] >= before["update_time"]


def test_negative_speed_stored_as_zero(admin, registry_id):
    pid = _create(admin, {"name": unique("spd"), "dest_registry": {"id": registry_id}, "speed": -1})
    assert admin.get(f"/replication/policies/{pid}").json()["speed"] == 0


def test_src_xor_dest(admin, registry_id):
    for body in ({"name": unique("x")},
                 {"name": unique("x"), "src_registry": {"id": registry_id}, "dest_registry": {"id": registry_id}},
                 {"name": unique("x"), "src_registry": {"id": 0}, "dest_registry": {"id": 0}}):
        resp = admin.post("/replication/policies", json=body)
        assert resp.status_code == 400 and error_of(resp) == ("BAD_REQUEST", EITHER)
    pull = _create(admin, {"name": unique("pull"), "src_registry": {"id": registry_id}})
    pol = admin.get(f"/replication/policies/{pull}").json()
    assert pol["src_registry"]["id"] == registry_id and pol["dest_registry"]["name"] == "Local"
    resp = admin.post("/replication/policies", json={"name": unique("x"), "dest_registry": {"id": 987654}})
    assert resp.status_code == 404


@pytest.mark.parametrize("cron,message", [
    ("", "the cron string cannot be empty when the trigger type is scheduled"),
    ("0 0 * * *", "invalid cron string for scheduled trigger: 0 0 * * *"),
    ("5 0 * * * *", "the 1st field (indicating Seconds of time) of the cron setting must be 0"),
    ("0 * * * * *", "* is not allowed for the Minutes field of the cron setting of replication policy"),
    ("0 61 * * * *", "invalid cron string for scheduled trigger: 0 61 * * * *"),
])
def test_cron_rules(admin, registry_id, cron, message):
    resp = admin.post("/replication/policies", json={
        "name": unique("cron"), "dest_registry": {"id": registry_id},
        "trigger": {"type": "scheduled", "trigger_settings": {"cron": cron}}})
    assert resp.status_code == 400 and error_of(resp)[1] == message


def test_scheduled_policy_roundtrip(admin, registry_id):
    pid = _create(admin, {"name": unique("sch"), "dest_registry": {"id": registry_id},
                          "trigger": {"type": "scheduled", "trigger_settings": {"cron": "0 0 2 * * *"}}})
    assert admin.get(f"/replication/policies/{pid}").json()["trigger"] == {
        "type": "scheduled", "trigger_settings": {"cron": "0 0 2 * * *"}}


@pytest.mark.parametrize("trigger,expected", [
    ({"type": "manual"}, {"type": "manual"}),
    ({"type": "manual", "trigger_settings": {"cron": ""}}, {"type": "manual", "trigger_settings": {}}),
    ({"type": "event_based", "trigger_settings": {}}, {"type": "event_based", "trigger_settings": {}}),
])
def test_trigger_echo(admin, registry_id, trigger, expected):
    pid = _create(admin, {"name": unique("trg"), "dest_registry": {"id": registry_id}, "trigger": trigger})
    assert admin.get(f"/replication/policies/{pid}").json()["trigger"] == expected


def test_trigger_type_validation(admin, registry_id):
    resp = admin.post("/replication/policies", json={"name": unique("t"), "dest_registry": {"id": registry_id},
                                                     "trigger": {"type": "sometimes"}})
    assert resp.status_code == 400 and error_of(resp)[1] == "invalid trigger type"


@pytest.mark.parametrize("filters,message", [
    ([{"type": "bogus", "value": "x"}], "invalid filter type"),
    ([{"type": "name", "value": "x", "decoration": "matches"}], "only tag and label filter support decoration"),
    ([{"type": "label", "value": "prod"}], "the type of label filter value isn't string slice"),
    ([{"type": "tag", "value": "v*", "decoration": "sometimes"}], "invalid filter decoration, :sometimes"),
    ([{"type": "resource", "value": "chart"}], "invalid resource filter: chart"),
])
def test_filter_validation(admin, registry_id, filters, message):
    resp = admin.post("/replication/policies", json={"name": unique("f"), "dest_registry": {"id": registry_id},
                                                     "filters": filters})
    assert resp.status_code == 400 and error_of(resp)[1] == message


def test_valid_filters_roundtrip(admin, registry_id):
    filters = [{"type": "name", "value": "library/**"}, {"type": "tag", "value": "v*", "decoration": "excludes"},
               {"type": "label", "value": ["prod", "qa"], "decoration": "matches"},
               {"type": "resource", "value": "image"}, {"type": "tag", "value": "latest", "decoration": ""}]
    pid = _create(admin, {"name": unique("fok"), "dest_registry": {"id": registry_id}, "filters": filters})
    got = admin.get(f"/replication/policies/{pid}").json()["filters"]
    assert got == filters[:4] + [{"type": "tag", "value": "latest"}]


def test_namespace_validation_and_duplicate(admin, registry_id):
    resp = admin.post("/replication/policies", json={"name": unique("ns"), "dest_registry": {"id": registry_id},
                                                     "dest_namespace": "Bad Name"})
    assert resp.status_code == 400 and error_of(resp)[1] == "invalid destination namespace: Bad Name"
    name = unique("dup")
    _create(admin, {"name": name, "dest_registry": {"id": registry_id}})
    resp = admin.post("/replication/policies", json={"name": name, "dest_registry": {"id": registry_id}})
    assert resp.status_code == 409 and error_of(resp) == ("CONFLICT", f"replication policy {name} already exists")
    resp = admin.post("/replication/policies", json={"dest_registry": {"id": registry_id}})
    assert resp.status_code == 400 and error_of(resp)[1] == "empty name"
    resp = admin.post("/replication/policies", json={"name": unique("t"), "dest_registry": {"id": registry_id},
                                                     "enabled": "yes"})
    assert resp.status_code == 422


def test_list_order_q_and_legacy_name(admin, registry_id):
    base = unique("lst")
    first = _create(admin, {"name": base + "-a", "dest_registry": {"id": registry_id}})
    second = _create(admin, {"name": base + "-b", "dest_registry": {"id": registry_id}})
    listed = [p["id"] for p in admin.get("/replication/policies", params={"name": base}).json()]
    assert listed == [second, first]  # creation_time desc
    exact = admin.get("/replication/policies", params={"q": f"name={base}-a"}).json()
    assert [p["id"] for p in exact] == [first]


def test_get_put_delete_missing_404(admin, registry_id):
    assert error_of(admin.get("/replication/policies/99999")) == ("NOT_FOUND", "replication policy 99999 not found")
    assert admin.put("/replication/policies/99999", json={"name": "x", "dest_registry": {"id": registry_id}}
                     ).status_code == 404
    assert admin.delete("/replication/policies/99999").status_code == 404


def test_single_active_with_event_based_is_500(admin, registry_id):
    resp = admin.post("/replication/policies", json={"name": unique("sa"), "dest_registry": {"id": registry_id},
                                                     "trigger": {"type": "event_based"},
                                                     "single_active_replication": True})
    assert resp.status_code == 500 and error_of(resp) == ("UNKNOWN", "internal server error")


def test_delete_412_while_execution_running(sim, admin, registry_id):
    db_path = os.path.join(sim.data_dir, "harbor-sim.db")
    db = sqlite3.connect(db_path, timeout=10)
    try:
        has_table = db.execute("SELECT name FROM sqlite_master WHERE name = 'simdata_execution'").fetchone()
        if not has_table:
            pytest.skip("the data plane's execution store is not loaded in this build")
        pid = _create(admin, {"name": unique("run"), "dest_registry": {"id": registry_id}})
        db.execute("INSERT INTO simdata_execution (policy_id, status, status_text, trigger, start_time)"
                   " VALUES (?, 'InProgress', '', 'manual', '2026-01-01T00:00:00.000Z')", (pid,))
        db.commit()
        resp = admin.delete(f"/replication/policies/{pid}")
        assert resp.status_code == 412
        assert error_of(resp) == ("PRECONDITION",
                                  "contains executions that aren't in final status, stop the execution first")
        db.execute("UPDATE simdata_execution SET status = 'Succeed' WHERE policy_id = ?", (pid,))
        db.commit()
        assert admin.delete(f"/replication/policies/{pid}").status_code == 200
        assert db.execute("SELECT COUNT(*) FROM simdata_execution WHERE policy_id = ?", (pid,)).fetchone()[0] == 0
    finally:
        db.close()
