"""GET /statistics: project/repository counts the caller can see."""

from __future__ import annotations

from aiohttp import web

from ..auth import can, require_auth
from ..context import get_sim
from ..listing import json_response
from .projects import _row_to_project, repo_count

routes = web.RouteTableDef()


@routes.get("/api/v2.0/statistics")
async def statistics(request):
    sim = get_sim(request)
    principal = require_auth(request)
    projects = [_row_to_project(sim, r) for r in sim.db.query("SELECT * FROM core_project WHERE deleted = 0")]
    out = {"private_project_count": 0, "private_repo_count": 0, "public_project_count": 0, "public_repo_count": 0,
           "total_project_count": 0, "total_repo_count": 0}
    for project in projects:
        if not (project["public"] or can(sim, principal, project, "project", "read")):
            continue
        kind = "public" if project["public"] else "private"
        repos = repo_count(sim, project["name"])
        out[f"{kind}_project_count"] += 1
        out[f"{kind}_repo_count"] += repos
    if principal.sysadmin:
        out["total_project_count"] = len(projects)
        out["total_repo_count"] = sum(repo_count(sim, p["name"]) for p in projects)
        dataplane = sim.dataplane
        artifacts = getattr(dataplane, "artifacts", None) if dataplane else None
        out["total_storage_consumption"] = int(artifacts.storage_consumption()) \
            if artifacts is not None and hasattr(artifacts, "storage_consumption") else 0
    return json_response(out)
