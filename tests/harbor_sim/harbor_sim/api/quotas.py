"""Quotas (src/server/v2.0/handler/quota.go): one per project, resource `storage` only."""

from __future__ import annotations

from aiohttp import web

from .. import jsonout
from ..auth import require_system_admin
from ..context import get_sim
from ..errors import bad_request, not_found
from ..listing import filter_items, json_response, page_params, paginate, sort_items
from ..validate import check_types, read_json
from .common import int_id, ok
from .projects import MAX_STORAGE

routes = web.RouteTableDef()


def _rows(sim, quota_id=None):
    sql = ("SELECT q.*, p.name AS project_name, u.username AS owner_name FROM core_quota q"
           " JOIN core_project p ON p.id = q.project_id LEFT JOIN core_user u ON u.id = p.owner_id"
           " WHERE p.deleted = 0")
    params = ()
    if quota_id is not None:
        sql += " AND q.id = ?"
        params = (quota_id,)
    return sim.db.query(sql + " ORDER BY q.id", params)


def quota_json(row) -> dict:
    return {"id": row["id"], "ref": {"id": row["project_id"], "name": row["project_name"],
                                     "owner_name": row["owner_name"] or ""},
            "hard": {"storage": row["hard"]}, "used": {"storage": row["used"]},
            "creation_time": row["creation_time"], "update_time": row["update_time"]}


@routes.get("/api/v2.0/quotas")
async def list_quotas(request):
    sim = get_sim(request)
    require_system_admin(request, "quota", "list")
    page, size = page_params(request)
    rows = _rows(sim)
    ref = request.query.get("reference")
    if ref and ref != "project":
        rows = []
    if request.query.get("reference_id"):
        rows = [r for r in rows if str(r["project_id"]) == request.query["reference_id"]]
    fields = {"creation_time": lambda r: r["creation_time"], "update_time": lambda r: r["update_time"],
              "id": lambda r: r["id"], "hard.storage": lambda r: r["hard"], "used.storage": lambda r: r["used"]}
    rows = sort_items(request, filter_items(rows, [], fields), fields)
    return paginate(request, [quota_json(r) for r in rows], page, size)


def _one(request, sim):
    qid = int_id(request, "id", "quota")
    rows = _rows(sim, qid)
    if not rows:
        raise not_found(f"quota {qid} not found")
    return rows[0]


@routes.get("/api/v2.0/quotas/{id}")
async def get_quota(request):
    sim = get_sim(request)
    require_system_admin(request, "quota", "read")
    return json_response(quota_json(_one(request, sim)))


@routes.put("/api/v2.0/quotas/{id}")
async def update_quota(request):
    sim = get_sim(request)
    require_system_admin(request, "quota", "update")
    body = await read_json(request)
    check_types(body, {"hard": dict})
    hard = body.get("hard") or {}
    if not hard:  # checked before the quota is looked up
        raise bad_request("hard required in body")
    row = _one(request, sim)
    for key, value in hard.items():
        if key != "storage":
            raise bad_request(f"resource {key} not support")
        if not isinstance(value, int) or isinstance(value, bool) or (value != -1 and not 1 <= value <= MAX_STORAGE):
            raise bad_request(f"bad request: Storage value {value} should be -1 or integer between 1 and "
                              f"{MAX_STORAGE}")
    sim.db.execute("UPDATE core_quota SET hard = ?, update_time = ? WHERE id = ?",
                   (hard["storage"], jsonout.now(), row["id"]))
    return ok()
