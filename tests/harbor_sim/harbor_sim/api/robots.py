"""Robot accounts v2 (src/server/v2.0/handler/robot.go, src/controller/robot/controller.go)."""

from __future__ import annotations

import datetime
import json
import re

from aiohttp import web

from .. import jsonout, passwords, rbac
from ..auth import require_auth, require_project_access, require_system_admin
from ..context import get_sim
from ..errors import HarborError, bad_request, conflict, not_found
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


def _validate(level, duration, permissions) -> list:
    """robotAPI.validate: duration, level, permission shape and the allowed resource:action set."""
    if duration is None or not (duration == -1 or 0 < duration < MAX_DURATION):
        raise bad_request(f"bad request error duration input: {duration if duration is not None else 0}, "
                          "duration must be either -1(Never) or a positive integer")
    if level not in ("system", "project"):
        raise bad_request(f"bad request error level input: {level}")
    if not isinstance(permissions, list) or not permissions:
        raise bad_request("bad request empty permission")
    for perm in permissions:
        if not isinstance(perm, dict):
            raise HarborError(422, "permissions in body must be of type array of objects")
        if not perm.get("access"):
            raise bad_request("bad request empty access")
    if level == "project" and len(permissions) > 1:
        raise bad_request("bad request permission")
    out = []
    for perm in permissions:
        kind = perm.get("kind") or ""
        if kind not in ("system", "project"):
            raise bad_request(f"bad request permission level: {kind}")
        access = []
        for item in perm["access"]:
            if not isinstance(item, dict):
                raise HarborError(422, "access in body must be of type array of objects")
            resource, action = item.get("resource") or "", item.get("action") or ""
            if not rbac.valid_permission(kind, resource, action):
                raise bad_request(f"bad request permission: {resource}:{action}")
            access.append(jsonout.clean({"resource": resource, "action": action, "effect": item.get("effect")}))
        out.append({"kind": kind, "namespace": perm.get("namespace") or "", "access": access})
    return out


def _expires(created_epoch: int, duration: int) -> int:
    return -1 if duration == -1 else created_epoch + duration * 86400


def _authorize(request, sim, level, project, action):
    """robotAPI.requireAccess: system -> RequireSystemAccess, project -> RequireProjectAccess
    (a project that does not exist is simply 'no permission')."""
    if level == "project":
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
    if not NAME_RE.match(name):
        raise bad_request("robot name is not in lower case or contains illegal characters")
    permissions = _validate(level, body.get("duration") or 0, body.get("permissions"))
    project = find_project(sim, permissions[0]["namespace"], by_name=True) if level == "project" else None
    _authorize(request, sim, level, project, "create")
    duration = body["duration"]
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
    require_auth(request)
    page, size = page_params(request)
    conds = parse_q(request)
    raw = {c.raw_key: c for c in conds}
    project = None
    if "Level" in raw:
        level = raw["Level"].value
        if level not in ("system", "project"):
            raise bad_request("bad request error level input")
        if level == "project":
            if "ProjectID" not in raw:
                raise bad_request("must with project ID when to query project robots")
            try:
                project_id = int(raw["ProjectID"].value)
            except (TypeError, ValueError):
                raise bad_request("Project ID must be int type.")
            project = find_project(sim, str(project_id))
        conds = [c for c in conds if c.raw_key != "Level"] + [Cond("level", "exact", level)]
    else:
        level = "system"
        conds = [c for c in conds if c.key != "project_id"] + [Cond("project_id", "exact", 0)]
    _authorize(request, sim, level, project, "list")
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
    require_auth(request)
    rid = int_id(request, "robot_id", "")
    row = sim.db.query_one("SELECT * FROM core_robot WHERE id = ?", (rid,))
    if row is None:
        raise not_found(f"robot {rid} not found")
    project = find_project(sim, str(row["project_id"])) if row["level"] == "project" else None
    _authorize(request, sim, row["level"], project, action)
    return row


@routes.get("/api/v2.0/robots/{robot_id}")
async def get_robot(request):
    sim = get_sim(request)
    return json_response(robot_json(sim, _robot(request, sim, "read")))


@routes.put("/api/v2.0/robots/{robot_id}")
async def update_robot(request):
    sim = get_sim(request)
    require_auth(request)
    rid = int_id(request, "robot_id", "")
    row = sim.db.query_one("SELECT * FROM core_robot WHERE id = ?", (rid,))
    if row is None:
        raise not_found(f"robot {rid} not found")
    body = await read_json(request)
    check_types(body, BODY_TYPES)
    duration = row["duration"] if body.get("duration") is None else body["duration"]
    level = body.get("level") or ""
    permissions = _validate(level, duration, body.get("permissions"))
    project = None
    if row["level"] != "system":
        project = find_project(sim, permissions[0]["namespace"], by_name=True)
        if project is None:
            raise not_found(f"project {permissions[0]['namespace']} not found")
        if project["project_id"] != row["project_id"]:
            raise bad_request("cannot update the project id of robot")
    _authorize(request, sim, level, project, "update")
    if level != row["level"] or body.get("name") != sim.config.get("robot_name_prefix") + row["name"]:
        raise bad_request("cannot update the level or name of robot")
    expires = row["expires_at"]
    if duration != row["duration"]:
        expires = _expires(_epoch(row["creation_time"]), duration)
    sim.db.execute("UPDATE core_robot SET description = ?, disabled = ?, duration = ?, expires_at = ?,"
                   " permissions = ?, update_time = ? WHERE id = ?",
                   (body.get("description") or "", 1 if body.get("disable") else 0, duration, expires,
                    json.dumps(permissions), jsonout.now(), row["id"]))
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
        raise bad_request("the secret must be 8-128, inclusively, characters long with at least 1 uppercase "
                          "letter, 1 lowercase letter and 1 number")
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
