"""Immutable tag rules (src/server/v2.0/handler/immutable.go, src/pkg/immutable): CRUD with
Harbor's quirks, and enforcement: no push over an immutable tag, no deletion of an artifact that
holds one (API and /v2/), retention keeps it, tags report `immutable`."""

from __future__ import annotations

import pytest
import requests

from dataplane_support import wait_for
from housekeeping_support import ADMIN, image_manifest, push_image, put_manifest
from simcore_support import Client, error_of, make_user, unique

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def client(sim):
    return Client(sim.url, ADMIN)


def rule(tags="v*", repos="**", decoration="matches", **extra):
    out = {"disabled": False, "action": "immutable", "template": "immutable_template",
           "tag_selectors": [{"kind": "doublestar", "decoration": decoration, "pattern": tags}],
           "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                               "pattern": repos}]}}
    out.update(extra)
    return out


def make_project(client):
    name = unique("imm")
    assert client.post("/projects", json={"project_name": name}).status_code == 201
    return name


def create(client, project, body):
    resp = client.post(f"/projects/{project}/immutabletagrules", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].startswith(f"/api/v2.0/projects/{project}/immutabletagrules/")
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def test_rule_crud_and_quirks(client):
    project = make_project(client)
    rid = create(client, project, rule(disabled=True))
    rules = client.get(f"/projects/{project}/immutabletagrules").json()
    # created enabled whatever `disabled` said; false/0 omitted
    assert rules == [{"id": rid, "action": "immutable", "template": "immutable_template",
                      "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "v*"}],
                      "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                                          "pattern": "**"}]}}]
    dup = client.post(f"/projects/{project}/immutabletagrules", json=rule(disabled=True))
    assert dup.status_code == 409 and error_of(dup) == ("CONFLICT", "immutable rule already exists")
    # PUT: the id must match; a changed `disabled` only toggles (the new pattern is ignored)
    resp = client.put(f"/projects/{project}/immutabletagrules/{rid}", json=rule(tags="x*"))
    assert resp.status_code == 400
    assert error_of(resp)[1] == "the immutable_rule_id doesn't match the id in the payload body of ImmutableRule"
    assert client.put(f"/projects/{project}/immutabletagrules/{rid}",
                      json=rule(tags="x*", id=rid, disabled=True)).status_code == 200
    got = client.get(f"/projects/{project}/immutabletagrules").json()[0]
    assert got["disabled"] is True and got["tag_selectors"][0]["pattern"] == "v*"
    assert client.put(f"/projects/{project}/immutabletagrules/{rid}",
                      json=rule(tags="x*", id=rid, disabled=True)).status_code == 200
    assert client.get(f"/projects/{project}/immutabletagrules").json()[0]["tag_selectors"][0]["pattern"] == "x*"
    other = make_project(client)
    resp = client.delete(f"/projects/{other}/immutabletagrules/{rid}")
    other_id = client.get(f"/projects/{other}").json()["project_id"]
    assert resp.status_code == 404 and error_of(resp)[1] == f"project id {other_id} does not match"
    assert client.delete(f"/projects/{project}/immutabletagrules/{rid}").status_code == 200
    resp = client.delete(f"/projects/{project}/immutabletagrules/{rid}")
    assert resp.status_code == 404 and error_of(resp)[1] == f"immutable rule {rid} not found"
    assert client.get(f"/projects/{project}/immutabletagrules/{rid}").status_code == 405
    assert client.post(f"/projects/{project}/immutabletagrules", json={"tag_selectors": "x"}).status_code == 422
    _, user = make_user(client)
    assert client.post(f"/projects/{project}/members",
                       json={"role_id": 2, "member_user": {"username": user.auth[0]}}).status_code == 201
    assert user.post(f"/projects/{project}/immutabletagrules", json=rule()).status_code == 403
    assert user.get(f"/projects/{project}/immutabletagrules").status_code == 403  # developer: no list
    client.delete("/_sim/requests")
    client.get(f"/projects/{project}/immutabletagrules")
    assert [r["method"] for r in client.get("/_sim/requests").json()] == ["GET"]


def test_immutable_tags_are_enforced(sim, client):
    project = make_project(client)
    digest = push_image(sim.url, f"{project}/app", "v1", 4096)
    push_image(sim.url, f"{project}/app", "dev", 4096)
    base = f"/projects/{project}/repositories/app/artifacts"
    wait_for(lambda: len(client.get(base).json()) == 2, what="pushes")
    create(client, project, rule(tags="v*", repos="app"))
    tags = {t["name"]: t["immutable"] for a in client.get(base).json() for t in a["tags"]}
    assert tags == {"v1": True, "dev": False}
    # pushing another image over v1 is refused; a new tag matching the rule is fine
    manifest = image_manifest(sim.url, f"{project}/app", 2048)
    resp = put_manifest(sim.url, f"{project}/app", "v1", manifest)
    assert resp.status_code == 412
    assert error_of(resp) == ("PRECONDITION", "Failed to process request due to 'app:v1' configured as immutable.")
    assert put_manifest(sim.url, f"{project}/app", "v2", manifest).status_code == 201
    # deleting the artifact of an immutable tag: API and /v2/
    resp = client.delete(f"{base}/{digest}")
    assert resp.status_code == 412 and error_of(resp)[1] == "the tag v1 configured as immutable, cannot be deleted"
    resp = requests.delete(f"{sim.url}/v2/{project}/app/manifests/{digest}", auth=ADMIN, timeout=10)
    assert resp.status_code == 412
    assert client.get(f"{base}/{digest}").status_code == 200
    # retention keeps an immutable artifact it would delete (IMMUTABLE in the task log)
    pid = client.get(f"/projects/{project}").json()["project_id"]
    resp = client.post("/retentions", json={
        "algorithm": "or", "scope": {"level": "project", "ref": pid}, "trigger": {"kind": "Schedule", "settings": {}},
        "rules": [{"action": "retain", "template": "always", "params": {},
                   "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "dev"}],
                   "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                                       "pattern": "**"}]}}]})
    assert resp.status_code == 201, resp.text
    rid = int(resp.headers["Location"].rsplit("/", 1)[1])
    eid = int(client.post(f"/retentions/{rid}/executions", json={"dry_run": False}).headers["Location"]
              .rsplit("/", 1)[1])
    wait_for(lambda: client.get(f"/retentions/{rid}/executions").json()[0]["status"] != "Running", what="retention")
    task = client.get(f"/retentions/{rid}/executions/{eid}/tasks").json()[0]
    assert (task["total"], task["retained"]) == (3, 3)  # v2 and v1 are immutable, dev is retained
    assert "IMMUTABLE" in client.get(f"/retentions/{rid}/executions/{eid}/tasks/{task['id']}").text
    # a disabled rule enforces nothing
    rule_id = client.get(f"/projects/{project}/immutabletagrules").json()[0]["id"]
    assert client.put(f"/projects/{project}/immutabletagrules/{rule_id}",
                      json=rule(tags="v*", repos="app", id=rule_id, disabled=True)).status_code == 200
    assert client.delete(f"{base}/{digest}").status_code == 200
