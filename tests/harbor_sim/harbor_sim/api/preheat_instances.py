"""P2P preheat provider instances (src/server/v2.0/handler/preheat.go, src/controller/p2p/preheat,
src/pkg/p2p/preheat; v2.15.2 behaviour). The sim has no preheat policies, so no instance is ever
in use; it never contacts the provider."""

from __future__ import annotations

import json
import re
import time

from aiohttp import web

from ..auth import require_system_admin
from ..context import get_sim
from ..errors import bad_request, conflict, internal, not_found
from ..listing import json_response, page_params, paginate
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, ok

routes = web.RouteTableDef()
BASE = "/api/v2.0/p2p/preheat/instances"
NAME = re.compile(r"^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$")  # nameRegex
BODY_TYPES = {"id": int, "name": str, "description": str, "vendor": str, "endpoint": str, "auth_mode": str,
              "auth_info": dict, "status": str, "enabled": bool, "default": bool, "insecure": bool,
              "setup_timestamp": int}
# the drivers' Self() metadata (src/pkg/p2p/preheat/provider/dragonfly.go, kraken.go at v2.15.2)
PROVIDERS = [
    {"id": "dragonfly", "name": "Dragonfly", "icon": "https://raw.githubusercontent.com/dragonflyoss/Dragonfly2/master/"
     "docs/images/logo/dragonfly-linear.png", "version": "2.1.59", "source": "https://github.com/dragonflyoss/Dragonfly2",
     "maintainers": ["chlins.zhang@gmail.com", "gaius.qi@gmail.com"]},
    {"id": "kraken", "name": "Kraken", "icon": "https://github.com/uber/kraken/blob/master/assets/kraken-logo-color.svg",
     "version": "0.1.3", "source": "https://github.com/uber/kraken", "maintainers": ["mmpei/peimingming@corp.netease.com"]},
]


def _instance(body) -> dict:
    """convertParamInstanceToModelInstance: an invalid name is a plain error (500)."""
    check_types(body, BODY_TYPES)
    info = body.get("auth_info") or {}
    if not all(isinstance(v, str) for v in info.values()):
        raise bad_request("auth_info values must be strings")
    if not NAME.match(body.get("name") or ""):
        raise internal()
    return {"id": body.get("id") or 0, "name": body["name"], "description": body.get("description") or "",
            "vendor": body.get("vendor") or "", "endpoint": body.get("endpoint") or "",
            "auth_mode": body.get("auth_mode") or "", "auth_info": info, "status": body.get("status") or "",
            "enabled": body.get("enabled") is True, "default": body.get("default") is True,
            "insecure": body.get("insecure") is True, "setup_timestamp": body.get("setup_timestamp") or 0}


def _json(sim, row) -> dict:
    """convertInstanceToPayload (no auth_info from 2.14.4/2.15.1; status always Unknown)."""
    out = {"id": row["id"], "name": row["name"], "description": row["description"], "vendor": row["vendor"],
           "endpoint": row["endpoint"], "auth_mode": row["auth_mode"], "status": "Unknown",
           "enabled": bool(row["enabled"]), "default": bool(row["is_default"]), "insecure": bool(row["insecure"]),
           "setup_timestamp": row["setup_timestamp"]}
    if not sim.version.has("preheat_auth_info_hidden"):
        out["auth_info"] = json.loads(row["auth_info"]) or None
    return {k: v for k, v in out.items() if v not in ("", 0, None) or k in ("enabled", "default", "insecure")}


def _by_name(sim, name):
    row = sim.db.query_one("SELECT * FROM core_preheat_instance WHERE name = ?", (name,))
    if row is None:
        raise not_found(f"instance {name} not found")
    return row


@routes.get("/api/v2.0/p2p/preheat/providers")
async def list_providers(request):
    require_system_admin(request, "preheat-instance", "list")
    return json_response(PROVIDERS)


@routes.get(BASE)
async def list_instances(request):
    sim = get_sim(request)
    require_system_admin(request, "preheat-instance", "list")
    page, size = page_params(request)
    rows = sim.db.query("SELECT * FROM core_preheat_instance ORDER BY id")
    return paginate(request, [_json(sim, r) for r in rows], page, size)


@routes.post(BASE)
async def create_instance(request):
    """A taken endpoint is the controller's plain ErrorConflict (500); a taken name is 409."""
    sim = get_sim(request)
    require_system_admin(request, "preheat-instance", "create")
    ins = _instance(await read_json(request))
    if sim.db.query_one("SELECT id FROM core_preheat_instance WHERE endpoint = ?", (ins["endpoint"],)):
        raise internal()
    try:
        sim.db.insert("INSERT INTO core_preheat_instance (name, description, vendor, endpoint, auth_mode, auth_info,"
                      " enabled, is_default, insecure, setup_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (ins["name"], ins["description"], ins["vendor"], ins["endpoint"], ins["auth_mode"],
                       json.dumps(ins["auth_info"]), int(ins["enabled"]), int(ins["default"]), int(ins["insecure"]),
                       int(time.time())))
    except UniqueViolation:
        raise conflict(f"instance {ins['name']} already exists")
    return created(request, ins['name'])


@routes.get(BASE + "/{name}")
async def get_instance(request):
    sim = get_sim(request)
    require_system_admin(request, "preheat-instance", "read")
    return json_response(_json(sim, _by_name(sim, request.match_info["name"])))


@routes.put(BASE + "/{name}")
async def update_instance(request):
    """The instance to update is the body's `id` (the path name only finds the stored credentials);
    every column is written, `setup_timestamp` included; the vendor cannot change (plain error)."""
    sim = get_sim(request)
    require_system_admin(request, "preheat-instance", "update")
    body = await read_json(request)
    existing = _by_name(sim, request.match_info["name"])
    if sim.version.has("preheat_auth_info_hidden") and not body.get("auth_info") and \
            (body.get("auth_mode") or existing["auth_mode"]) != "NONE":
        body = dict(body, auth_info=json.loads(existing["auth_info"]))  # mergePreheatInstanceAuthOnUpdate
    ins = _instance(body)
    old = sim.db.query_one("SELECT * FROM core_preheat_instance WHERE id = ?", (ins["id"],))
    if old is None:
        raise not_found(f"instance {ins['id']} not found")
    if old["vendor"] != ins["vendor"]:
        raise internal()
    try:
        sim.db.execute("UPDATE core_preheat_instance SET name = ?, description = ?, vendor = ?, endpoint = ?,"
                       " auth_mode = ?, auth_info = ?, enabled = ?, is_default = ?, insecure = ?, setup_timestamp = ?"
                       " WHERE id = ?",
                       (ins["name"], ins["description"], ins["vendor"], ins["endpoint"], ins["auth_mode"],
                        json.dumps(ins["auth_info"]), int(ins["enabled"]), int(ins["default"]), int(ins["insecure"]),
                        ins["setup_timestamp"], ins["id"]))
    except UniqueViolation:
        raise internal()
    return ok()


@routes.delete(BASE + "/{name}")
async def delete_instance(request):
    sim = get_sim(request)
    require_system_admin(request, "preheat-instance", "delete")
    row = _by_name(sim, request.match_info["name"])
    sim.db.execute("DELETE FROM core_preheat_instance WHERE id = ?", (row["id"],))
    return ok()
