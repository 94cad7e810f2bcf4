"""Repositories API (`/projects/{project_name}/repositories`), backed by the registry's events."""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from ..auth import can, current_principal, require_project_access
from ..context import get_sim
from ..errors import not_found
from ..listing import filter_items, paginate, parse_q, sort_items

routes = web.RouteTableDef()


def dataplane_of(request):
    sim = get_sim(request)
    if sim.dataplane is None:
        raise not_found("the data plane is not running")
    return sim, sim.dataplane


def project_for(request, resource="repository", action="read"):
    """The project (404 when absent) after Harbor's RBAC check (401 anonymous, 403 forbidden)."""
    sim, dp = dataplane_of(request)
    name = request.match_info["project_name"]
    project = dp.host.project(name)
    if project is None:
        raise not_found(f"project {name} not found")
    require_project_access(request, sim, project, resource, action)
    return dp, project


def repository_name(request):
    """Harbor wants slashes in the repository path parameter double-encoded (a%252Fb)."""
    return request.match_info["project_name"] + "/" + unquote(request.match_info["repository_name"])


def repo_json(dp, row, project):
    return dp.artifacts.repository_json(row, project["project_id"],
                                        dp.artifacts.artifact_count(row["id"]))


def list_response(request, items):
    """A page of repositories after Harbor's q filter (name, id, project_id) and sort (those and
    creation_time, update_time, pull_count; newest first by default)."""
    fields = {k: (lambda it, k=k: it.get(k)) for k in ("name", "id", "project_id")}
    items = filter_items(items, parse_q(request), fields)
    fields.update({k: (lambda it, k=k: it.get(k)) for k in ("creation_time", "update_time", "pull_count")})
    items = sort_items(request, items, fields, default="-creation_time")
    return paginate(request, items)


@routes.get("/api/v2.0/projects/{project_name}/repositories")
async def list_repositories(request):
    dp, project = project_for(request, "repository", "list")
    items = [repo_json(dp, r, project) for r in dp.artifacts.repositories(project["name"])]
    return list_response(request, items)


@routes.get("/api/v2.0/repositories")
async def list_all_repositories(request):
    """Every repository the caller may list (Harbor's ListAllRepositories)."""
    sim, dp = dataplane_of(request)
    principal = current_principal(request)
    items, projects = [], {}
    for row in dp.artifacts.all_repositories():
        name = row["project_name"]
        if name not in projects:
            project = dp.host.project(name)
            projects[name] = project if project and can(sim, principal, project, "repository", "list") else None
        if projects[name] is not None:
            items.append(repo_json(dp, row, projects[name]))
    return list_response(request, items)


@routes.get("/api/v2.0/projects/{project_name}/repositories/{repository_name}")
async def get_repository(request):
    dp, project = project_for(request)
    name = repository_name(request)
    row = dp.artifacts.repository(name)
    if row is None:
        raise not_found(f"repository {name} not found")
    return web.json_response(repo_json(dp, row, project))


@routes.delete("/api/v2.0/projects/{project_name}/repositories/{repository_name}")
async def delete_repository(request):
    dp, project = project_for(request, "repository", "delete")
    name = repository_name(request)
    row = dp.artifacts.repository(name)
    if row is None:
        raise not_found(f"repository {name} not found")
    await get_sim(request).blocking(dp.delete_repository, name)
    return web.Response(status=200)
