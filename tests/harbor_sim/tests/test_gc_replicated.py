"""Issue 17's scenario at the sim level: two nodes A -> B with event-based replication that
replicates deletions; an image pushed to A reaches B, its deletion on A is replicated to B, and GC
on each node frees its own registry's storage (each node has its own storage in dual master)."""

from __future__ import annotations

import json
import os

import pytest

from dataplane_support import wait_for
from harbor_sim.testing import SimProcess
from housekeeping_support import ADMIN, blob_bytes, push_image
from simcore_support import Client

pytestmark = pytest.mark.sim


def run_gc(client):
    resp = client.post("/system/gc/schedule", json={"schedule": {"type": "Manual"}, "parameters": {}})
    gc_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    done = wait_for(lambda: (lambda b: b if b["job_status"] != "Running" else None)(
        client.get(f"/system/gc/{gc_id}").json()), 60, what=f"gc {gc_id}")
    assert done["job_status"] == "Success"
    return json.loads(done["job_parameters"])


def digests(client, repo):
    resp = client.get(f"/projects/library/repositories/{repo}/artifacts")
    return [a["digest"] for a in resp.json()] if resp.status_code == 200 else []


def test_replicated_deletion_is_reclaimed_by_gc_on_both_nodes(tmp_path):
    env = dict(os.environ, GC_TIME_WINDOW_HOURS="0")
    with SimProcess(tmp_path / "a", env=env) as node_a, SimProcess(tmp_path / "b", env=env) as node_b:
        a, b = Client(node_a.url, ADMIN), Client(node_b.url, ADMIN)
        resp = a.post("/registries", json={"name": "node-b", "type": "harbor", "url": node_b.url, "insecure": True,
                                           "credential": {"type": "basic", "access_key": ADMIN[0],
                                                          "access_secret": ADMIN[1]}})
        assert resp.status_code == 201, resp.text
        reg_id = int(resp.headers["Location"].rsplit("/", 1)[1])
        assert a.post("/replication/policies", json={
            "name": "a-to-b", "src_registry": {"id": 0}, "dest_registry": {"id": reg_id},
            "trigger": {"type": "event_based"}, "enabled": True, "deletion": True, "override": True,
            "filters": [{"type": "name", "value": "library/**"}]}).status_code == 201
        digest = push_image(node_a.url, "library/big", "v1", 512 * 1024)
        wait_for(lambda: digests(b, "big") == [digest], 60, what="the image on B")
        sizes = {"a": blob_bytes(tmp_path / "a"), "b": blob_bytes(tmp_path / "b")}
        assert a.delete(f"/projects/library/repositories/big/artifacts/{digest}").status_code == 200
        wait_for(lambda: digests(b, "big") == [], 60, what="the deletion on B")
        freed = {"a": run_gc(a)["freed_space"], "b": run_gc(b)["freed_space"]}
        for node in ("a", "b"):
            after = blob_bytes(tmp_path / node)
            assert freed[node] == sizes[node] - after >= 512 * 1024, (node, freed, sizes, after)
