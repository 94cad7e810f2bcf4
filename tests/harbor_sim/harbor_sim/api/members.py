"""Project members (src/server/v2.0/handler/member.go)."""

from __future__ import annotations

from aiohttp import web

from .. import jsonout, rbac
from ..context import get_sim
from ..errors import bad_request, conflict, not_found
from ..listing import json_response, page_params, paginate
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, int_id, ok
from .projects import project_from_request

routes = web.RouteTableDef()
BASE = "/api/v2.0/projects/{project_name_or_id}/members"
BAD_ROLE = "Failed to update project member, role is not in 1,2,3"


def _member_rows(sim, project_id, member_id=None):
    sql = ("SELECT m.*, CASE WHEN m.entity_type = 'u' THEN u.username ELSE g.group_name END AS entity_name"
           " FROM core_member m LEFT JOIN core_user u ON m.entity_type = 'u' AND u.id = m.entity_id"
           " LEFT JOIN core_usergroup g ON m.entity_type = 'g' AND g.id = m.entity_id WHERE m.project_id = ?")
    params = [project_id]
    if member_id is not None:
        sql += " AND m.id = ?"
        params.append(member_id)
    return sim.db.query(sql + " ORDER BY m.id", tuple(params))


def member_json(row) -> dict:
    return jsonout.clean({"id": row["id"], "project_id": row["project_id"], "entity_name": row["entity_name"],
                          "role_name": rbac.ROLE_NAMES.get(row["role"], ""), "role_id": row["role"],
                          "entity_id": row["entity_id"], "entity_type": row["entity_type"]})


def _role(body) -> int:
    role = body.get("role_id")
    if role not in rbac.ROLE_NAMES:
        raise bad_request(BAD_ROLE)
    return role


@routes.get(BASE)
async def list_members(request):
    sim = get_sim(request)
    project = project_from_request(request, "member", "list")
    page, size = page_params(request)
    rows = _member_rows(sim, project["project_id"])
    name = request.query.get("entityname")
    if name:
        rows = [r for r in rows if name in (r["entity_name"] or "")]
    return paginate(request, [member_json(r) for r in rows], page, size)


def _resolve_user(sim, entity: dict) -> int:
    if entity.get("user_id"):
        row = sim.db.query_one("SELECT id FROM core_user WHERE id = ? AND deleted = 0", (entity["user_id"],))
        if row is None:
            raise not_found(f"user {entity['user_id']} not found")
        return row["id"]
    username = entity.get("username") or ""
    row = sim.db.query_one("SELECT id FROM core_user WHERE username = ? AND deleted = 0", (username,))
    if row is None:
        raise not_found(f"user {username} not found")
    return row["id"]


def _resolve_group(sim, entity: dict) -> int:
    if entity.get("id"):
        row = sim.db.query_one("SELECT id FROM core_usergroup WHERE id = ?", (entity["id"],))
        if row is None:
            raise not_found(f"user group {entity['id']} not found")
        return row["id"]
    name = entity.get("group_name") or ""
    if not name:
        raise bad_request("group name or id is required")
    gtype = entity.get("group_type") or 0
    row = sim.db.query_one("SELECT id FROM core_usergroup WHERE group_name = ? AND group_type = ?", (name, gtype))
    if row:
        return row["id"]
    return sim.db.insert("INSERT INTO core_usergroup (group_name, group_type, ldap_group_dn, creation_time)"
                         " VALUES (?, ?, ?, ?)", (name, gtype, entity.get("ldap_group_dn") or "", jsonout.now()))


@routes.post(BASE)
async def add_member(request):
    sim = get_sim(request)
    project = project_from_request(request, "member", "create")
    body = await read_json(request)
    check_types(body, {"role_id": int, "member_user": {"user_id": int, "username": str},
                       "member_group": {"id": int, "group_name": str, "group_type": int, "ldap_group_dn": str}})
    user, group = body.get("member_user") or {}, body.get("member_group") or {}
    if user.get("user_id") or user.get("username"):
        entity_id, entity_type = _resolve_user(sim, user), "u"
    elif group.get("id") or group.get("group_name"):
        entity_id, entity_type = _resolve_group(sim, group), "g"
    else:
        raise bad_request("at least one of member_user or member_group must be provided")
    if sim.db.query_one("SELECT id FROM core_member WHERE project_id = ? AND entity_id = ? AND entity_type = ?",
                        (project["project_id"], entity_id, entity_type)):
        raise conflict("The project member specified already exist")  # checked before the role
    role = _role(body)
    now = jsonout.now()
    try:
        mid = sim.db.insert("INSERT INTO core_member (project_id, entity_id, entity_type, role, creation_time,"
                            " update_time) VALUES (?, ?, ?, ?, ?, ?)",
                            (project["project_id"], entity_id, entity_type, role, now, now))
    except UniqueViolation:
        raise conflict("The project member specified already exist")
    return created(request, mid)


def _member(request, sim, project):
    mid = int_id(request, "mid", "")
    rows = _member_rows(sim, project["project_id"], mid)
    if not rows:
        raise not_found(f"project member {mid} not found")
    return rows[0]


@routes.get(BASE + "/{mid}")
async def get_member(request):
    sim = get_sim(request)
    project = project_from_request(request, "member", "read")
    return json_response(member_json(_member(request, sim, project)))


@routes.put(BASE + "/{mid}")
async def update_member(request):
    sim = get_sim(request)
    project = project_from_request(request, "member", "update")
    row = _member(request, sim, project)
    body = await read_json(request)
    check_types(body, {"role_id": int})
    sim.db.execute("UPDATE core_member SET role = ?, update_time = ? WHERE id = ?",
                   (_role(body), jsonout.now(), row["id"]))
    return ok()


@routes.delete(BASE + "/{mid}")
async def delete_member(request):
    sim = get_sim(request)
    project = project_from_request(request, "member", "delete")
    mid = int_id(request, "mid", "")
    # the DAO deletes by id without checking: an unknown member id is still 200
    sim.db.execute("DELETE FROM core_member WHERE id = ? AND project_id = ?", (mid, project["project_id"]))
    return ok()
