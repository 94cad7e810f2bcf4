"""Labels (global `g` and project `p` scope)."""

from __future__ import annotations

from aiohttp import web

from .. import jsonout
from ..auth import require_project_access, require_system_admin
from ..context import get_sim
from ..errors import bad_request, conflict, not_found
from ..listing import filter_items, json_response, page_params, paginate, parse_q, sort_items
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, int_id, ok
from .projects import find_project

routes = web.RouteTableDef()
BODY_TYPES = {"name": str, "description": str, "color": str, "scope": str, "project_id": int}


def label_json(row) -> dict:
    return jsonout.clean({"id": row["id"], "name": row["name"], "description": row["description"],
                          "color": row["color"], "scope": row["scope"], "project_id": row["project_id"],
                          "creation_time": row["creation_time"], "update_time": row["update_time"]})


def _authorize(request, sim, scope, project_id, action):
    """labelAPI.requireAccess; listing global labels is the only unchecked call."""
    if scope == "g":
        if action != "list":
            require_system_admin(request, "label", action)
        return
    if scope != "p":
        raise bad_request("unsupported label scope")
    project = find_project(sim, str(project_id))
    require_project_access(request, sim, project, "label", action)
    if project is None:
        raise not_found(f"project {project_id} not found")


@routes.get("/api/v2.0/labels")
async def list_labels(request):
    sim = get_sim(request)
    page, size = page_params(request)
    scope = request.query.get("scope", "")
    if scope not in ("g", "p"):
        raise bad_request(f"invalid scope: {scope}")
    project_id = 0
    if scope == "p":
        try:
            project_id = int(request.query.get("project_id") or 0)
        except ValueError:
            project_id = 0
        if project_id <= 0:
            raise bad_request("must with project ID when to query project labels")
    _authorize(request, sim, scope, project_id, "list")
    rows = sim.db.query("SELECT * FROM core_label WHERE scope = ? AND project_id = ? ORDER BY id", (scope, project_id))
    if request.query.get("name"):
        rows = [r for r in rows if request.query["name"] in r["name"]]
    fields = {k: (lambda r, k=k: r[k]) for k in ("id", "name", "description", "color", "creation_time",
                                                   "update_time")}
    rows = sort_items(request, filter_items(rows, parse_q(request), fields), fields)
    return paginate(request, [label_json(r) for r in rows], page, size)


def _validate(body):
    check_types(body, BODY_TYPES)
    name = body.get("name") or ""
    if not name:
        raise bad_request("label name cannot be empty")
    if len(name) > 128:
        raise bad_request("label name is too long")
    scope = body.get("scope") or ""
    if scope not in ("g", "p"):
        raise bad_request(f"invalid scope: {scope}")
    if scope == "p" and (body.get("project_id") or 0) <= 0:
        raise bad_request("invalid project ID: 0")
    return name, scope, body.get("project_id") or 0 if scope == "p" else 0


@routes.post("/api/v2.0/labels")
async def create_label(request):
    sim = get_sim(request)
    body = await read_json(request)
    check_types(body, BODY_TYPES)
    scope = body.get("scope") or ""
    _authorize(request, sim, scope, body.get("project_id") or 0, "create")
    name, scope, project_id = _validate(body)
    now = jsonout.now()
    try:
        lid = sim.db.insert("INSERT INTO core_label (name, description, color, scope, project_id, creation_time,"
                            " update_time) VALUES (?,?,?,?,?,?,?)",
                            (name, body.get("description") or "", body.get("color") or "", scope, project_id, now,
                             now))
    except UniqueViolation:
        raise conflict(f"label {name} already exists")
    return created(request, lid)


def _label(request, sim, action):
    lid = int_id(request, "label_id", "label")
    row = sim.db.query_one("SELECT * FROM core_label WHERE id = ?", (lid,))
    if row is None:
        raise not_found(f"label {lid} not found")
    _authorize(request, sim, row["scope"], row["project_id"], action)
    return row


@routes.get("/api/v2.0/labels/{label_id}")
async def get_label(request):
    sim = get_sim(request)
    return json_response(label_json(_label(request, sim, "read")))


@routes.put("/api/v2.0/labels/{label_id}")
async def update_label(request):
    sim = get_sim(request)
    row = _label(request, sim, "update")
    body = await read_json(request)
    check_types(body, BODY_TYPES)
    # name, description and color are replaced as sent (omitted = empty)
    name = body.get("name") or ""
    if not name:
        raise bad_request("label name cannot be empty")
    try:
        sim.db.execute("UPDATE core_label SET name = ?, description = ?, color = ?, update_time = ? WHERE id = ?",
                       (name, body.get("description") or "", body.get("color") or "", jsonout.now(), row["id"]))
    except UniqueViolation:
        raise conflict(f"label {name} already exists")
    return ok()


@routes.delete("/api/v2.0/labels/{label_id}")
async def delete_label(request):
    sim = get_sim(request)
    row = _label(request, sim, "delete")
    sim.db.execute("DELETE FROM core_label WHERE id = ?", (row["id"],))
    return ok()
