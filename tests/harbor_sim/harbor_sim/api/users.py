"""Users (src/server/v2.0/handler/user.go)."""

from __future__ import annotations

import re

from aiohttp import web

from .. import jsonout, passwords
from ..auth import current_principal, require_auth, require_system_admin
from ..context import get_sim
from ..errors import HarborError, bad_request, conflict, forbidden, not_found
from ..listing import filter_items, json_response, page_params, paginate, parse_q, sort_items
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, int_id, ok

routes = web.RouteTableDef()
ILLEGAL = re.compile(r'[,"~#%$]')
EMAIL = re.compile(r"^(([^<>()\[\]\\.,;:\s@\"]+(\.[^<>()\[\]\\.,;:\s@\"]+)*)|(\".+\"))@"
                   r"((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$")
PROFILE_TYPES = {"email": str, "realname": str, "comment": str}
CREATE_TYPES = dict(PROFILE_TYPES, username=str, password=str)


def user_json(row) -> dict:
    return jsonout.clean({"email": row["email"], "realname": row["realname"], "comment": row["comment"],
                          "user_id": row["id"], "username": row["username"],
                          "sysadmin_flag": bool(row["sysadmin_flag"]), "admin_role_in_auth": False,
                          "creation_time": row["creation_time"], "update_time": row["update_time"]},
                         always=("sysadmin_flag", "admin_role_in_auth"))


def get_user(sim, user_id: int):
    row = sim.db.query_one("SELECT * FROM core_user WHERE id = ? AND deleted = 0", (user_id,))
    if row is None:
        raise not_found(f"user {user_id} not found")
    return row


def validate_profile(body: dict) -> None:
    email = body.get("email") or ""
    if not email:
        raise bad_request("email can't be empty")
    if not EMAIL.match(email):
        raise bad_request("email with illegal format")
    realname = body.get("realname") or ""
    if not 1 <= len(realname) <= 255:
        raise bad_request("realname with illegal length")
    if ILLEGAL.search(realname):
        raise bad_request("realname contains illegal characters")
    if len(body.get("comment") or "") > 30:
        raise bad_request("comment with illegal length")


def _is_self(principal, user_id: int) -> bool:
    return principal is not None and not principal.is_robot and principal.id == user_id


def _require_self_or_admin(request, user_id: int, action: str):
    """requireReadable / the db_auth branch of requireModifiable."""
    principal = current_principal(request)
    if _is_self(principal, user_id):
        return principal
    return require_system_admin(request, "user", action)


def _require_modifiable(request, sim, user_id: int):
    if sim.config.get("auth_mode") == "db_auth":
        return _require_self_or_admin(request, user_id, "update")
    if user_id != 1:  # other auth modes: only the local admin can be changed
        raise forbidden(f"User with ID {user_id} can't be updated")
    return require_system_admin(request, "user", "update")


@routes.get("/api/v2.0/users")
async def list_users(request):
    sim = get_sim(request)
    require_system_admin(request, "user", "list")
    page, size = page_params(request)
    conds = parse_q(request)
    rows = sim.db.query("SELECT * FROM core_user WHERE deleted = 0 ORDER BY id")
    if not any(c.key in ("user_id", "id") for c in conds):
        rows = [r for r in rows if r["id"] > 1]
    for legacy in ("username", "email"):
        if request.query.get(legacy):
            rows = [r for r in rows if request.query[legacy] in (r[legacy] or "")]
    fields = {"user_id": lambda r: r["id"], "id": lambda r: r["id"], "username": lambda r: r["username"],
              "email": lambda r: r["email"], "realname": lambda r: r["realname"],
              "sysadmin_flag": lambda r: bool(r["sysadmin_flag"]), "creation_time": lambda r: r["creation_time"]}
    rows = sort_items(request, filter_items(rows, conds, fields), fields)
    return paginate(request, [user_json(r) for r in rows], page, size)


@routes.post("/api/v2.0/users")
async def create_user(request):
    sim = get_sim(request)
    mode = sim.config.get("auth_mode")
    if mode != "db_auth":
        raise forbidden(f"creating local user is not allowed under auth mode: {mode}")
    if sim.config.get("self_registration"):
        try:
            require_system_admin(request, "user", "create")
        except HarborError:
            raise forbidden("self-registration cannot be triggered via API")
    else:
        require_system_admin(request, "user", "create")
    body = await read_json(request)
    check_types(body, CREATE_TYPES)
    if not passwords.valid(body.get("password")):
        raise bad_request(passwords.POLICY_MESSAGE)
    validate_profile(body)
    username = body.get("username") or ""
    if not 1 <= len(username) <= 255:
        raise bad_request("username with illegal length")
    if ILLEGAL.search(username):
        raise bad_request("username contains illegal characters")
    now = jsonout.now()
    salt = passwords.new_salt()
    try:
        uid = sim.db.insert(
            "INSERT INTO core_user (username, email, realname, comment, password, salt, creation_time, update_time)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (username, body["email"], body["realname"], body.get("comment") or "",
             passwords.hash_password(body["password"], salt), salt, now, now))
    except UniqueViolation:
        raise conflict(f"user {username} or email {body['email']} already exists")
    return created(request, uid)


@routes.get("/api/v2.0/users/current")
async def current_user(request):
    principal = require_auth(request)
    if principal.is_robot:
        raise HarborError(412, "get current user not available for security context: robot")
    return json_response(user_json(get_user(get_sim(request), principal.id)))


@routes.get("/api/v2.0/users/search")
async def search_users(request):
    require_auth(request)
    sim = get_sim(request)
    name = request.query.get("username")
    if not name:
        raise HarborError(422, "validation failure list:\nusername in query is required")
    page, size = page_params(request)
    rows = sim.db.query("SELECT id, username FROM core_user WHERE deleted = 0 AND id > 1 ORDER BY id")
    items = [{"user_id": r["id"], "username": r["username"]} for r in rows if name in r["username"]]
    return paginate(request, items, page, size)


@routes.get("/api/v2.0/users/{user_id}")
async def read_user(request):
    uid = int_id(request, "user_id", "user")
    _require_self_or_admin(request, uid, "read")
    return json_response(user_json(get_user(get_sim(request), uid)))


@routes.put("/api/v2.0/users/{user_id}")
async def update_user(request):
    sim = get_sim(request)
    uid = int_id(request, "user_id", "user")
    _require_modifiable(request, sim, uid)
    get_user(sim, uid)
    body = await read_json(request)
    check_types(body, PROFILE_TYPES)
    validate_profile(body)
    try:
        sim.db.execute("UPDATE core_user SET email = ?, realname = ?, comment = ?, update_time = ? WHERE id = ?",
                       (body["email"], body["realname"], body.get("comment") or "", jsonout.now(), uid))
    except UniqueViolation:
        row = get_user(sim, uid)
        raise conflict(f"user {row['username']} or email {body['email']} already exists")
    return ok()


@routes.delete("/api/v2.0/users/{user_id}")
async def delete_user(request):
    sim = get_sim(request)
    uid = int_id(request, "user_id", "user")
    principal = require_system_admin(request, "user", "delete")
    if uid == 1 or _is_self(principal, uid):
        raise forbidden(f"User with ID {uid} cannot be deleted")
    row = get_user(sim, uid)
    with sim.db.transaction():
        sim.db.execute("UPDATE core_user SET deleted = 1, username = ?, email = ?, update_time = ? WHERE id = ?",
                       (f"{row['username']}#{uid}", f"{row['email']}#{uid}" if row["email"] else None,
                        jsonout.now(), uid))
        sim.db.execute("DELETE FROM core_member WHERE entity_type = 'u' AND entity_id = ?", (uid,))
    return ok()


@routes.put("/api/v2.0/users/{user_id}/sysadmin")
async def set_sysadmin(request):
    sim = get_sim(request)
    uid = int_id(request, "user_id", "user")
    require_system_admin(request, "user", "update")
    get_user(sim, uid)
    body = await read_json(request)
    check_types(body, {"sysadmin_flag": bool})
    sim.db.execute("UPDATE core_user SET sysadmin_flag = ?, update_time = ? WHERE id = ?",
                   (1 if body.get("sysadmin_flag") else 0, jsonout.now(), uid))
    return ok()


@routes.put("/api/v2.0/users/{user_id}/password")
async def change_password(request):
    sim = get_sim(request)
    uid = int_id(request, "user_id", "user")
    principal = _require_modifiable(request, sim, uid)
    row = get_user(sim, uid)
    body = await read_json(request)
    check_types(body, {"old_password": str, "new_password": str})
    new = body.get("new_password") or ""
    if _is_self(principal, uid) and not passwords.verify(body.get("old_password") or "", row["salt"], row["password"]):
        raise forbidden("Current password is incorrect")
    if not passwords.valid(new):
        raise bad_request(passwords.POLICY_MESSAGE)
    if passwords.verify(new, row["salt"], row["password"]):
        raise bad_request("New password is identical to old password")
    salt = passwords.new_salt()
    sim.db.execute("UPDATE core_user SET password = ?, salt = ?, update_time = ? WHERE id = ?",
                   (passwords.hash_password(new, salt), salt, jsonout.now(), uid))
    return ok()
