"""Tag retention (src/server/v2.0/handler/retention.go, src/pkg/retention): policy CRUD with
Harbor's checks and quirks, executions that really delete what no rule retains (dry runs delete
nothing), tasks per selected repository with their logs."""

from __future__ import annotations

import time

import pytest

from dataplane_support import wait_for
from housekeeping_support import ADMIN, push_image
from simcore_support import Client, error_of, make_user, unique

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def client(sim):
    return Client(sim.url, ADMIN)


def make_project(client):
    name = unique("ret")
    assert client.post("/projects", json={"project_name": name}).status_code == 201
    return name, client.get(f"/projects/{name}").json()["project_id"]


def rule(template="always", params=None, tags="**", repos="**", decoration="matches", **extra):
    out = {"disabled": False, "action": "retain", "template": template, "params": params or {},
           "tag_selectors": [{"kind": "doublestar", "decoration": decoration, "pattern": tags}],
           "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                               "pattern": repos}]}}
    out.update(extra)
    return out


def policy(pid, rules, cron=""):
    return {"algorithm": "or", "rules": rules, "scope": {"level": "project", "ref": pid},
            "trigger": {"kind": "Schedule", "settings": {"cron": cron}, "references": {}}}


def create(client, body):
    resp = client.post("/retentions", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].startswith("/api/v2.0/retentions/")
    return int(resp.headers["Location"].rsplit("/", 1)[1])


def tags_of(client, project, repo):
    resp = client.get(f"/projects/{project}/repositories/{repo}/artifacts")
    if resp.status_code != 200:
        return []
    return sorted(t["name"] for a in resp.json() for t in (a.get("tags") or []))


def run(client, rid, dry_run):
    resp = client.post(f"/retentions/{rid}/executions", json={"dry_run": dry_run})
    assert resp.status_code == 201, resp.text
    eid = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert resp.headers["Location"] == f"/api/v2.0/retentions/{rid}/executions/{eid}"

    def final():
        rows = client.get(f"/retentions/{rid}/executions").json()
        done = [e for e in rows if e["id"] == eid and e["status"] != "Running"]
        return done[0] if done else None
    execution = wait_for(final, 30, what=f"retention execution {eid}")
    tasks = client.get(f"/retentions/{rid}/executions/{eid}/tasks").json()
    return execution, tasks


def test_policy_crud_and_project_metadata(client):
    project, pid = make_project(client)
    rid = create(client, policy(pid, [rule("latestPushedK", {"latestPushedK": 10})]))
    assert client.get(f"/projects/{project}/metadatas/retention_id").json() == {"retention_id": str(rid)}
    got = client.get(f"/retentions/{rid}").json()
    assert got == {"id": rid, "algorithm": "or", "scope": {"level": "project", "ref": pid},
                   "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
                   "rules": [{"action": "retain", "template": "latestPushedK", "params": {"latestPushedK": 10},
                              "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                              "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                                                  "pattern": "**"}]}}]}
    again = client.post("/retentions", json=policy(pid, [rule()]))
    assert again.status_code == 400
    assert error_of(again) == ("BAD_REQUEST", f"project {pid} already has retention policy {rid}")
    # PUT replaces the rules and the schedule; GET adds next_scheduled_time
    assert client.put(f"/retentions/{rid}", json=policy(pid, [rule(), rule(tags="v*")], "0 0 3 * * *")
                      ).status_code == 200
    got = client.get(f"/retentions/{rid}").json()
    assert len(got["rules"]) == 2 and got["trigger"]["settings"]["cron"] == "0 0 3 * * *"
    assert got["trigger"]["settings"]["next_scheduled_time"].endswith("T03:00:00.000Z")
    # a PUT naming another policy's project does not match its retention_id
    other, other_pid = make_project(client)
    resp = client.put(f"/retentions/{rid}", json=policy(other_pid, [rule()]))
    assert resp.status_code == 404 and error_of(resp)[1] == f"the retention policy id {rid} does not match"
    assert client.delete(f"/retentions/{rid}").status_code == 200
    assert client.get(f"/projects/{project}/metadatas/retention_id").json() == {}
    # a missing policy: GET is a plain error (500), DELETE wraps it in 400
    assert client.get(f"/retentions/{rid}").status_code == 500
    resp = client.delete(f"/retentions/{rid}")
    assert resp.status_code == 400 and error_of(resp)[1] == f"no such Retention policy with id {rid}"


def test_policy_bad_input_and_access(client):
    project, pid = make_project(client)
    resp = client.post("/retentions", json=policy(pid, [rule(tags=f"t{n}") for n in range(16)]))
    assert resp.status_code == 400 and error_of(resp)[1] == "only 15 rules are allowed at most"
    resp = client.post("/retentions", json=policy(pid, [rule(), rule(tags="x"), rule(tags="x")]))
    assert resp.status_code == 409 and error_of(resp) == ("CONFLICT", "rule 2 is conflict with rule 1")
    resp = client.post("/retentions", json=policy(pid, [rule()], "0 0 25 * * *"))
    assert resp.status_code == 400 and error_of(resp)[1] == "invalid cron string for scheduled tag retention: 0 0 25 * * *"
    resp = client.post("/retentions", json=dict(policy(pid, [rule()]), scope={"level": "system", "ref": 0}))
    assert resp.status_code == 400 and error_of(resp)[1] == "scope system is not support"
    resp = client.post("/retentions", json=policy(999999, [rule()]))
    assert resp.status_code == 400 and error_of(resp)[1] == "invalid Project id 999999"
    resp = client.post("/retentions", json={"algorithm": "or", "rules": []})
    assert resp.status_code == 500  # Harbor dereferences the missing scope
    resp = client.post("/retentions", json=dict(policy(pid, [rule()]), rules="x"))
    assert resp.status_code == 422
    _, user = make_user(client)
    assert client.post(f"/projects/{project}/members",
                       json={"role_id": 2, "member_user": {"username": user.auth[0]}}).status_code == 201
    assert user.post("/retentions", json=policy(pid, [rule()])).status_code == 403  # developer
    anon = Client(client.base)
    assert anon.get("/retentions/metadatas").status_code == 401
    meta = user.get("/retentions/metadatas").json()
    assert [t["rule_template"] for t in meta["templates"]] == [
        "latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always"]
    client.delete("/_sim/requests")
    client.post("/retentions", json=policy(pid, [rule()] * 2))
    log = client.get("/_sim/requests").json()
    assert [(r["method"], r["path"], r["status"]) for r in log] == [("POST", "/api/v2.0/retentions", 409)]


def test_execution_deletes_what_no_rule_retains(sim, client):
    project, pid = make_project(client)
    for tag in ("v1", "v2", "dev-1"):
        push_image(sim.url, f"{project}/app", tag, 4096)
    push_image(sim.url, f"{project}/other", "v1", 4096)
    wait_for(lambda: tags_of(client, project, "app") == ["dev-1", "v1", "v2"], what="pushes")
    wait_for(lambda: tags_of(client, project, "other") == ["v1"], what="push to other")
    # keep v* in app only; `other` is not selected, so it gets no task and keeps everything
    rid = create(client, policy(pid, [rule(tags="v*", repos="app")]))
    execution, tasks = run(client, rid, True)
    assert execution["status"] == "Success" and execution["dry_run"] is True and execution["trigger"] == "MANUAL"
    assert [(t["repository"], t["status"], t["total"], t["retained"]) for t in tasks] == [("app", "Success", 3, 2)]
    assert tags_of(client, project, "app") == ["dev-1", "v1", "v2"]  # dry run
    execution, tasks = run(client, rid, False)
    assert execution["status"] == "Success" and "dry_run" not in execution
    assert tags_of(client, project, "app") == ["v1", "v2"] and tags_of(client, project, "other") == ["v1"]
    log = client.get(f"/retentions/{rid}/executions/{execution['id']}/tasks/{tasks[0]['id']}")
    assert log.status_code == 200 and "Load 3 candidates from repository" in log.text
    assert "| dev-1 " in log.text and "DEL" in log.text and "RETAIN" in log.text
    resp = client.patch(f"/retentions/{rid}/executions/{execution['id']}", json={"action": "pause"})
    assert resp.status_code == 400 and error_of(resp)[1] == "action should be 'stop'"
    assert client.patch(f"/retentions/{rid}/executions/{execution['id']}", json={"action": "stop"}).status_code == 200
    resp = client.get(f"/retentions/{rid}/executions/999999/tasks")
    assert resp.status_code == 404 and error_of(resp)[1] == f"project: {pid}, execution id 999999 not found"


def test_latest_pushed_keeps_the_newest(sim, client):
    project, pid = make_project(client)
    push_image(sim.url, f"{project}/web", "old", 4096)
    time.sleep(1.1)  # Harbor compares push times in whole seconds
    push_image(sim.url, f"{project}/web", "new", 4096)
    wait_for(lambda: tags_of(client, project, "web") == ["new", "old"], what="pushes")
    rid = create(client, policy(pid, [rule("latestPushedK", {"latestPushedK": 1})]))
    execution, tasks = run(client, rid, False)
    assert [(t["total"], t["retained"]) for t in tasks] == [(2, 1)]
    assert tags_of(client, project, "web") == ["new"]
    # a rule with an unknown template fails its task at run time (Harbor does not check on create)
    assert client.put(f"/retentions/{rid}", json=policy(pid, [rule("newestK", {"newestK": 1})])).status_code == 200
    execution, tasks = run(client, rid, False)
    assert execution["status"] == "Error" and tasks[0]["status"] == "Error" and tasks[0]["status_code"] == 3
    assert tags_of(client, project, "web") == ["new"]


def test_proxy_cache_project_gets_a_seven_day_policy(client, fake_registry):
    """project.go CreateProject: a proxy-cache project starts with policy.WithNDaysSinceLastPull(7)."""
    resp = client.post("/registries", json={"name": unique("up"), "type": "harbor", "url": fake_registry + "/open",
                                            "insecure": True})
    assert resp.status_code == 201, resp.text
    registry_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    name = unique("proxy")
    assert client.post("/projects", json={"project_name": name, "registry_id": registry_id}).status_code == 201
    rid = int(client.get(f"/projects/{name}/metadatas/retention_id").json()["retention_id"])
    got = client.get(f"/retentions/{rid}").json()
    assert got["rules"] == [{"id": 1, "priority": 1, "action": "retain", "template": "nDaysSinceLastPull",
                             "params": {"nDaysSinceLastPull": 7},
                             "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                             "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                                                 "pattern": "**"}]}}]
    assert got["trigger"]["settings"]["cron"] == "0 0 0 * * *"
    assert got["trigger"]["settings"]["next_scheduled_time"].endswith("T00:00:00.000Z")
