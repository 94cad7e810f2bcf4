"""The system CVE allowlist (src/server/v2.0/handler/sys_cve_allowlist.go, src/pkg/allowlist)."""

from __future__ import annotations

import json

from aiohttp import web

from .. import jsonout
from ..auth import require_auth, require_system_admin
from ..context import get_sim
from ..errors import internal
from ..listing import json_response
from ..validate import check_types, read_json
from .common import ok

routes = web.RouteTableDef()
PATH = "/api/v2.0/system/CVEAllowlist"


def allowlist_json(row, project_id=0) -> dict:
    """CVEAllowlist.ToSwagger; never set: the manager's empty list (no id, zero times)."""
    if row is None:
        return {"creation_time": jsonout.ZERO_TIME, "update_time": jsonout.ZERO_TIME,
                **({"project_id": project_id} if project_id else {})}
    out = jsonout.clean({"id": row["id"], "project_id": row["project_id"], "expires_at": row["expires_at"],
                         "items": [{"cve_id": c} for c in json.loads(row["items"])] or None,
                         "creation_time": row["creation_time"], "update_time": row["update_time"]})
    if row["expires_at"] is not None:
        out["expires_at"] = row["expires_at"]
    return out


def validate(items, version):
    """allowlist.Validate: an invalidErr the system handler does not translate (500). The blank-ID
    check is 2.14.4+ (not in 2.12/2.13)."""
    seen = set()
    for cve in items:
        if (not cve.strip() and version.has("allowlist_blank_id_check")) or cve in seen:
            raise internal()
        seen.add(cve)


@routes.get(PATH)
async def get_allowlist(request):
    sim = get_sim(request)
    require_auth(request)
    return json_response(allowlist_json(sim.db.query_one("SELECT * FROM core_cve_allowlist WHERE project_id = 0")))


@routes.put(PATH)
async def put_allowlist(request):
    """Only expires_at and the items' cve_id are kept; the whole list is replaced."""
    sim = get_sim(request)
    require_system_admin(request, "configuration", "update")
    body = await read_json(request)
    check_types(body, {"expires_at": int, "items": list})
    items = []
    for item in body.get("items") or []:
        check_types(item if isinstance(item, dict) else {}, {"cve_id": str}, "items.")
        items.append((item or {}).get("cve_id") or "")
    validate(items, sim.version)
    now = jsonout.now()
    with sim.db.transaction():
        if sim.db.execute("UPDATE core_cve_allowlist SET expires_at = ?, items = ?, update_time = ? WHERE project_id = 0",
                          (body.get("expires_at"), json.dumps(items), now)) == 0:
            sim.db.insert("INSERT INTO core_cve_allowlist (project_id, expires_at, items, creation_time, update_time)"
                          " VALUES (0, ?, ?, ?, ?)", (body.get("expires_at"), json.dumps(items), now, now))
    return ok()
