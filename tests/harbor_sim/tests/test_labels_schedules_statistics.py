"""Labels (§2.11), GC / purge-audit schedules (§2.14, §8 item 16), statistics."""

from __future__ import annotations

import json

import pytest

from simcore_support import error_of, make_user, unique

pytestmark = pytest.mark.sim


def test_labels_global(admin):
    name = unique("lbl")
    resp = admin.post("/labels", json={"name": name, "scope": "g", "color": "#FF0000", "description": "d"})
    assert resp.status_code == 201 and resp.headers["Location"].startswith("/api/v2.0/labels/")
    lid = int(resp.headers["Location"].rsplit("/", 1)[1])
    label = admin.get(f"/labels/{lid}").json()
    assert label["name"] == name and label["scope"] == "g" and label["color"] == "#FF0000"
    assert "project_id" not in label
    dup = admin.post("/labels", json={"name": name, "scope": "g"})
    assert dup.status_code == 409 and error_of(dup) == ("CONFLICT", f"label {name} already exists")
    assert admin.put(f"/labels/{lid}", json={"name": name, "description": "new", "color": "#00FF00"}).status_code == 200
    assert admin.get(f"/labels/{lid}").json()["description"] == "new"
    assert [x["id"] for x in admin.get("/labels", params={"scope": "g", "q": f"name={name}"}).json()] == [lid]
    anon = admin.as_user(None, None)
    anon.auth = None
    assert [x["id"] for x in anon.get("/labels", params={"scope": "g", "q": f"name={name}"}).json()] == [lid]
    assert anon.get(f"/labels/{lid}").status_code == 401  # by id: system label access needed
    assert anon.put(f"/labels/{lid}", json={"name": name}).status_code == 401
    # PUT replaces name/description/color
    assert admin.put(f"/labels/{lid}", json={"name": name}).status_code == 200
    assert "description" not in admin.get(f"/labels/{lid}").json()
    assert admin.delete(f"/labels/{lid}").status_code == 200
    assert admin.get(f"/labels/{lid}").status_code == 404


def test_labels_scope_rules(admin):
    resp = admin.get("/labels")
    assert resp.status_code == 400 and error_of(resp)[1] == "invalid scope: "
    resp = admin.get("/labels", params={"scope": "p"})
    assert resp.status_code == 400 and error_of(resp)[1] == "must with project ID when to query project labels"
    _, user = make_user(admin)
    assert user.post("/labels", json={"name": unique("l"), "scope": "g"}).status_code == 403
    project = unique("lp")
    admin.post("/projects", json={"project_name": project})
    pid = admin.get(f"/projects/{project}").json()["project_id"]
    assert admin.post("/labels", json={"name": "same", "scope": "p", "project_id": pid}).status_code == 201
    assert admin.post("/labels", json={"name": "same", "scope": "g"}).status_code in (201, 409)
    labels = admin.get("/labels", params={"scope": "p", "project_id": pid}).json()
    assert [x["name"] for x in labels] == ["same"] and labels[0]["project_id"] == pid


@pytest.mark.parametrize("vendor", ["gc", "purgeaudit"])
def test_schedule_empty_body_when_unset_then_roundtrip(admin, vendor):
    resp = admin.get(f"/system/{vendor}/schedule")
    assert resp.status_code == 200 and resp.text == ""
    params = ({"delete_untagged": True, "dry_run": False, "workers": 2} if vendor == "gc" else
              {"audit_retention_hour": 168, "include_event_types": "create_artifact", "dry_run": False})
    resp = admin.put(f"/system/{vendor}/schedule", json={"schedule": {"type": "Custom", "cron": "0 0 2 * * *"},
                                                         "parameters": params})
    assert resp.status_code == 200 and resp.text == ""
    got = admin.get(f"/system/{vendor}/schedule").json()
    assert got["schedule"]["type"] == "Custom" and got["schedule"]["cron"] == "0 0 2 * * *"
    assert got["schedule"]["next_scheduled_time"].endswith("02:00:00.000Z")
    # gc's schedule keeps delete_untagged, delete_tag and workers (controller CreateSchedule)
    expected = {"delete_untagged": True, "delete_tag": False, "workers": 2} if vendor == "gc" else params
    assert json.loads(got["job_parameters"]) == expected and got["job_kind"] == "0 0 2 * * *"
    assert "job_name" not in got
    # None deletes (purge checks its parameters for every type, None included)
    if vendor == "purgeaudit":
        resp = admin.put(f"/system/{vendor}/schedule", json={"schedule": {"type": "None"}})
        assert resp.status_code == 400 and error_of(resp)[1] == "schedule parameter cann't be empty"
    assert admin.put(f"/system/{vendor}/schedule", json={"schedule": {"type": "None"}, "parameters": params}
                     ).status_code == 200
    assert admin.get(f"/system/{vendor}/schedule").text == ""
    # POST non-Manual: Location ends in /0
    resp = admin.post(f"/system/{vendor}/schedule", json={"schedule": {"type": "Daily", "cron": "0 0 0 * * *"},
                                                          "parameters": params})
    assert resp.status_code == 201 and resp.headers["Location"] == f"/api/v2.0/system/{vendor}/0"
    admin.put(f"/system/{vendor}/schedule", json={"schedule": {"type": "None"}, "parameters": params})


@pytest.mark.parametrize("cron", ["0 0 * * *", "5 0 2 * * *", "0 0 25 * * *"])
def test_gc_cron_validation(admin, cron):
    resp = admin.put("/system/gc/schedule", json={"schedule": {"type": "Custom", "cron": cron}})
    assert resp.status_code == 400
    assert error_of(resp)[1] == f"invalid cron string for scheduled gc: {cron}"
    empty = admin.put("/system/gc/schedule", json={"schedule": {"type": "Daily", "cron": ""}})
    assert error_of(empty) == ("BAD_REQUEST", "empty cron string for gc schedule")


def test_gc_manual_run_and_workers(admin):
    resp = admin.post("/system/gc/schedule", json={"schedule": {"type": "Manual"},
                                                   "parameters": {"delete_untagged": True}})
    assert resp.status_code == 201
    gc_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert gc_id > 0 and resp.headers["Location"] == f"/api/v2.0/system/gc/{gc_id}"
    history = admin.get(f"/system/gc/{gc_id}").json()
    assert history["id"] == gc_id and history["job_name"] == "GARBAGE_COLLECTION"
    assert history["job_kind"] == "MANUAL"
    assert history["schedule"] == {"type": "Manual", "next_scheduled_time": "0001-01-01T00:00:00.000Z"}
    assert gc_id in [h["id"] for h in admin.get("/system/gc").json()]
    assert admin.get("/system/gc/schedule").text == ""  # Manual does not create a schedule
    bad = admin.put("/system/gc/schedule", json={"schedule": {"type": "Custom", "cron": "0 0 1 * * *"},
                                                 "parameters": {"workers": 11}})
    assert bad.status_code == 400


def test_purge_requires_retention_hour(admin):
    """verifyCreateRequest / verifyUpdateRequest (src/server/v2.0/handler/purge.go)."""
    daily = {"type": "Daily", "cron": "0 0 0 * * *"}
    for params, message in (({"include_event_types": "x"}, "audit_retention_hour should provide"),
                            ({"audit_retention_hour": 240001, "include_event_types": "x"},
                             "audit_retention_hour should be less than 240000"),
                            ({"audit_retention_hour": 24}, "include_event_types should provide"),
                            ({}, "schedule parameter cann't be empty")):
        resp = admin.put("/system/purgeaudit/schedule", json={"schedule": daily, "parameters": params})
        assert resp.status_code == 400 and error_of(resp)[1] == message
    resp = admin.post("/system/purgeaudit/schedule", json={"parameters": {"audit_retention_hour": 1}})
    assert resp.status_code == 400 and error_of(resp)[1] == "schedule cann't be empty"


def test_unknown_schedule_type_is_noop(admin):
    assert admin.put("/system/gc/schedule", json={"schedule": {"type": "Schedule", "cron": "0 0 1 * * *"}}
                     ).status_code == 200
    assert admin.get("/system/gc/schedule").text == ""


def test_statistics(admin, anon):
    before = admin.get("/statistics").json()
    assert set(before) == {"private_project_count", "private_repo_count", "public_project_count",
                           "public_repo_count", "total_project_count", "total_repo_count",
                           "total_storage_consumption"}
    admin.post("/projects", json={"project_name": unique("stat")})
    after = admin.get("/statistics").json()
    assert after["private_project_count"] == before["private_project_count"] + 1
    assert after["total_project_count"] == before["total_project_count"] + 1
    assert anon.get("/statistics").status_code == 401
