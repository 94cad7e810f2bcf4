"""Replication policies (FACTS §3.1; src/server/v2.0/handler/replication.go, src/pkg/reg/model/policy.go)."""

from __future__ import annotations

import json
import re

from aiohttp import web

from .. import jsonout
from ..auth import require_system_admin
from ..context import get_sim
from ..errors import HarborError, bad_request, conflict, not_found, precondition
from ..listing import filter_items, json_response, page_params, paginate, parse_q, sort_items
from ..replication.cron import Cron, CronError
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, int_id, ok
from .registries import local_registry_json, registry_json

routes = web.RouteTableDef()
NAMESPACE_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
BODY_TYPES = {"name": str, "description": str, "src_registry": dict, "dest_registry": dict, "dest_namespace": str,
              "dest_namespace_replace_count": int, "trigger": dict, "filters": list, "replicate_deletion": bool,
              "deletion": bool, "override": bool, "enabled": bool, "speed": int, "copy_by_chunk": bool,
              "single_active_replication": bool}
# fields a release's ReplicationPolicy model may lack (versions.SINCE)
VERSIONED = {"single_active_replication": "policy_single_active_replication"}
RUNNING_MSG = "contains executions that aren't in final status, stop the execution first"


def _validate_filters(filters) -> list:
    out = []
    for item in filters or []:
        if not isinstance(item, dict):
            raise HarborError(422, "filters in body must be of type array of objects")
        ftype, value, decoration = item.get("type") or "", item.get("value"), item.get("decoration") or ""
        if not isinstance(decoration, str):
            raise HarborError(422, "decoration in body must be of type string")
        if ftype in ("resource", "name", "tag"):
            if not isinstance(value, str):
                raise bad_request("the type of filter value isn't string")
            if ftype == "resource" and value not in ("image", "artifact"):
                raise bad_request(f"invalid resource filter: {value}")
            if ftype in ("name", "resource") and decoration:
                raise bad_request("only tag and label filter support decoration")
        elif ftype == "label":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise bad_request("the type of label filter value isn't string slice")
        else:
            raise bad_request("invalid filter type")
        if decoration not in ("", "matches", "excludes"):
            raise bad_request(f"invalid filter decoration, :{decoration}")
        out.append({"type": ftype, "value": value, "decoration": decoration})
    return out


def _validate_trigger(trigger):
    """None when the body has no trigger (Harbor stores none and GET omits the key)."""
    if trigger is None:
        return None
    ttype = trigger.get("type") or ""
    raw_settings = trigger.get("trigger_settings")
    settings = raw_settings or {}
    if not isinstance(settings, dict) or not isinstance(settings.get("cron", ""), str):
        raise HarborError(422, "trigger.trigger_settings.cron in body must be of type string")
    cron = settings.get("cron") or ""
    if ttype in ("manual", "event_based"):
        pass
    elif ttype == "scheduled":
        if not cron:
            raise bad_request("the cron string cannot be empty when the trigger type is scheduled")
        try:
            Cron(cron)
        except CronError:
            raise bad_request(f"invalid cron string for scheduled trigger: {cron}")
        parts = cron.split(" ")
        if parts[0] != "0":
            raise bad_request("the 1st field (indicating Seconds of time) of the cron setting must be 0")
        if len(parts) > 1 and parts[1] == "*":
            raise bad_request("* is not allowed for the Minutes field of the cron setting of replication policy")
    else:
        raise bad_request("invalid trigger type")
    return {"type": ttype, "trigger_settings": None if raw_settings is None else {"cron": cron}}


def _policy_from_body(sim, body) -> dict:
    """Harbor builds a fresh model from the body (POST and PUT alike): omitted fields get defaults."""
    check_types(body, BODY_TYPES)
    name = body.get("name") or ""
    src = int((body.get("src_registry") or {}).get("id") or 0)
    dst = int((body.get("dest_registry") or {}).get("id") or 0)
    namespace = body.get("dest_namespace") or ""
    policy = {"name": name, "description": body.get("description") or "", "src_registry_id": src,
              "dest_registry_id": dst, "dest_namespace": namespace,
              "dest_namespace_replace_count": -1 if body.get("dest_namespace_replace_count") is None
              else body["dest_namespace_replace_count"],
              "deletion": bool(body.get("deletion")),  # `replicate_deletion` is ignored, like Harbor
              "override": bool(body.get("override")), "enabled": bool(body.get("enabled")),
              "speed": max(0, body.get("speed") or 0), "copy_by_chunk": bool(body.get("copy_by_chunk")),
              "single_active_replication": bool(body.get("single_active_replication"))}
    trigger = body.get("trigger")
    if policy["single_active_replication"] and isinstance(trigger, dict) and trigger.get("type") == "event_based":
        raise HarborError(500, "internal server error")  # a plain fmt.Errorf in Harbor's handler -> 500
    # policy.Validate(): name, registries, filters, destination namespace, trigger
    if not name:
        raise bad_request("empty name")
    if (src != 0) == (dst != 0):
        raise bad_request("either src_registry or dest_registry should be empty and the other one shouldn't be empty")
    policy["filters"] = _validate_filters(body.get("filters"))
    if namespace and not NAMESPACE_RE.match(namespace):
        raise bad_request(f"invalid destination namespace: {namespace}")
    policy["trigger"] = _validate_trigger(trigger)
    for rid in (src, dst):
        if rid and sim.db.query_one("SELECT id FROM core_registry WHERE id = ?", (rid,)) is None:
            raise not_found(f"registry {rid} not found")
    return policy


def _embedded_registry(sim, registry_id: int) -> dict:
    if registry_id == 0:
        return local_registry_json(sim)
    row = sim.db.query_one("SELECT * FROM core_registry WHERE id = ?", (registry_id,))
    return registry_json(sim, row) if row else {"id": registry_id, "credential": {}}


def policy_json(sim, row) -> dict:
    trigger = json.loads(row["trigger"])
    if trigger is not None:
        settings = trigger.get("trigger_settings")
        trigger = {"type": trigger["type"]}
        if settings is not None:  # ReplicationTriggerSettings.cron is omitempty
            trigger["trigger_settings"] = {"cron": settings["cron"]} if settings.get("cron") else {}
    filters = json.loads(row["filters"])
    if filters:
        filters = [jsonout.clean(f) if f.get("value") != [] else dict(jsonout.clean(f), value=[]) for f in filters]
    out = {"id": row["id"], "name": row["name"], "description": row["description"],
           "src_registry": _embedded_registry(sim, row["src_registry_id"]),
           "dest_registry": _embedded_registry(sim, row["dest_registry_id"]),
           "dest_namespace": row["dest_namespace"], "dest_namespace_replace_count": row["dest_namespace_replace_count"],
           "trigger": trigger,
           "filters": filters or None, "replicate_deletion": bool(row["deletion"]), "deletion": bool(row["deletion"]),
           "override": bool(row["override"]), "enabled": bool(row["enabled"]),
           "creation_time": row["creation_time"], "update_time": row["update_time"], "speed": row["speed"],
           "copy_by_chunk": bool(row["copy_by_chunk"]),
           "single_active_replication": bool(row["single_active_replication"])}
    out = jsonout.clean(out, always=("id", "src_registry", "dest_registry", "dest_namespace_replace_count",
                                     "filters", "speed", "copy_by_chunk", "single_active_replication"))
    return sim.version.strip(out, VERSIONED)


def all_policies(sim) -> list:
    return [policy_json(sim, r) for r in sim.db.query("SELECT * FROM core_replication_policy ORDER BY id")]


def policy_by_id(sim, policy_id: int):
    row = sim.db.query_one("SELECT * FROM core_replication_policy WHERE id = ?", (policy_id,))
    return policy_json(sim, row) if row else None


def _row(request, sim):
    pid = int_id(request, "id", "replication policy")
    row = sim.db.query_one("SELECT * FROM core_replication_policy WHERE id = ?", (pid,))
    if row is None:
        raise not_found(f"replication policy {pid} not found")
    return row


def _params(policy):
    return (policy["name"], policy["description"], policy["src_registry_id"], policy["dest_registry_id"],
            policy["dest_namespace"], policy["dest_namespace_replace_count"], json.dumps(policy["trigger"]),
            json.dumps(policy["filters"] or None), int(policy["deletion"]), int(policy["override"]),
            int(policy["enabled"]), policy["speed"], int(policy["copy_by_chunk"]),
            int(policy["single_active_replication"]))


COLUMNS = ("name, description, src_registry_id, dest_registry_id, dest_namespace, dest_namespace_replace_count,"
           " trigger, filters, deletion, override, enabled, speed, copy_by_chunk, single_active_replication")


@routes.get("/api/v2.0/replication/policies")
async def list_policies(request):
    sim = get_sim(request)
    require_system_admin(request, "replication-policy", "list")
    page, size = page_params(request)
    rows = sim.db.query("SELECT * FROM core_replication_policy")
    if request.query.get("name"):
        rows = [r for r in rows if request.query["name"] in r["name"]]
    fields = {k: (lambda r, k=k: r[k]) for k in ("id", "name", "description", "src_registry_id",
                                                   "dest_registry_id", "creation_time", "update_time")}
    fields["enabled"] = lambda r: bool(r["enabled"])
    rows = sort_items(request, filter_items(rows, parse_q(request), fields), fields, default="-creation_time,-id")
    return paginate(request, [policy_json(sim, r) for r in rows], page, size)


@routes.post("/api/v2.0/replication/policies")
async def create_policy(request):
    sim = get_sim(request)
    require_system_admin(request, "replication-policy", "create")
    policy = _policy_from_body(sim, sim.version.strip(await read_json(request), VERSIONED))
    now = jsonout.now()
    try:
        pid = sim.db.insert(f"INSERT INTO core_replication_policy ({COLUMNS}, creation_time, update_time)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", _params(policy) + (now, now))
    except UniqueViolation:
        raise conflict(f"replication policy {policy['name']} already exists")
    return created(request, pid)


@routes.get("/api/v2.0/replication/policies/{id}")
async def get_policy(request):
    sim = get_sim(request)
    require_system_admin(request, "replication-policy", "read")
    return json_response(policy_json(sim, _row(request, sim)))


@routes.put("/api/v2.0/replication/policies/{id}")
async def update_policy(request):
    sim = get_sim(request)
    require_system_admin(request, "replication-policy", "update")
    row = _row(request, sim)
    policy = _policy_from_body(sim, sim.version.strip(await read_json(request), VERSIONED))
    sets = ", ".join(f"{c.strip()} = ?" for c in COLUMNS.split(","))
    try:
        sim.db.execute(f"UPDATE core_replication_policy SET {sets}, update_time = ? WHERE id = ?",
                       _params(policy) + (jsonout.now(), row["id"]))
    except UniqueViolation:
        raise conflict(f"replication policy {policy['name']} already exists")
    return ok()


def _executions(sim):
    dataplane = sim.dataplane
    return getattr(dataplane, "executions", None) if dataplane is not None else None


@routes.delete("/api/v2.0/replication/policies/{id}")
async def delete_policy(request):
    sim = get_sim(request)
    require_system_admin(request, "replication-policy", "delete")
    row = _row(request, sim)
    executions = _executions(sim)
    if executions is not None and executions.has_running(row["id"]):
        raise precondition(RUNNING_MSG)
    with sim.db.transaction():
        if executions is not None:
            executions.delete_for_policy(row["id"])
        sim.db.execute("DELETE FROM core_replication_policy WHERE id = ?", (row["id"],))
    return ok()
