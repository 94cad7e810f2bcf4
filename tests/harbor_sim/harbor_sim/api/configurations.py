"""GET/PUT /configurations: {key: {value, editable}}, write-only passwords, partial updates."""

from __future__ import annotations

from aiohttp import web

from ..auth import require_system_admin
from ..configs import ITEMS, POSITIVE, VERSIONED, WRITE_ONLY
from ..context import get_sim
from ..errors import HarborError, bad_request
from ..listing import json_response
from ..validate import read_json
from .common import ok

routes = web.RouteTableDef()
TYPE_NAMES = {str: "string", bool: "boolean", int: "integer"}


def _users_exist(sim) -> bool:
    return sim.db.query_one("SELECT id FROM core_user WHERE id > 2 AND deleted = 0") is not None


@routes.get("/api/v2.0/configurations")
async def get_configurations(request):
    sim = get_sim(request)
    require_system_admin(request, "configuration", "read")
    values = sim.config.all()
    locked_auth = _users_exist(sim)
    out = {}
    for name in sorted(sim.version.strip(ITEMS, VERSIONED)):
        if name in WRITE_ONLY:
            continue
        out[name] = {"value": values[name], "editable": not (name == "auth_mode" and locked_auth)}
    return json_response(out)


@routes.put("/api/v2.0/configurations")
async def put_configurations(request):
    sim = get_sim(request)
    require_system_admin(request, "configuration", "update")
    body = await read_json(request)
    changes = {}
    for name, value in sim.version.strip(body, VERSIONED).items():
        if name not in ITEMS or value is None:
            continue  # unknown keys are dropped silently
        typ = ITEMS[name][0]
        if typ is int:
            good = isinstance(value, int) and not isinstance(value, bool)
        else:
            good = isinstance(value, typ)
        if not good:
            raise HarborError(422, f"{name} in body must be of type {TYPE_NAMES[typ]}: \"{value!r}\"")
        changes[name] = value
    current = sim.config.all()
    if "auth_mode" in changes and changes["auth_mode"] != current["auth_mode"]:
        if changes["auth_mode"] not in ("db_auth", "ldap_auth", "uaa_auth", "http_auth", "oidc_auth"):
            raise bad_request(f"invalid auth_mode: {changes['auth_mode']}")
        if _users_exist(sim):
            raise bad_request("the auth mode cannot be modified as new users have been inserted into database")
    for name in POSITIVE:
        if name in changes and changes[name] <= 0:
            raise bad_request(f"the {name} value must be positive")
    if "project_creation_restriction" in changes and \
            changes["project_creation_restriction"] not in ("everyone", "adminonly"):
        raise bad_request("invalid project_creation_restriction")
    if changes.get("skip_audit_log_database") and not changes.get(
            "audit_log_forward_endpoint", current["audit_log_forward_endpoint"]):
        raise bad_request("audit log forward endpoint should be configured before enable skip audit log in database")
    if changes:
        sim.config.set_many(changes)
    return ok()
