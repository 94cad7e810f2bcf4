"""Garbage collection (src/server/v2.0/handler/gc.go, src/jobservice/job/impl/gc): manual runs free
the blobs of deleted artifacts in the registry's storage and report the freed size; dry runs free
nothing; delete_untagged removes untagged artifacts; history, log, stop; a node on another node's
registry sweeps it through --registry-storage. (The default time window: test_housekeeping_versions.)"""

from __future__ import annotations

import json
import os

import pytest
import requests

from harbor_sim.testing import SimProcess
from dataplane_support import wait_for
from housekeeping_support import ADMIN, blob_bytes, push_image
from simcore_support import Client, error_of, make_user

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def gcsim(tmp_path_factory):
    data = tmp_path_factory.mktemp("gcsim")
    proc = SimProcess(data, env=dict(os.environ, GC_TIME_WINDOW_HOURS="0"))
    proc.data = data
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def client(gcsim):
    return Client(gcsim.url, ADMIN)


def run_gc(client, **params):
    resp = client.post("/system/gc/schedule", json={"schedule": {"type": "Manual"}, "parameters": params})
    assert resp.status_code == 201, resp.text
    gc_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert resp.headers["Location"] == f"/api/v2.0/system/gc/{gc_id}"

    def final():
        body = client.get(f"/system/gc/{gc_id}").json()
        return body if body["job_status"] in ("Success", "Error", "Stopped") else None
    return wait_for(final, 60, what=f"gc {gc_id}")


def artifact_digests(client, repo):
    resp = client.get(f"/projects/library/repositories/{repo}/artifacts")
    return [a["digest"] for a in resp.json()] if resp.status_code == 200 else []


def test_gc_frees_the_blobs_of_deleted_artifacts(gcsim, client):
    keep = push_image(gcsim.url, "library/gc-keep", "v1", 100 * 1024)
    gone = push_image(gcsim.url, "library/gc-gone", "v1", 300 * 1024)
    wait_for(lambda: artifact_digests(client, "gc-gone") == [gone], what="push event")
    assert client.delete(f"/projects/library/repositories/gc-gone/artifacts/{gone}").status_code == 200
    before = blob_bytes(gcsim.data)

    dry = run_gc(client, dry_run=True, delete_untagged=False, workers=2)
    assert dry["job_status"] == "Success" and dry["job_kind"] == "MANUAL"
    assert dry["schedule"] == {"type": "Manual", "next_scheduled_time": "0001-01-01T00:00:00.000Z"}
    dry_attrs = json.loads(dry["job_parameters"])
    assert dry_attrs["freed_space"] >= 300 * 1024 and dry_attrs["purged_manifests"] == 1
    assert blob_bytes(gcsim.data) == before  # a dry run deletes nothing

    done = run_gc(client, delete_untagged=False, workers=3)
    attrs = json.loads(done["job_parameters"])
    freed = before - blob_bytes(gcsim.data)
    assert attrs == {"delete_tag": False, "delete_untagged": False, "dry_run": False, "workers": 3,
                     "redis_url_reg": "", "time_window": 0, "freed_space": freed,
                     "purged_blobs": 2, "purged_manifests": 1}
    assert freed == dry_attrs["freed_space"] and freed >= 300 * 1024
    # what is still referenced survives, a second run has nothing left to free
    resp = requests.get(f"{gcsim.url}/v2/library/gc-keep/manifests/v1", auth=ADMIN,
                        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}, timeout=10)
    assert resp.status_code == 200
    for layer in resp.json()["layers"] + [resp.json()["config"]]:
        blob = requests.get(f"{gcsim.url}/v2/library/gc-keep/blobs/{layer['digest']}", auth=ADMIN, timeout=10)
        assert blob.status_code == 200 and len(blob.content) == layer["size"]
    assert artifact_digests(client, "gc-keep") == [keep]
    again = json.loads(run_gc(client)["job_parameters"])
    assert (again["freed_space"], again["purged_blobs"], again["purged_manifests"]) == (0, 0, 0)

    log = client.get(f"/system/gc/{done['id']}/log")
    assert log.status_code == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert "Garbage Collection parameters: [delete_untagged: false, delete_tag: false, dry_run: false, " \
           "time_window: 0, workers: 3]" in log.text
    assert "2 blobs and 1 manifests are actually deleted" in log.text
    assert f"The GC job actual frees up {freed // 1024 // 1024} MB space." in log.text
    history = client.get("/system/gc", params={"page_size": 2})
    assert history.status_code == 200 and int(history.headers["X-Total-Count"]) >= 3
    ids = [h["id"] for h in history.json()]
    assert len(ids) == 2 and ids == sorted(ids, reverse=True) and 'rel="next"' in history.headers["Link"]


def test_gc_delete_untagged_removes_untagged_artifacts(gcsim, client):
    old = push_image(gcsim.url, "library/gc-retag", "latest", 200 * 1024)
    wait_for(lambda: artifact_digests(client, "gc-retag") == [old], what="first push")
    new = push_image(gcsim.url, "library/gc-retag", "latest", 50 * 1024)  # the tag moves: old is untagged
    wait_for(lambda: sorted(artifact_digests(client, "gc-retag")) == sorted([old, new]), what="second push")
    before = blob_bytes(gcsim.data)
    dry = json.loads(run_gc(client, delete_untagged=True, dry_run=True)["job_parameters"])
    assert dry["freed_space"] >= 200 * 1024 and sorted(artifact_digests(client, "gc-retag")) == sorted([old, new])
    done = run_gc(client, delete_untagged=True)
    attrs = json.loads(done["job_parameters"])
    assert artifact_digests(client, "gc-retag") == [new]
    assert attrs["freed_space"] == before - blob_bytes(gcsim.data) >= 200 * 1024
    assert "delete the untagged artifact: ProjectID:(1)-RepositoryName(library/gc-retag)" in \
        client.get(f"/system/gc/{done['id']}/log").text


def test_gc_history_errors_and_access(gcsim, client):
    resp = client.get("/system/gc/999999")
    assert resp.status_code == 404 and error_of(resp) == ("NOT_FOUND", "garbage collection execution 999999 not found")
    resp = client.get("/system/gc/999999/log")
    assert resp.status_code == 404 and error_of(resp) == ("NOT_FOUND", "garbage collection 999999 log is not found")
    resp = client.post("/system/gc/schedule", json={"schedule": {"type": "Manual"}, "parameters": {"workers": 0}})
    assert resp.status_code == 400 and "Invalid number of workers:0" in error_of(resp)[1]
    resp = client.post("/system/gc/schedule", json={"schedule": {"type": "Manual"}, "parameters": {"dry_run": "yes"}})
    assert resp.status_code == 422
    _, user = make_user(client)
    assert user.post("/system/gc/schedule", json={"schedule": {"type": "Manual"}}).status_code == 403
    assert Client(client.base).get("/system/gc").status_code == 401
    # stopping a finished execution is a no-op (exeMgr.Stop)
    done = run_gc(client, dry_run=True)
    assert client.put(f"/system/gc/{done['id']}").status_code == 200
    assert client.get(f"/system/gc/{done['id']}").json()["job_status"] == "Success"
    client.delete("/_sim/requests")
    run_gc(client, dry_run=True)
    writes = [(r["method"], r["path"], r["status"]) for r in client.get("/_sim/requests").json()
              if r["method"] != "GET"]
    assert writes == [("POST", "/api/v2.0/system/gc/schedule", 201)]


def test_gc_schedule_keeps_harbors_extra_attrs(client):
    """GET .../schedule shows the schedule's extra attributes: delete_untagged, delete_tag, workers."""
    resp = client.put("/system/gc/schedule", json={"schedule": {"type": "Weekly", "cron": "0 0 0 * * 0"},
                                                   "parameters": {"delete_untagged": True, "dry_run": True,
                                                                  "workers": 4}})
    assert resp.status_code == 200
    got = client.get("/system/gc/schedule").json()
    assert json.loads(got["job_parameters"]) == {"delete_tag": False, "delete_untagged": True, "workers": 4}
    assert got["schedule"]["type"] == "Weekly" and got["job_kind"] == "0 0 0 * * 0"
    assert client.put("/system/gc/schedule", json={"schedule": {"type": "None"}}).status_code == 200
    assert client.get("/system/gc/schedule").text == ""


def test_gc_sweeps_a_registry_reached_through_registry_storage(gcsim, client, tmp_path):
    """A node on another node's registry (--registry-url) sweeps it through --registry-storage, as
    Harbor's GC does through registryctl."""
    gone = push_image(gcsim.url, "library/gc-remote", "v1", 200 * 1024)
    wait_for(lambda: artifact_digests(client, "gc-remote") == [gone], what="push event")
    assert client.delete(f"/projects/library/repositories/gc-remote/artifacts/{gone}").status_code == 200
    with open(os.path.join(str(gcsim.data), "registry", "config.yml"), encoding="utf-8") as fh:
        registry_url = "http://" + json.load(fh)["http"]["addr"]
    storage = os.path.join(str(gcsim.data), "registry", "storage")
    before = blob_bytes(gcsim.data)
    with SimProcess(tmp_path, env=dict(os.environ, GC_TIME_WINDOW_HOURS="0"),
                    extra_args=["--registry-url", registry_url, "--registry-storage", storage]) as node:
        attrs = json.loads(run_gc(Client(node.url, ADMIN))["job_parameters"])
    assert attrs["freed_space"] == before - blob_bytes(gcsim.data) >= 200 * 1024
