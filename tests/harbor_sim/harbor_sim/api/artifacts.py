"""Artifacts API (`/projects/{p}/repositories/{r}/artifacts`): what pushes made known."""

from __future__ import annotations

from aiohttp import web

from ..context import get_sim
from .. import immutable
from ..errors import not_found, precondition
from ..listing import filter_items, paginate, parse_q
from .repositories import project_for, repository_name

routes = web.RouteTableDef()
BASE = "/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts"


def _flag(request, name, default):
    value = request.query.get(name)
    return default if value is None else value.lower() == "true"


def _mark_immutable(dp, project, repo, item):
    """Tags carry their immutable status (tag controller populateImmutableStatus)."""
    for tag in item.get("tags") or []:
        tag["immutable"] = immutable.tag_immutable(dp.host.db(), project["project_id"], repo, tag["name"])
    return item


def _artifact_or_404(dp, repo, reference):
    art = dp.artifacts.artifact(repo, reference)
    if art is None:
        raise not_found(f"artifact {repo}:{reference} not found")
    return art


@routes.get(BASE)
async def list_artifacts(request):
    dp, project = project_for(request, "artifact", "list")
    repo = repository_name(request)
    row = dp.artifacts.repository(repo)
    if row is None:
        raise not_found(f"repository {repo} not found")
    with_tag = _flag(request, "with_tag", True)
    items = [_mark_immutable(dp, project, repo, dp.artifacts.artifact_json(a, project["project_id"], repo,
                                                                           with_tag=with_tag))
             for a in dp.artifacts.top_level_artifacts(row["id"])]
    conds = parse_q(request)
    tag_conds = [c for c in conds if c.key == "tags"]
    if tag_conds:
        wanted = str(tag_conds[0].value)
        items = [i for i in items if any(t["name"] == wanted for t in (i.get("tags") or []))]
    fields = {k: (lambda it, k=k: it.get(k)) for k in ("digest", "media_type", "type")}
    items = filter_items(items, [c for c in conds if c.key != "tags"], fields)
    return paginate(request, items)


@routes.get(BASE + "/{reference}")
async def get_artifact(request):
    dp, project = project_for(request, "artifact", "read")
    repo = repository_name(request)
    art = _artifact_or_404(dp, repo, request.match_info["reference"])
    return web.json_response(_mark_immutable(dp, project, repo, dp.artifacts.artifact_json(
        art, project["project_id"], repo, with_tag=_flag(request, "with_tag", True))))


@routes.delete(BASE + "/{reference}")
async def delete_artifact(request):
    dp, project = project_for(request, "artifact", "delete")
    repo = repository_name(request)
    art = _artifact_or_404(dp, repo, request.match_info["reference"])
    refusal = immutable.delete_refusal(dp.host.db(), dp.artifacts, project["project_id"], repo, art["digest"])
    if refusal:
        raise precondition(refusal)
    await get_sim(request).blocking(dp.delete_artifact, repo, art["digest"])
    return web.Response(status=200)


@routes.get(BASE + "/{reference}/tags")
async def list_tags(request):
    dp, project = project_for(request, "tag", "list")
    repo = repository_name(request)
    art = _artifact_or_404(dp, repo, request.match_info["reference"])
    tags = _mark_immutable(dp, project, repo, dp.artifacts.artifact_json(art, project["project_id"], repo))["tags"] or []
    return paginate(request, tags)
