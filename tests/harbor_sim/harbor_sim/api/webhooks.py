"""Webhook (notification) policies per project (src/server/v2.0/handler/webhook.go,
src/pkg/notification/policy). Policies are stored and validated as Harbor does; the sim delivers no
events, so executions and last-trigger times stay empty."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from aiohttp import web

from .. import jsonout
from ..context import get_sim
from ..errors import bad_request, conflict, not_found
from ..listing import json_response, page_params, paginate
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, int_id, ok
from .projects import project_from_request

routes = web.RouteTableDef()
BASE = "/api/v2.0/projects/{project_name_or_id}/webhook"
# src/pkg/notification/notification.go initSupportedNotifyType
EVENT_TYPES = ["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT", "QUOTA_EXCEED", "QUOTA_WARNING",
               "SCANNING_FAILED", "SCANNING_STOPPED", "SCANNING_COMPLETED", "REPLICATION", "TAG_RETENTION"]
NOTIFY_TYPES = ["http", "slack"]
PAYLOAD_FORMATS = ["Default", "CloudEvents"]
BODY_TYPES = {"id": int, "name": str, "description": str, "project_id": int, "targets": list, "event_types": list,
              "creator": str, "enabled": bool}
TARGET_TYPES = {"type": str, "address": str, "auth_header": str, "skip_cert_verify": bool, "payload_format": str}
def parse_endpoint(address: str) -> str:
    """utils.ParseEndpoint: http(s) only, `http://` added when no scheme; errors are 400."""
    endpoint = address.strip(" ").rstrip("/")
    if not endpoint:
        raise bad_request("empty URL")
    if "://" in endpoint:
        scheme = endpoint[:endpoint.index("://")]
        if scheme not in ("http", "https"):
            raise bad_request(f"invalid scheme: {scheme}")
    else:
        endpoint = "http://" + endpoint
    parts = urlsplit(endpoint)
    if not parts.netloc or re.search(r"\s", endpoint):
        raise bad_request(f"parse \"{endpoint}\": invalid URI for request")
    return endpoint


def _policy(body) -> dict:
    """The handler's JSONCopy into policy.Model plus validateEventTypes and validateTargets."""
    check_types(body, BODY_TYPES)
    name = body.get("name") or ""
    events = body.get("event_types") or []
    if not events:
        raise bad_request("empty event type")
    for event in events:
        if event not in EVENT_TYPES:
            raise bad_request(f"unsupported event type {event}")
    targets = []
    if not body.get("targets"):
        raise bad_request(f"empty notification target with policy {name}")
    for raw in body["targets"]:
        if not isinstance(raw, dict):
            raise bad_request(f"empty notification target with policy {name}")
        check_types(raw, TARGET_TYPES, "targets.")
        target = {"type": raw.get("type") or "", "address": raw.get("address") or "",
                  "auth_header": raw.get("auth_header") or "", "skip_cert_verify": raw.get("skip_cert_verify") is True,
                  "payload_format": raw.get("payload_format") or ""}
        parse_endpoint(target["address"])  # the address is stored as sent (Harbor fixes a copy only)
        if target["type"] not in NOTIFY_TYPES:
            raise bad_request(f"unsupported target type {target['type']} with policy {name}")
        if target["payload_format"] and target["type"] == "slack":
            raise bad_request("set payload format is not allowed for slack")
        if target["payload_format"] and target["payload_format"] not in PAYLOAD_FORMATS:
            raise bad_request(f"unsupported payload format type: {target['payload_format']}")
        if not target["payload_format"] and target["type"] == "http":
            target["payload_format"] = "Default"
        targets.append(target)
    return {"name": name, "description": body.get("description") or "", "targets": targets,
            "event_types": list(events), "creator": body.get("creator") or "", "enabled": body.get("enabled") is True}


def _policy_json(row) -> dict:
    """WebhookPolicy.ToSwagger: the auth header is returned as stored; `enabled` always present."""
    targets = [jsonout.clean({"type": t["type"], "address": t["address"], "auth_header": t.get("auth_header", ""),
                              "skip_cert_verify": t["skip_cert_verify"], "payload_format": t.get("payload_format", "")})
               for t in json.loads(row["targets"])]
    out = {"id": row["id"], "name": row["name"], "description": row["description"], "project_id": row["project_id"],
           "targets": targets or None, "event_types": json.loads(row["event_types"]) or None,
           "creator": row["creator"], "creation_time": row["creation_time"], "update_time": row["update_time"],
           "enabled": bool(row["enabled"])}
    return jsonout.clean(out, always=("enabled",))


def _row(sim, project, policy_id):
    """requirePolicyInProject."""
    row = sim.db.query_one("SELECT * FROM core_webhook_policy WHERE id = ?", (policy_id,))
    if row is None:
        raise not_found(f"notificationPolicy {policy_id} not found")
    if row["project_id"] != project["project_id"]:
        raise not_found(f"project id:{project['project_id']}, webhook policy id: {policy_id} not found")
    return row


@routes.get(BASE + "/policies")
async def list_policies(request):
    sim = get_sim(request)
    project = project_from_request(request, "notification-policy", "list")
    page, size = page_params(request)
    rows = sim.db.query("SELECT * FROM core_webhook_policy WHERE project_id = ? ORDER BY creation_time DESC, id DESC",
                          (project["project_id"],))
    return paginate(request, [_policy_json(r) for r in rows], page, size)


@routes.post(BASE + "/policies")
async def create_policy(request):
    sim = get_sim(request)
    project = project_from_request(request, "notification-policy", "create")
    policy = _policy(await read_json(request))
    now = jsonout.now()
    try:
        pid = sim.db.insert(
            "INSERT INTO core_webhook_policy (project_id, name, description, targets, event_types, creator, enabled,"
            " creation_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (project["project_id"], policy["name"], policy["description"], json.dumps(policy["targets"]),
             json.dumps(policy["event_types"]), policy["creator"], int(policy["enabled"]), now, now))
    except UniqueViolation:
        raise conflict(f"notification policy named {policy['name']} already exists")
    return created(request, pid)


@routes.get(BASE + "/policies/{policy_id}")
async def get_policy(request):
    sim = get_sim(request)
    project = project_from_request(request, "notification-policy", "read")
    return json_response(_policy_json(_row(sim, project, int_id(request, "policy_id", ""))))


@routes.put(BASE + "/policies/{policy_id}")
async def update_policy(request):
    """A full replace of the policy's columns (the DAO updates every field)."""
    sim = get_sim(request)
    project = project_from_request(request, "notification-policy", "update")
    row = _row(sim, project, int_id(request, "policy_id", ""))
    policy = _policy(await read_json(request))
    try:
        sim.db.execute(
            "UPDATE core_webhook_policy SET name = ?, description = ?, targets = ?, event_types = ?, creator = ?,"
            " enabled = ?, update_time = ? WHERE id = ?",
            (policy["name"], policy["description"], json.dumps(policy["targets"]), json.dumps(policy["event_types"]),
             policy["creator"], int(policy["enabled"]), jsonout.now(), row["id"]))
    except UniqueViolation:
        raise conflict(f"notification policy named {policy['name']} already exists")
    return ok()


@routes.delete(BASE + "/policies/{policy_id}")
async def delete_policy(request):
    sim = get_sim(request)
    project = project_from_request(request, "notification-policy", "delete")
    row = _row(sim, project, int_id(request, "policy_id", ""))
    sim.db.execute("DELETE FROM core_webhook_policy WHERE id = ?", (row["id"],))
    return ok()


@routes.get(BASE + "/policies/{policy_id}/executions")
async def list_executions(request):
    sim = get_sim(request)
    project = project_from_request(request, "notification-policy", "read")
    _row(sim, project, int_id(request, "policy_id", ""))
    page, size = page_params(request)
    return paginate(request, [], page, size)  # the sim delivers no events


@routes.get(BASE + "/lasttrigger")
async def last_trigger(request):
    """One entry per policy and event type; never triggered in the sim (zero time omitted)."""
    sim = get_sim(request)
    project = project_from_request(request, "notification-policy", "read")
    rows = sim.db.query("SELECT * FROM core_webhook_policy WHERE project_id = ? ORDER BY id", (project["project_id"],))
    out = [jsonout.clean({"policy_name": r["name"], "event_type": event, "enabled": bool(r["enabled"]),
                          "creation_time": r["creation_time"]}, always=("enabled",))
           for r in rows for event in json.loads(r["event_types"])]
    return json_response(out)


@routes.get(BASE + "/events")
async def supported_events(request):
    project_from_request(request, "notification-policy", "read")
    return json_response({"event_type": EVENT_TYPES, "notify_type": NOTIFY_TYPES,
                          "payload_formats": [{"notify_type": "http", "formats": PAYLOAD_FORMATS}]})
