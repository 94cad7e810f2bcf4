"""Housekeeping behaviour of an older release (--harbor-version 2.12.4; harbor_sim/versions.py):
GC without delete_tag, purge's include_operations, scanner and preheat credentials returned and
overwritten by an empty PUT, blank CVE ids accepted; and, as in every release, GC's default time
window (GC_TIME_WINDOW_HOURS unset: 2 hours) keeps blobs uploaded recently."""

from __future__ import annotations

import json

import pytest

from dataplane_support import wait_for
from harbor_sim.testing import SimProcess
from housekeeping_support import ADMIN, SCANNER_KEY, blob_bytes, push_image, scanner_adapter
from simcore_support import Client, error_of

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def old_sim(tmp_path_factory):
    data = tmp_path_factory.mktemp("sim-2.12")
    with SimProcess(data, extra_args=["--harbor-version", "2.12.4"]) as proc:
        proc.data = data
        yield proc


@pytest.fixture(scope="module")
def old(old_sim):
    return Client(old_sim.url, ADMIN)


def run_gc(client, **params):
    resp = client.post("/system/gc/schedule", json={"schedule": {"type": "Manual"}, "parameters": params})
    gc_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    return gc_id, wait_for(lambda: client.get(f"/system/gc/{gc_id}").json()["job_status"] != "Running" and
                           client.get(f"/system/gc/{gc_id}").json(), what="gc")


def test_gc_and_purge_parameters(old):
    gc_id, done = run_gc(old, dry_run=True, delete_tag=True)
    assert done["job_status"] == "Success" and "delete_tag" not in json.loads(done["job_parameters"])
    assert "Garbage Collection parameters: [delete_untagged: false, dry_run: true, time_window: 2, workers: 1]" \
        in old.get(f"/system/gc/{gc_id}/log").text
    assert old.put("/system/gc/schedule", json={"schedule": {"type": "Daily", "cron": "0 0 0 * * *"},
                                                "parameters": {"workers": 2, "delete_tag": True}}).status_code == 200
    assert json.loads(old.get("/system/gc/schedule").json()["job_parameters"]) == {"delete_untagged": False,
                                                                                   "workers": 2}
    daily = {"type": "Daily", "cron": "0 0 1 * * *"}
    resp = old.put("/system/purgeaudit/schedule", json={"schedule": daily, "parameters": {
        "audit_retention_hour": 24, "include_event_types": "create_artifact"}})
    assert resp.status_code == 400 and error_of(resp)[1] == "include_operations should provide"
    assert old.put("/system/purgeaudit/schedule", json={"schedule": daily, "parameters": {
        "audit_retention_hour": 24, "include_operations": "create,delete"}}).status_code == 200


def test_credentials_are_returned_and_replaced(old):
    with scanner_adapter() as url:
        resp = old.post("/scanners", json={"name": "keyed", "url": url + "/key", "auth": "X-ScannerAdapter-API-Key",
                                           "access_credential": SCANNER_KEY})
        assert resp.status_code == 201
        uuid = resp.headers["Location"].rsplit("/", 1)[1]
        assert old.get(f"/scanners/{uuid}").json()["access_credential"] == SCANNER_KEY
        resp = old.put(f"/scanners/{uuid}", json={"name": "keyed", "url": url + "/key",
                                                  "auth": "X-ScannerAdapter-API-Key"})
        assert resp.status_code == 400  # no credential kept before 2.14.4: required again
        assert error_of(resp)[1] == "access_credential is required for auth type X-ScannerAdapter-API-Key"
    body = {"name": "df", "vendor": "dragonfly", "endpoint": "https://df.example.com", "auth_mode": "BASIC",
            "auth_info": {"username": "u", "password": "p"}}
    assert old.post("/p2p/preheat/instances", json=body).status_code == 201
    got = old.get("/p2p/preheat/instances/df").json()
    assert got["auth_info"] == {"username": "u", "password": "p"}
    assert old.put("/p2p/preheat/instances/df", json=dict(body, id=got["id"], auth_info=None)).status_code == 200
    assert "auth_info" not in old.get("/p2p/preheat/instances/df").json()  # an empty PUT cleared it
    assert old.put("/system/CVEAllowlist", json={"items": [{"cve_id": " "}]}).status_code == 200


def test_gc_keeps_blobs_inside_the_time_window(old_sim, old):
    digest = push_image(old_sim.url, "library/fresh", "v1", 100 * 1024)
    wait_for(lambda: old.get("/projects/library/repositories/fresh/artifacts").status_code == 200, what="push")
    assert old.delete(f"/projects/library/repositories/fresh/artifacts/{digest}").status_code == 200
    before = blob_bytes(old_sim.data)
    attrs = json.loads(run_gc(old)[1]["job_parameters"])
    assert attrs["time_window"] == 2 and attrs["freed_space"] == 0 and blob_bytes(old_sim.data) == before
