"""Immutable tag rules per project (src/server/v2.0/handler/immutable.go, src/controller/immutable,
src/pkg/immutable); enforcement is in immutable.py."""

from __future__ import annotations

import json

from aiohttp import web

from .. import immutable, jsonout
from ..context import get_sim
from ..errors import bad_request, conflict, internal, not_found
from ..listing import page_params, paginate
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, int_id, ok
from .projects import project_from_request

routes = web.RouteTableDef()
BASE = "/api/v2.0/projects/{project_name_or_id}/immutabletagrules"
SELECTOR = {"kind": str, "decoration": str, "pattern": str}
BODY_TYPES = {"id": int, "priority": int, "disabled": bool, "action": str, "template": str,
              "tag_selectors": list, "scope_selectors": dict, "params": dict}


def _selectors(items):
    out = []
    for sel in items or []:
        if not isinstance(sel, dict):
            raise bad_request("invalid selector")
        check_types(sel, SELECTOR)
        out.append({"kind": sel.get("kind") or "", "decoration": sel.get("decoration") or "",
                    "pattern": sel.get("pattern") or ""})
    return out


def _metadata(body, project_id) -> dict:
    """model.Metadata as Harbor stores it in tag_filter (json.Marshal order; `params` is dropped)."""
    check_types(body, BODY_TYPES)
    return {"id": body.get("id") or 0, "project_id": project_id, "disabled": body.get("disabled") is True,
            "priority": body.get("priority") or 0, "action": body.get("action") or "",
            "template": body.get("template") or "", "tag_selectors": _selectors(body.get("tag_selectors")) or None,
            "scope_selectors": {k: _selectors(v) for k, v in (body.get("scope_selectors") or {}).items()} or None}


def _rule_json(row) -> dict:
    """ImmutableRule.ToSwagger: id, disabled (the column), priority, action, template, selectors."""
    rule = json.loads(row["tag_filter"])
    out = {"id": row["id"], "disabled": bool(row["disabled"]), "priority": rule.get("priority"),
           "action": rule.get("action"), "template": rule.get("template"),
           "tag_selectors": [jsonout.clean(s) for s in rule.get("tag_selectors") or []] or None,
           "scope_selectors": {k: [jsonout.clean(s) for s in v] for k, v in
                               (rule.get("scope_selectors") or {}).items()} or None}
    return jsonout.clean(out, always=("id",))


def _rule(sim, project_id, rule_id):
    """requireRuleAccess."""
    row = sim.db.query_one("SELECT * FROM core_immutable_rule WHERE id = ?", (rule_id,))
    if row is None:
        raise not_found(f"immutable rule {rule_id} not found")
    if row["project_id"] != project_id:
        raise not_found(f"project id {project_id} does not match")
    return row


@routes.get(BASE)
async def list_rules(request):
    sim = get_sim(request)
    project = project_from_request(request, "immutable-tag", "list")
    page, size = page_params(request)
    rows = immutable.rules(sim.db, project["project_id"])
    return paginate(request, [_rule_json(r) for r in rows], page, size)


@routes.post(BASE)
async def create_rule(request):
    sim = get_sim(request)
    project = project_from_request(request, "immutable-tag", "create")
    body = await read_json(request)
    rule = _metadata(body, project["project_id"])
    try:
        # the DAO inserts every new rule enabled, whatever `disabled` says (its JSON keeps it)
        rid = sim.db.insert("INSERT INTO core_immutable_rule (project_id, tag_filter, disabled) VALUES (?, ?, 0)",
                            (project["project_id"], json.dumps(rule)))
    except UniqueViolation:
        raise conflict("immutable rule already exists")
    return created(request, rid)


@routes.put(BASE + "/{rule_id}")
async def update_rule(request):
    sim = get_sim(request)
    rule_id = int_id(request, "rule_id", "")
    body = await read_json(request)
    check_types(body, BODY_TYPES)
    if (body.get("id") or 0) != rule_id:
        raise bad_request("the immutable_rule_id doesn't match the id in the payload body of ImmutableRule")
    project = project_from_request(request, "immutable-tag", "update")
    rule = _metadata(body, project["project_id"])
    row = _rule(sim, project["project_id"], rule_id)
    if bool(row["disabled"]) != rule["disabled"]:
        # UpdateImmutableRule: a changed `disabled` only toggles the rule, the rest is ignored
        sim.db.execute("UPDATE core_immutable_rule SET disabled = ? WHERE id = ?", (int(rule["disabled"]), rule_id))
        return ok()
    try:
        sim.db.execute("UPDATE core_immutable_rule SET tag_filter = ? WHERE id = ?", (json.dumps(rule), rule_id))
    except UniqueViolation:
        raise internal()  # the DAO's update does not translate the unique violation
    return ok()


@routes.delete(BASE + "/{rule_id}")
async def delete_rule(request):
    sim = get_sim(request)
    rule_id = int_id(request, "rule_id", "")
    project = project_from_request(request, "immutable-tag", "delete")
    _rule(sim, project["project_id"], rule_id)
    sim.db.execute("DELETE FROM core_immutable_rule WHERE id = ?", (rule_id,))
    return ok()
