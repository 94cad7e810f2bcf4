"""Tag retention policies and their executions (src/server/v2.0/handler/retention.go,
src/controller/retention/controller.go, src/pkg/retention/manager.go); the job is retention.py."""

from __future__ import annotations

import datetime
import json
import threading

from aiohttp import web

from .. import jsonout, retention
from ..auth import current_principal, require_auth, require_project_access, require_system_admin
from ..context import get_sim
from ..errors import HarborError, bad_request, conflict, internal, not_found
from ..gc import JobLog
from ..listing import json_response, page_params, paginate
from ..replication.cron import Cron, CronError
from ..validate import check_types, read_json
from .common import created, int_id, ok
from .projects import find_project
from .schedules import FINAL, cron_ok, next_run

routes = web.RouteTableDef()
BASE = "/api/v2.0/retentions"
BODY_TYPES = {"id": int, "algorithm": str, "rules": list, "trigger": dict, "scope": dict}
JOB_SOURCE = "/pkg/retention/job.go"
STATUS_CODES = {"Pending": 0, "Scheduled": 1, "Running": 2, "Stopped": 3, "Error": 3, "Success": 3}
METADATA = {
    "templates": [
        {"rule_template": "latestPushedK", "display_text": "the most recently pushed # artifacts", "action": "retain",
         "params": [{"type": "int", "unit": "COUNT", "required": True}]},
        {"rule_template": "latestPulledN", "display_text": "the most recently pulled # artifacts", "action": "retain",
         "params": [{"type": "int", "unit": "COUNT", "required": True}]},
        {"rule_template": "nDaysSinceLastPush", "display_text": "pushed within the last # days", "action": "retain",
         "params": [{"type": "int", "unit": "DAYS", "required": True}]},
        {"rule_template": "nDaysSinceLastPull", "display_text": "pulled within the last # days", "action": "retain",
         "params": [{"type": "int", "unit": "DAYS", "required": True}]},
        {"rule_template": "always", "display_text": "always", "action": "retain"},
    ],
    "scope_selectors": [{"display_text": "Repositories", "kind": "doublestar",
                         "decorations": ["repoMatches", "repoExcludes"]}],
    "tag_selectors": [{"display_text": "Tags", "kind": "doublestar", "decorations": ["matches", "excludes"]}],
}
_STOP = set()


def go_time(value=None) -> str:
    """A Go time.Time in JSON (RFC 3339 with trailing zeros of the fraction dropped)."""
    value = value or datetime.datetime.now(datetime.timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


# -- policy shape -------------------------------------------------------------------------------
def _selector(sel) -> dict:
    return jsonout.clean({k: sel.get(k) for k in ("kind", "decoration", "pattern", "extras")})


def _rule(rule) -> dict:
    """rule.Metadata as stored (Go struct fields), without the zero values go-swagger omits."""
    out = {"id": rule.get("id"), "priority": rule.get("priority"), "disabled": rule.get("disabled"),
           "action": rule.get("action"), "template": rule.get("template"), "params": rule.get("params") or None,
           "tag_selectors": [_selector(s) for s in rule.get("tag_selectors") or []] or None,
           "scope_selectors": {k: [_selector(s) for s in v or []] for k, v in
                               (rule.get("scope_selectors") or {}).items()} or None}
    return jsonout.clean(out)


def _normalise(body) -> dict:
    """NewRetentionPolicyFromSwagger: what Harbor keeps of the request (trigger: kind and settings)."""
    trigger = body.get("trigger")
    scope = body.get("scope")
    return {"algorithm": body.get("algorithm") or "", "rules": [_rule(r) for r in body.get("rules") or []],
            "trigger": None if trigger is None else jsonout.clean({"kind": trigger.get("kind"),
                                                                   "settings": trigger.get("settings")}),
            "scope": None if scope is None else {"level": scope.get("level") or "", "ref": scope.get("ref") or 0}}


def _cron(policy):
    trigger = policy.get("trigger") or {}
    if trigger.get("kind") != "Schedule":
        return ""
    cron = (trigger.get("settings") or {}).get("cron")
    return cron if isinstance(cron, str) else ""


def _policy_json(row) -> dict:
    """GetPolicy: the stored policy with its id and, when scheduled, next_scheduled_time."""
    policy = json.loads(row["data"])
    trigger = dict(policy.get("trigger") or {})
    cron = _cron(policy)
    if cron:
        nxt = next_run(cron)
        trigger["settings"] = dict(trigger.get("settings") or {},
                                   next_scheduled_time=jsonout.fmt_time(nxt) if nxt else jsonout.ZERO_TIME)
    out = {"id": row["id"], "algorithm": policy.get("algorithm"), "rules": policy.get("rules") or None,
           "trigger": trigger or None, "scope": jsonout.clean(policy.get("scope") or {}) or None}
    return jsonout.clean(out)


def _validate(policy):
    """The handler's checks before access (15 rules, conflicts)."""
    rules = policy["rules"]
    if len(rules) > 15:
        raise bad_request("only 15 rules are allowed at most")
    seen = {}
    for n, rule in enumerate(rules):
        key = json.dumps({k: v for k, v in rule.items() if k != "id"}, sort_keys=True)
        if key in seen:
            raise conflict(f"rule {n} is conflict with rule {seen[key]}")
        seen[key] = n


def _validate_cron(policy):
    """ValidateRetentionPolicy: a non-empty cron of a Schedule trigger must parse."""
    cron = _cron(policy)
    if cron and not cron_ok(cron):
        raise bad_request(f"invalid cron string for scheduled tag retention: {cron}")


def _require_access(request, sim, policy, action):
    """requireAccess: tag-retention on the scope's project, or system access for other levels.
    A body without scope or trigger makes Harbor dereference nil: 500."""
    if policy.get("scope") is None or policy.get("trigger") is None:
        raise internal()
    scope = policy["scope"]
    if scope["level"] != "project":
        require_system_admin(request, "tag-retention", action)
        return None
    project = find_project(sim, str(scope["ref"])) if scope["ref"] > 0 else None
    principal = current_principal(request)
    if project is None and principal is not None and principal.sysadmin:
        return None  # the admin passes by id; the handler's own lookup answers next
    require_project_access(request, sim, project, "tag-retention", action)
    return project


def _row(sim, pid, status=500):
    """GetPolicy of a missing id is a plain error: 500 from GET, 400 where the handler wraps it."""
    row = sim.db.query_one("SELECT * FROM core_retention_policy WHERE id = ?", (pid,))
    if row is None:
        if status == 500:
            raise internal()
        raise HarborError(status, f"no such Retention policy with id {pid}")
    return row


def _retention_id(sim, project_id):
    meta = sim.db.query_one("SELECT value FROM core_project_metadata WHERE project_id = ? AND name = 'retention_id'",
                            (project_id,))
    return meta["value"] if meta else None


# -- policies -------------------------------------------------------------------------------------
@routes.get(BASE + "/metadatas")
async def get_metadata(request):
    require_auth(request)
    return json_response(METADATA)


@routes.post(BASE)
async def create_policy(request):
    sim = get_sim(request)
    require_auth(request)
    body = await read_json(request)
    check_types(body, BODY_TYPES)
    policy = _normalise(body)
    _validate(policy)
    _require_access(request, sim, policy, "create")
    scope = policy["scope"]
    if scope["level"] != "project":
        raise bad_request(f"scope {scope['level']} is not support")
    if scope["ref"] <= 0 or find_project(sim, str(scope["ref"])) is None:
        raise bad_request(f"invalid Project id {scope['ref']}")
    old = _retention_id(sim, scope["ref"])
    if old:
        raise bad_request(f"project {scope['ref']} already has retention policy {old}")
    _validate_cron(policy)
    return created(request, insert_policy(sim, scope["ref"], policy))


def insert_policy(sim, project_id, policy) -> int:
    """The policy and the project's `retention_id` metadata."""
    now = jsonout.now()
    with sim.db.transaction():
        pid = sim.db.insert("INSERT INTO core_retention_policy (project_id, data, creation_time, update_time)"
                            " VALUES (?, ?, ?, ?)", (project_id, json.dumps(policy), now, now))
        sim.db.execute("INSERT INTO core_project_metadata (project_id, name, value) VALUES (?, 'retention_id', ?)",
                       (project_id, str(pid)))
    return pid


def proxy_cache_policy(project_id) -> dict:
    """policy.WithNDaysSinceLastPull(project, 7): what a new proxy-cache project gets
    (src/server/v2.0/handler/project.go defaultDaysToRetentionForProxyCacheProject)."""
    return {"algorithm": "or",
            "rules": [{"id": 1, "priority": 1, "action": "retain", "template": "nDaysSinceLastPull",
                       "params": {"nDaysSinceLastPull": 7},
                       "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                       "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches",
                                                           "pattern": "**"}]}}],
            "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 0 * * *"}},
            "scope": {"level": "project", "ref": project_id}}


@routes.get(BASE + "/{id}")
async def get_policy(request):
    sim = get_sim(request)
    require_auth(request)
    row = _row(sim, int_id(request, "id", ""))
    _require_access(request, sim, json.loads(row["data"]), "read")
    return json_response(_policy_json(row))


@routes.put(BASE + "/{id}")
async def update_policy(request):
    sim = get_sim(request)
    require_auth(request)
    pid = int_id(request, "id", "")
    body = await read_json(request)
    check_types(body, BODY_TYPES)
    policy = _normalise(body)
    _validate(policy)
    _require_access(request, sim, policy, "update")
    if _retention_id(sim, policy["scope"]["ref"]) != str(pid):
        raise not_found(f"the retention policy id {pid} does not match")
    _validate_cron(policy)
    _row(sim, pid)
    sim.db.execute("UPDATE core_retention_policy SET data = ?, update_time = ? WHERE id = ?",
                   (json.dumps(policy), jsonout.now(), pid))
    return ok()


@routes.delete(BASE + "/{id}")
async def delete_policy(request):
    sim = get_sim(request)
    require_auth(request)
    row = _row(sim, int_id(request, "id", ""), 400)
    policy = json.loads(row["data"])
    _require_access(request, sim, policy, "delete")
    with sim.db.transaction():
        execs = [r["id"] for r in sim.db.query("SELECT id FROM core_retention_execution WHERE policy_id = ?",
                                                (row["id"],))]
        for eid in execs:
            sim.db.execute("DELETE FROM core_retention_task WHERE execution_id = ?", (eid,))
        sim.db.execute("DELETE FROM core_retention_execution WHERE policy_id = ?", (row["id"],))
        sim.db.execute("DELETE FROM core_retention_policy WHERE id = ?", (row["id"],))
        sim.db.execute("DELETE FROM core_project_metadata WHERE project_id = ? AND name = 'retention_id'",
                       (row["project_id"],))
    return ok()


# -- executions -----------------------------------------------------------------------------------
def start_execution(sim, row, trigger, dry_run, operator="") -> int:
    """TriggerRetentionExec: the execution runs its repository tasks in the background."""
    eid = sim.db.insert("INSERT INTO core_retention_execution (policy_id, status, trigger, dry_run, operator,"
                        " start_time) VALUES (?, 'Running', ?, ?, ?, ?)",
                        (row["id"], trigger, int(dry_run), operator, go_time()))
    threading.Thread(target=_run, args=(sim, row, eid, dry_run), daemon=True,
                     name=f"harbor-sim-retention-{eid}").start()
    return eid


def _run(sim, row, eid, dry_run):
    policy = json.loads(row["data"])
    status = "Success"
    try:
        project = find_project(sim, str(row["project_id"])) if sim.dataplane else None
        jobs = retention.repository_rules(sim.dataplane, policy, project) if project else {}
    except retention.RetentionError:
        jobs, status = {}, "Error"
    for repository, rules in sorted(jobs.items()):
        log = JobLog(JOB_SOURCE)
        tid = sim.db.insert("INSERT INTO core_retention_task (execution_id, repository, status, start_time)"
                            " VALUES (?, ?, 'Running', ?)", (eid, repository.split("/", 1)[1], go_time()))
        task_status, total, kept = "Success", 0, 0
        try:
            if eid in _STOP:
                task_status = "Stopped"
            else:
                total, kept = retention.run_task(sim.dataplane, sim.db, project, repository, rules, dry_run, log)
        except retention.RetentionError as exc:
            log.error(str(exc))
            task_status = "Error"
        sim.db.execute("UPDATE core_retention_task SET status = ?, total = ?, retained = ?, log = ?, end_time = ?"
                       " WHERE id = ?", (task_status, total, kept, log.text(), go_time(), tid))
        if task_status != "Success":
            status = task_status
    _STOP.discard(eid)
    sim.db.execute("UPDATE core_retention_execution SET status = ?, end_time = ? WHERE id = ?",
                   (status, go_time(), eid))


def _execution_json(row) -> dict:
    return jsonout.clean({"id": row["id"], "policy_id": row["policy_id"], "start_time": row["start_time"],
                          "end_time": row["end_time"], "status": row["status"], "trigger": row["trigger"],
                          "dry_run": bool(row["dry_run"])})


def _task_json(row) -> dict:
    out = jsonout.clean({"id": row["id"], "execution_id": row["execution_id"], "repository": row["repository"],
                         "job_id": f"retention-{row['id']}", "status": row["status"],
                         "start_time": row["start_time"], "end_time": row["end_time"]})
    out.update(status_code=STATUS_CODES.get(row["status"], 0), total=row["total"], retained=row["retained"])
    return out


def _execution(sim, row, eid):
    """requireExecutionInProject."""
    execution = sim.db.query_one("SELECT * FROM core_retention_execution WHERE id = ? AND policy_id = ?",
                                 (eid, row["id"]))
    if execution is None:
        raise not_found(f"project: {row['project_id']}, execution id {eid} not found")
    return execution


def _policy_for_execution(request, sim, action):
    row = _row(sim, int_id(request, "id", ""), 400)
    _require_access(request, sim, json.loads(row["data"]), action)
    if action != "list" or "eid" in request.match_info:
        if _retention_id(sim, row["project_id"]) != str(row["id"]):
            raise not_found(f"the retention policy id {row['id']} does not match")
    return row


@routes.post(BASE + "/{id}/executions")
async def trigger_execution(request):
    sim = get_sim(request)
    principal = require_auth(request)
    body = await read_json(request)
    check_types(body, {"dry_run": bool})
    row = _row(sim, int_id(request, "id", ""), 400)
    _require_access(request, sim, json.loads(row["data"]), "update")
    eid = start_execution(sim, row, "MANUAL", body.get("dry_run") is True, principal.name)
    return created(request, eid)


@routes.get(BASE + "/{id}/executions")
async def list_executions(request):
    sim = get_sim(request)
    require_auth(request)
    page, size = page_params(request)
    row = _policy_for_execution(request, sim, "list")
    rows = sim.db.query("SELECT * FROM core_retention_execution WHERE policy_id = ? ORDER BY id DESC", (row["id"],))
    return paginate(request, [_execution_json(r) for r in rows], page, size)


@routes.patch(BASE + "/{id}/executions/{eid}")
async def operate_execution(request):
    sim = get_sim(request)
    require_auth(request)
    body = await read_json(request)
    check_types(body, {"action": str})
    if body.get("action") != "stop":
        raise bad_request("action should be 'stop'")
    row = _policy_for_execution(request, sim, "update")
    execution = _execution(sim, row, int_id(request, "eid", ""))
    if execution["status"] not in FINAL:
        _STOP.add(execution["id"])
    return ok()


@routes.get(BASE + "/{id}/executions/{eid}/tasks")
async def list_tasks(request):
    sim = get_sim(request)
    require_auth(request)
    page, size = page_params(request)
    row = _policy_for_execution(request, sim, "list")
    execution = _execution(sim, row, int_id(request, "eid", ""))
    rows = sim.db.query("SELECT * FROM core_retention_task WHERE execution_id = ? ORDER BY id", (execution["id"],))
    return paginate(request, [_task_json(r) for r in rows], page, size)


@routes.get(BASE + "/{id}/executions/{eid}/tasks/{tid}")
async def get_task_log(request):
    sim = get_sim(request)
    require_auth(request)
    row = _policy_for_execution(request, sim, "read")
    execution = _execution(sim, row, int_id(request, "eid", ""))
    task = sim.db.query_one("SELECT * FROM core_retention_task WHERE id = ? AND execution_id = ?",
                            (int_id(request, "tid", ""), execution["id"]))
    if task is None:
        raise not_found(f"project: {row['project_id']}, execution id {execution['id']} not found")
    return web.Response(status=200, text=task["log"], content_type="text/plain")


def fire_due(sim, when, acquire_once=None) -> list:
    """Scheduled retention runs (trigger SCHEDULE) whose cron matches `when`."""
    started = []
    for row in sim.db.query("SELECT * FROM core_retention_policy"):
        cron = _cron(json.loads(row["data"]))
        try:
            if not cron or not Cron(cron).matches(when):
                continue
        except CronError:
            continue
        if acquire_once is not None and not acquire_once(f"retention:{row['id']}:{int(when.timestamp())}"):
            continue
        started.append(start_execution(sim, row, "SCHEDULE", False, "harbor-jobservice"))
    return started
