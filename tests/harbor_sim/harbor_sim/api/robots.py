"""Robot accounts v2 (src/server/v2.0/handler/robot.go, src/controller/robot/controller.go)."""

from __future__ import annotations

import datetime
import json
import re

from aiohttp import web

from .. import jsonout, passwords, rbac
from ..auth import current_principal, require_auth, require_project_access, require_system_admin
from ..context import get_sim
from ..errors import HarborError, bad_request, conflict, forbidden, not_found
from ..listing import Cond, filter_items, json_response, page_params, paginate, parse_q, sort_items
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import int_id, ok
from .projects import find_project

routes = web.RouteTableDef()
NAME_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
MAX_DURATION = 2 ** 31 - 1
BODY_TYPES = {"id": int, "name": str, "description": str, "secret": str, "level": str, "disable": bool,
              "duration": int, "permissions": list, "editable": bool, "expires_at": int}


def _epoch(text: str) -> int:
    return int(datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def robot_json(sim, row) -> dict:
    prefix = sim.config.get("robot_name_prefix")
    out = {"id": row["id"], "name": prefix + row["name"], "description": row["description"], "level": row["level"],
           "duration": row["duration"], "editable": True, "disable": bool(row["disabled"]),
           "expires_at": row["expires_at"], "permissions": json.loads(row["permissions"]),
           "creator_type": row["creator_type"], "creator_ref": row["creator_ref"],
           "creation_time": row["creation_time"], "update_time": row["update_time"]}
    return jsonout.clean(out, always=("duration", "editable", "disable", "permissions"))


def _validate_permissions(sim, level: str, permissions) -> tuple:
    """-> (normalised permissions, project row for project robots)."""
    if not isinstance(permissions, list):
        raise HarborError(422, "permissions in body must be of type array")
    project = None
    if level == "project":
        if len(permissions) != 1:
            raise bad_request("bad request: Permissions should have exactly one entry for a project level robot")
        perm = permissions[0]
        if not isinstance(perm, dict) or perm.get("kind") != "project":
            raise bad_request("bad request: kind of a project level robot must be project")
    out = []
    for perm in permissions:
        if not isinstance(perm, dict):
            raise HarborError(422, "permissions in body must be of type array of objects")
        kind, namespace = perm.get("kind") or "", perm.get("namespace") or ""
        if kind not in ("system", "project"):
            raise bad_request(f"bad request: unknown robot permission kind {kind}")
        if kind == "project" and namespace != "*":
            project = find_project(sim, namespace, by_name=True)
            if project is None:
                raise not_found(f"project {namespace} not found")
        if level == "project" and namespace == "*":
            raise bad_request("bad request: a project level robot cannot cover all projects")
        access = []
        for item in perm.get("access") or []:
            if not isinstance(item, dict):
                raise HarborError(422, "access in body must be of type array of objects")
            resource, action = item.get("resource") or "", item.get("action") or ""
            if not rbac.valid_permission(kind, resource, action):
                raise bad_request(f"bad request permission: {resource}:{action}")
            access.append(jsonout.clean({"resource": resource, "action": action, "effect": item.get("effect")}))
        out.append({"kind": kind, "namespace": "/" if kind == "system" else namespace, "access": access})
    return out, project


def _duration(sim, value):
    duration = value
    if duration is None or duration == 0:
        duration = sim.config.get("robot_token_duration")
    if duration != -1 and not 1 <= duration <= MAX_DURATION:
        raise bad_request("bad request: duration must be either -1(Never) or a positive integer")
    return duration


def _expires(created_epoch: int, duration: int) -> int:
    return -1 if duration == -1 else created_epoch + duration * 86400


def _authorize(request, sim, level, project, action):
    if level == "project" and project is not None:
        require_project_access(request, sim, project, "robot", action)
    else:
        require_system_admin(request, "robot", action)


@routes.post("/api/v2.0/robots")
async def create_robot(request):
    sim = get_sim(request)
    principal = require_auth(request)
    body = await read_json(request)
    check_types(body, BODY_TYPES)
    name, level = body.get("name") or "", body.get("level") or ""
    if level not in ("system", "project"):
        raise bad_request(f"bad request error level input: {level}")
    if not name or len(name) > 255 or not NAME_RE.match(name):
        raise bad_request("bad request: robot name is not in lower case or contains illegal characters")
    permissions, project = _validate_permissions(sim, level, body.get("permissions") or [])
    _authorize(request, sim, level, project, "create")
    duration = _duration(sim, body.get("duration"))
    stored = f"{project['name']}+{name}" if level == "project" else name
    project_id = project["project_id"] if level == "project" else 0
    secret, salt = passwords.random_secret(), passwords.new_salt()  # a requested `secret` is ignored
    now = jsonout.now()
    expires = _expires(_epoch(now), duration)
    try:
        rid = sim.db.insert(
            "INSERT INTO core_robot (name, project_id, level, description, secret, salt, duration, expires_at,"
            " disabled, permissions, creator_ref, creator_type, creation_time, update_time)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (stored, project_id, level, body.get("description") or "", passwords.hash_password(secret, salt), salt,
             duration, expires, 1 if body.get("disable") else 0, json.dumps(permissions),
             principal.id, "robot" if principal.is_robot else "local", now, now))
    except UniqueViolation:
        raise conflict(f"robot account {project_id}:{stored} already exists")
    created_body = {"id": rid, "name": sim.config.get("robot_name_prefix") + stored, "secret": secret,
                    "creation_time": now, "expires_at": expires}
    return web.Response(status=201, text=json.dumps(created_body), content_type="application/json",
                        headers={"Location": f"{request.path.rstrip('/')}/{rid}"})


@routes.get("/api/v2.0/robots")
async def list_robots(request):
    sim = get_sim(request)
    page, size = page_params(request)
    conds = parse_q(request)
    project_conds = [c for c in conds if c.key == "project_id" and c.kind == "exact"]
    if project_conds:
        project = find_project(sim, str(project_conds[0].value))
        require_project_access(request, sim, project, "robot", "list")
        if project is None:
            raise not_found(f"project {project_conds[0].value} not found")
    else:
        require_system_admin(request, "robot", "list")
        if not any(c.key == "level" for c in conds):
            conds = conds + [Cond("level", "exact", "system")]
    prefix = sim.config.get("robot_name_prefix")
    # names may be given with or without the prefix; stored names have none
    conds = [Cond(c.key, c.kind, c.value[len(prefix):]) if c.key == "name" and isinstance(c.value, str)
             and c.value.startswith(prefix) else c for c in conds]
    rows = sim.db.query("SELECT * FROM core_robot ORDER BY id")
    fields = {k: (lambda r, k=k: r[k]) for k in ("id", "level", "project_id", "description", "duration",
                                                   "expires_at", "creation_time", "update_time")}
    fields["name"] = lambda r: r["name"]
    fields["disable"] = lambda r: bool(r["disabled"])
    rows = sort_items(request, filter_items(rows, conds, fields), fields)
    return paginate(request, [robot_json(sim, r) for r in rows], page, size)


def _robot(request, sim, action):
    rid = int_id(request, "robot_id", "")
    row = sim.db.query_one("SELECT * FROM core_robot WHERE id = ?", (rid,))
    project = None
    if row is not None and row["level"] == "project":
        project = find_project(sim, str(row["project_id"]))
    if row is None:
        require_auth(request)
        if not current_principal(request).sysadmin:
            raise forbidden(current_principal(request).name)
        raise not_found(f"robot {rid} not found")
    _authorize(request, sim, row["level"], project, action)
    return row


@routes.get("/api/v2.0/robots/{robot_id}")
async def get_robot(request):
    sim = get_sim(request)
    return json_response(robot_json(sim, _robot(request, sim, "read")))


@routes.put("/api/v2.0/robots/{robot_id}")
async def update_robot(request):
    sim = get_sim(request)
    row = _robot(request, sim, "update")
    body = await read_json(request)
    check_types(body, BODY_TYPES)
    if body.get("name") != sim.config.get("robot_name_prefix") + row["name"] or body.get("level") != row["level"]:
        raise bad_request("cannot update the level or name of robot")
    permissions, project = _validate_permissions(sim, row["level"], body.get("permissions") or [])
    if row["level"] == "project" and (project is None or project["project_id"] != row["project_id"]):
        raise bad_request("cannot update the project id of robot")
    duration = _duration(sim, body.get("duration"))
    sim.db.execute("UPDATE core_robot SET description = ?, disabled = ?, duration = ?, expires_at = ?,"
                   " permissions = ?, update_time = ? WHERE id = ?",
                   (body.get("description") or "", 1 if body.get("disable") else 0, duration,
                    _expires(_epoch(row["creation_time"]), duration), json.dumps(permissions), jsonout.now(),
                    row["id"]))
    return ok()


@routes.patch("/api/v2.0/robots/{robot_id}")
async def refresh_secret(request):
    sim = get_sim(request)
    row = _robot(request, sim, "update")
    body = await read_json(request)
    check_types(body, {"secret": str})
    secret = body.get("secret") or ""
    generated = not secret
    if generated:
        secret = passwords.random_secret()
    elif not passwords.valid(secret):
        raise bad_request(passwords.POLICY_MESSAGE)
    salt = passwords.new_salt()
    sim.db.execute("UPDATE core_robot SET secret = ?, salt = ?, update_time = ? WHERE id = ?",
                   (passwords.hash_password(secret, salt), salt, jsonout.now(), row["id"]))
    return json_response({"secret": secret} if generated else {})


@routes.delete("/api/v2.0/robots/{robot_id}")
async def delete_robot(request):
    sim = get_sim(request)
    row = _robot(request, sim, "delete")
    sim.db.execute("DELETE FROM core_robot WHERE id = ?", (row["id"],))
    return ok()
