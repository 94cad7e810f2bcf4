"""Webhook policies per project (src/server/v2.0/handler/webhook.go): CRUD, Harbor's validation
messages, the auth header as stored, access by role, and the request log."""

from __future__ import annotations

import pytest

from housekeeping_support import ADMIN
from simcore_support import Client, error_of, make_user, unique

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def client(sim):
    return Client(sim.url, ADMIN)


def policy(name, **extra):
    out = {"name": name, "description": "ci hooks", "enabled": True, "event_types": ["PUSH_ARTIFACT", "REPLICATION"],
           "targets": [{"type": "http", "address": "https://hooks.example.com/harbor", "auth_header": "Bearer s3cr3t",
                        "skip_cert_verify": False}]}
    out.update(extra)
    return out


def make_project(client):
    name = unique("hook")
    assert client.post("/projects", json={"project_name": name}).status_code == 201
    return name, client.get(f"/projects/{name}").json()["project_id"]


def test_webhook_policy_crud(client):
    project, pid = make_project(client)
    base = f"/projects/{project}/webhook/policies"
    resp = client.post(base, json=policy("ci"))
    assert resp.status_code == 201 and resp.headers["Location"].startswith(f"/api/v2.0{base}/")
    wid = int(resp.headers["Location"].rsplit("/", 1)[1])
    got = client.get(f"{base}/{wid}").json()
    assert {k: got[k] for k in ("id", "name", "description", "project_id", "event_types", "enabled")} == {
        "id": wid, "name": "ci", "description": "ci hooks", "project_id": pid,
        "event_types": ["PUSH_ARTIFACT", "REPLICATION"], "enabled": True}
    # Harbor returns the auth header as stored; http targets get the Default payload format
    assert got["targets"] == [{"type": "http", "address": "https://hooks.example.com/harbor",
                               "auth_header": "Bearer s3cr3t", "payload_format": "Default"}]
    assert "creator" not in got and got["creation_time"].endswith("Z")
    dup = client.post(base, json=policy("ci"))
    assert dup.status_code == 409 and error_of(dup) == ("CONFLICT", "notification policy named ci already exists")
    # PUT replaces everything; `enabled` omitted is false and still returned
    body = policy("ci", enabled=None, event_types=["DELETE_ARTIFACT"],
                  targets=[{"type": "slack", "address": "https://hooks.slack.com/services/x"}])
    assert client.put(f"{base}/{wid}", json=body).status_code == 200
    got = client.get(f"{base}/{wid}").json()
    assert got["enabled"] is False and got["event_types"] == ["DELETE_ARTIFACT"]
    assert got["targets"] == [{"type": "slack", "address": "https://hooks.slack.com/services/x"}]
    assert [p["id"] for p in client.get(base).json()] == [wid]
    assert client.get(f"{base}/{wid}/executions").json() == []
    events = client.get(f"/projects/{project}/webhook/events").json()
    assert "TAG_RETENTION" in events["event_type"] and events["notify_type"] == ["http", "slack"]
    assert client.get(f"/projects/{project}/webhook/lasttrigger").json() == [
        {"policy_name": "ci", "event_type": "DELETE_ARTIFACT", "enabled": False,
         "creation_time": got["creation_time"]}]
    other, other_pid = make_project(client)
    resp = client.get(f"/projects/{other}/webhook/policies/{wid}")
    assert resp.status_code == 404 and error_of(resp)[1] == f"project id:{other_pid}, webhook policy id: {wid} not found"
    assert client.delete(f"{base}/{wid}").status_code == 200
    resp = client.delete(f"{base}/{wid}")
    assert resp.status_code == 404 and error_of(resp)[1] == f"notificationPolicy {wid} not found"


@pytest.mark.parametrize("body, message", [
    ({"event_types": []}, "empty event type"),
    ({"event_types": ["PUSH_IMAGE"]}, "unsupported event type PUSH_IMAGE"),
    ({"targets": []}, "empty notification target with policy bad"),
    ({"targets": [{"type": "http", "address": "ftp://x.example.com"}]}, "invalid scheme: ftp"),
    ({"targets": [{"type": "http", "address": " "}]}, "empty URL"),
    ({"targets": [{"type": "email", "address": "https://x.example.com"}]}, "unsupported target type email with policy bad"),
    ({"targets": [{"type": "slack", "address": "https://x.example.com", "payload_format": "Default"}]},
     "set payload format is not allowed for slack"),
    ({"targets": [{"type": "http", "address": "https://x.example.com", "payload_format": "Raw"}]},
     "unsupported payload format type: Raw"),
])
def test_webhook_policy_bad_input(client, body, message):
    project, _ = make_project(client)
    resp = client.post(f"/projects/{project}/webhook/policies", json=policy("bad", **body))
    assert resp.status_code == 400 and error_of(resp) == ("BAD_REQUEST", message)


def test_webhook_policy_access_and_request_log(client):
    project, _ = make_project(client)
    base = f"/projects/{project}/webhook/policies"
    assert client.post(base, json=policy("x", enabled="yes")).status_code == 422
    _, user = make_user(client)
    assert client.post(f"/projects/{project}/members",
                       json={"role_id": 4, "member_user": {"username": user.auth[0]}}).status_code == 201
    assert user.post(base, json=policy("m")).status_code == 403  # maintainers may only list
    assert user.get(base).status_code == 200
    assert Client(client.base).get(base).status_code == 401
    client.delete("/_sim/requests")
    assert client.post(base, json=policy("logged")).status_code == 201
    client.get(base)
    assert [(r["method"], r["status"]) for r in client.get("/_sim/requests").json()] == [("POST", 201), ("GET", 200)]
