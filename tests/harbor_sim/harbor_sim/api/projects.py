"""Projects, project metadata, summary/_deletable (src/server/v2.0/handler/project.go)."""

from __future__ import annotations

import json
import re

from aiohttp import web

from .. import jsonout, rbac
from ..auth import can, current_principal, project_role, require_auth, require_project_access, robot_has
from ..context import get_sim
from ..errors import HarborError, bad_request, conflict, forbidden, not_found, precondition
from ..listing import filter_items, json_response, page_params, page_response, page_slice, parse_q, sort_items
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, ok

routes = web.RouteTableDef()
NAME_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
BOOL_KEYS = ("public", "enable_content_trust", "enable_content_trust_cosign", "prevent_vul", "auto_scan",
             "auto_sbom_generation", "reuse_sys_cve_allowlist", "proxy_cache_local_on_not_found",
             "proxy_referrer_api")
SEVERITIES = ("none", "low", "medium", "high", "critical")
PROXY_ONLY = ("proxy_speed_kb", "max_upstream_conn", "proxy_cache_local_on_not_found", "proxy_referrer_api",
              "proxy_cache_filter_pattern", "proxy_cache_filter_kind")
META_KEYS = BOOL_KEYS + ("severity", "retention_id") + PROXY_ONLY
# ProjectMetadata keys a release may lack (versions.SINCE)
VERSIONED_META = {"max_upstream_conn": "project_max_upstream_conn",
                  "proxy_cache_local_on_not_found": "project_proxy_cache_local_on_not_found",
                  "proxy_referrer_api": "project_proxy_referrer_api",
                  "proxy_cache_filter_pattern": "project_proxy_cache_filter",
                  "proxy_cache_filter_kind": "project_proxy_cache_filter"}
MAX_STORAGE = 1125899906842624
PROXY_TYPES = ("docker-hub", "harbor", "azure-acr", "ali-acr", "aws-ecr", "google-gcr", "docker-registry",
               "github-ghcr", "jfrog-artifactory")
REQ_TYPES = {"project_name": str, "public": bool, "metadata": dict, "cve_allowlist": dict,
             "storage_limit": int, "registry_id": int}


# -- lookups used by every project-scoped resource ---------------------------------------------
def _row_to_project(sim, row) -> dict:
    meta = {m["name"]: m["value"] for m in sim.db.query(
        "SELECT name, value FROM core_project_metadata WHERE project_id = ?", (row["id"],))}
    return {"project_id": row["id"], "name": row["name"], "owner_id": row["owner_id"],
            "registry_id": row["registry_id"], "public": meta.get("public") == "true", "metadata": meta,
            "row": row}


def find_project(sim, name_or_id: str, by_name: bool = False):
    if not by_name and re.fullmatch(r"-?[0-9]+", name_or_id):
        row = sim.db.query_one("SELECT * FROM core_project WHERE id = ? AND deleted = 0", (int(name_or_id),))
    else:
        row = sim.db.query_one("SELECT * FROM core_project WHERE name = ? AND deleted = 0", (name_or_id,))
    return _row_to_project(sim, row) if row else None


def project_from_request(request, resource="project", action="read", param="project_name_or_id"):
    """Resolve {project_name_or_id} and check access the way Harbor orders it: permission first
    (non-admins get 401/403 for projects that do not exist), then 404."""
    sim = get_sim(request)
    ref = request.match_info[param]
    by_name = request.headers.get("X-Is-Resource-Name", "").lower() == "true"
    project = find_project(sim, ref, by_name)
    principal = current_principal(request)
    # HasProjectPermission resolves a name first (unknown name -> no permission, even for the
    # admin); an id is checked as is, so only a sysadmin reaches the 404 of the lookup
    by_id = not by_name and re.fullmatch(r"-?[0-9]+", ref) is not None
    if project is None and by_id and principal is not None and principal.sysadmin:
        raise not_found(f"project {ref} not found")
    require_project_access(request, sim, project, resource, action)
    return project


def repo_count(sim, project_name: str) -> int:
    dataplane = sim.dataplane
    if dataplane is not None and hasattr(getattr(dataplane, "artifacts", None), "repo_count"):
        return int(dataplane.artifacts.repo_count(project_name))
    try:
        row = sim.db.query_one("SELECT COUNT(*) AS n FROM simdata_repository WHERE project_name = ?",
                               (project_name,))
        return int(row["n"]) if row else 0
    except Exception:  # noqa: BLE001 - the data plane's table may not exist (no data plane loaded)
        return 0


# -- metadata validation ----------------------------------------------------------------------
def normalise_metadata(sim, meta: dict, proxy: bool) -> dict:
    out = {}
    for key, value in sim.version.strip(meta, VERSIONED_META).items():
        if key not in META_KEYS or value is None:
            continue  # unknown keys are not part of the model: dropped like go-swagger does
        if not isinstance(value, str):
            raise HarborError(422, f"metadata.{key} in body must be of type string: \"{type(value).__name__}\"")
        if key in BOOL_KEYS:
            low = value.strip().lower()
            if low in ("1", "t", "true"):
                value = "true"
            elif low in ("0", "f", "false"):
                value = "false"
            else:
                raise bad_request(f"invalid bool value: {value} for metadata {key}")
        elif key == "severity":
            value = value.lower()
            if value not in SEVERITIES:
                raise bad_request(f"invalid severity {value}")
        elif key in ("proxy_speed_kb", "max_upstream_conn"):
            try:
                number = int(value)
            except ValueError:
                raise bad_request(f"invalid {key}: {value}")
            if key == "max_upstream_conn" and number != -1 and number <= 0:
                raise bad_request(f"invalid {key}: {value}")
        out[key] = value
    if proxy:
        out.pop("enable_content_trust", None)
    else:
        for key in PROXY_ONLY:
            out.pop(key, None)
    return out


def _set_metadata(sim, project_id: int, meta: dict) -> None:
    for key, value in meta.items():
        if sim.db.execute("UPDATE core_project_metadata SET value = ? WHERE project_id = ? AND name = ?",
                          (value, project_id, key)) == 0:
            sim.db.execute("INSERT INTO core_project_metadata (project_id, name, value) VALUES (?, ?, ?)",
                           (project_id, key, value))


def _allowlist_json(project) -> dict:
    stored = json.loads(project["row"]["cve_allowlist"] or "{}")
    if not stored:
        return {"creation_time": jsonout.ZERO_TIME, "items": [], "project_id": project["project_id"],
                "update_time": jsonout.ZERO_TIME}
    out = {"id": stored["id"], "project_id": project["project_id"], "items": stored.get("items") or [],
           "creation_time": stored["creation_time"], "update_time": stored["update_time"]}
    if stored.get("expires_at") is not None:
        out["expires_at"] = stored["expires_at"]
    return out


def _validate_allowlist(body) -> dict:
    items = body.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("cve_id", ""), str)
                                              for i in items):
        raise HarborError(422, "cve_allowlist.items in body must be of type array")
    expires = body.get("expires_at")
    if expires is not None and (not isinstance(expires, int) or isinstance(expires, bool)):
        raise HarborError(422, "cve_allowlist.expires_at in body must be of type integer")
    return {"items": [{"cve_id": i.get("cve_id", "")} for i in items], "expires_at": expires}


def project_json(sim, project, principal, detail=True) -> dict:
    row = project["row"]
    owner = sim.db.query_one("SELECT username FROM core_user WHERE id = ?", (row["owner_id"],))
    roles = []
    if principal is not None and not principal.is_robot:
        roles = sorted(r["role"] for r in sim.db.query(
            "SELECT role FROM core_member WHERE project_id = ? AND entity_type = 'u' AND entity_id = ?",
            (project["project_id"], principal.id)))
    role = project_role(sim, principal, project) if roles else None
    out = {"project_id": row["id"], "owner_id": row["owner_id"], "name": row["name"],
           "registry_id": row["registry_id"], "creation_time": row["creation_time"],
           "update_time": row["update_time"], "owner_name": owner["username"] if owner else "",
           "current_user_role_id": role or 0, "current_user_role_ids": roles or None,
           "repo_count": repo_count(sim, row["name"]), "metadata": dict(project["metadata"])}
    if detail:
        out["cve_allowlist"] = _allowlist_json(project)
    return jsonout.clean(out, always=("repo_count", "current_user_role_ids", "metadata"))


# -- handlers ---------------------------------------------------------------------------------
def _visible(sim, principal, projects):
    if principal is not None and principal.sysadmin:
        return projects
    if principal is not None and principal.is_robot:
        # Harbor lists the projects named in a robot's permissions (all for "*") plus public ones
        names = {perm.get("namespace") for perm in principal.permissions if perm.get("kind") == "project"}
        return [p for p in projects if p["public"] or "*" in names or p["name"] in names]
    return [p for p in projects if p["public"] or can(sim, principal, p, "project", "read")]


@routes.get("/api/v2.0/projects", allow_head=False)
async def list_projects(request):
    sim = get_sim(request)
    principal = current_principal(request)
    page, size = page_params(request)
    conds = parse_q(request)
    projects = [_row_to_project(sim, r) for r in sim.db.query(
        "SELECT * FROM core_project WHERE deleted = 0 ORDER BY name")]
    if principal is None and request.query.get("public") in ("false", "0"):
        return page_response(request, [], page, size, 0)
    projects = _visible(sim, principal, projects)
    if request.query.get("name"):
        projects = [p for p in projects if request.query["name"] in p["name"]]
    if request.query.get("public") in ("true", "false", "1", "0"):
        want = request.query["public"] in ("true", "1")
        projects = [p for p in projects if p["public"] == want]
    elif request.query.get("public"):
        raise HarborError(422, f"public in query must be of type boolean: \"{request.query['public']}\"")
    if request.query.get("owner"):
        owner = sim.db.query_one("SELECT id FROM core_user WHERE username = ?", (request.query["owner"],))
        projects = [p for p in projects if owner and p["owner_id"] == owner["id"]]
    fields = {"name": lambda p: p["name"], "project_id": lambda p: p["project_id"], "id": lambda p: p["project_id"],
              "public": lambda p: p["public"], "owner_id": lambda p: p["owner_id"],
              "registry_id": lambda p: p["registry_id"], "creation_time": lambda p: p["row"]["creation_time"],
              "update_time": lambda p: p["row"]["update_time"]}
    projects = sort_items(request, filter_items(projects, conds, fields), fields)
    detail = request.query.get("with_detail", "true").lower() != "false"
    chunk = page_slice(projects, page, size)
    items = [project_json(sim, p, principal, detail) for p in chunk]
    return page_response(request, items, page, size, len(projects))


@routes.head("/api/v2.0/projects")
async def head_project(request):
    sim = get_sim(request)
    require_auth(request)
    name = request.query.get("project_name")
    if not name:
        raise HarborError(422, "validation failure list:\nproject_name in query is required")
    row = sim.db.query_one("SELECT id FROM core_project WHERE name = ? AND deleted = 0", (name,))
    if row is None:
        raise not_found(f"project {name} not found")
    return web.Response(status=200)


@routes.post("/api/v2.0/projects")
async def create_project(request):
    sim = get_sim(request)
    principal = require_auth(request)
    if principal.is_robot and principal.project_id:
        raise forbidden("Only system level robot can create project")
    # isSysAdmin: RequireSystemAccess(create, project)
    sys_admin = principal.sysadmin or (principal.is_robot and robot_has(principal, "system", "/", "project", "create"))
    if sim.config.get("project_creation_restriction") == "adminonly" and not sys_admin:
        raise forbidden("Only system admin can create project")
    body = await read_json(request)
    check_types(body, REQ_TYPES)
    registry_id = body.get("registry_id")
    if registry_id is not None and not sys_admin:
        raise forbidden("Only system admin can create proxy cache project")
    name = body.get("project_name") or ""
    if not name or len(name) > 255 or not NAME_RE.match(name):
        raise bad_request("project name is not in lower case or contains illegal characters")
    registry = None
    if registry_id is not None:
        if registry_id <= 0:
            raise bad_request(f"bad request: {registry_id} is invalid value of registry_id, it should be geater than 0")
        registry = sim.db.query_one("SELECT * FROM core_registry WHERE id = ?", (registry_id,))
        if registry is None:
            raise HarborError(500, "internal server error")
        if registry["type"] not in PROXY_TYPES:
            raise bad_request(f"bad request: unsupported registry type {registry['type']}")
    raw_public = (body.get("metadata") or {}).get("public")
    if isinstance(raw_public, str) and raw_public not in ("", "true", "false"):
        raise bad_request(f"metadata.public should only be 'true' or 'false', but got: '{raw_public}'")
    meta = normalise_metadata(sim, body.get("metadata") or {}, proxy=bool(registry_id))
    if "public" not in meta:
        meta["public"] = "true" if body.get("public") else "false"
    hard = sim.config.get("storage_per_project")
    limit = body.get("storage_limit")
    if limit not in (None, 0) and sim.config.get("quota_per_project_enable") and sys_admin:
        if limit != -1 and not 1 <= limit <= MAX_STORAGE:
            raise bad_request(f"bad request: Storage value {limit} should be -1 or integer between 1 and "
                              f"{MAX_STORAGE}")
        hard = limit
    allowlist = _validate_allowlist(body.get("cve_allowlist") or {})
    if principal.is_robot:  # robots: the lowest-id system admin owns the project
        admin_row = sim.db.query_one("SELECT MIN(id) AS id FROM core_user WHERE sysadmin_flag = 1 AND deleted = 0")
        owner = admin_row["id"] if admin_row and admin_row["id"] else 1
    else:
        owner = principal.id
    now = jsonout.now()
    try:
        with sim.db.transaction():
            pid = sim.db.insert("INSERT INTO core_project (name, owner_id, registry_id, creation_time, update_time)"
                                " VALUES (?, ?, ?, ?, ?)", (name, owner, registry_id or 0, now, now))
            _set_metadata(sim, pid, meta)
            if allowlist["items"] or allowlist["expires_at"] is not None:
                sim.db.execute("UPDATE core_project SET cve_allowlist = ? WHERE id = ?",
                               (json.dumps(dict(allowlist, id=pid, creation_time=now, update_time=now)), pid))
            sim.db.insert("INSERT INTO core_member (project_id, entity_id, entity_type, role, creation_time,"
                          " update_time) VALUES (?, ?, 'u', 1, ?, ?)", (pid, owner, now, now))
            sim.db.insert("INSERT INTO core_quota (project_id, hard, creation_time, update_time) VALUES (?, ?, ?, ?)",
                          (pid, hard, now, now))
            if registry_id is not None:  # a proxy-cache project gets a 7-day retention policy
                from .retentions import insert_policy, proxy_cache_policy
                insert_policy(sim, pid, proxy_cache_policy(pid))
    except UniqueViolation:
        raise conflict(f"The project named {name} already exists")
    if request.headers.get("X-Resource-Name-In-Location", "").lower() == "true":
        return created(request, name)
    return created(request, pid)


@routes.get("/api/v2.0/projects/{project_name_or_id}")
async def get_project(request):
    project = project_from_request(request)
    return json_response(project_json(get_sim(request), project, current_principal(request)))


@routes.put("/api/v2.0/projects/{project_name_or_id}")
async def update_project(request):
    sim = get_sim(request)
    project = project_from_request(request, "project", "update")
    body = await read_json(request)
    check_types(body, REQ_TYPES)
    meta = normalise_metadata(sim, body.get("metadata") or {}, proxy=bool(project["registry_id"]))
    if "retention_id" in meta and meta["retention_id"] != project["metadata"].get("retention_id"):
        raise bad_request("the retention_id in the request's payload when updating a project should be omitted, "
                          "alternatively passing the one that has already been associated to this project")
    now = jsonout.now()
    with sim.db.transaction():
        _set_metadata(sim, project["project_id"], meta)
        if body.get("cve_allowlist") is not None:
            given = body["cve_allowlist"].get("project_id") or 0
            if given and given != project["project_id"]:
                raise bad_request(f"project_id in cve_allowlist must be {project['project_id']} but it's {given}")
            allowlist = _validate_allowlist(body["cve_allowlist"])
            stored = json.loads(project["row"]["cve_allowlist"] or "{}")
            sim.db.execute("UPDATE core_project SET cve_allowlist = ? WHERE id = ?", (json.dumps(dict(
                allowlist, id=stored.get("id", project["project_id"]),
                creation_time=stored.get("creation_time", now), update_time=now)), project["project_id"]))
        sim.db.execute("UPDATE core_project SET update_time = ? WHERE id = ?", (now, project["project_id"]))
    return ok()


def _deletable(sim, project):
    if repo_count(sim, project["name"]) > 0:
        return False, "the project contains repositories, can not be deleted"
    return True, ""


@routes.delete("/api/v2.0/projects/{project_name_or_id}")
async def delete_project(request):
    sim = get_sim(request)
    project = project_from_request(request, "project", "delete")
    deletable, message = _deletable(sim, project)
    if not deletable:
        raise precondition(f"precondition failed: {message}")
    pid = project["project_id"]
    with sim.db.transaction():
        sim.db.execute("UPDATE core_project SET deleted = 1, name = ?, update_time = ? WHERE id = ?",
                       (f"{project['name']}#{pid}", jsonout.now(), pid))
        sim.db.execute("DELETE FROM core_member WHERE project_id = ?", (pid,))
        sim.db.execute("DELETE FROM core_robot WHERE project_id = ?", (pid,))
        sim.db.execute("DELETE FROM core_quota WHERE project_id = ?", (pid,))
        sim.db.execute("DELETE FROM core_label WHERE scope = 'p' AND project_id = ?", (pid,))
    return ok()


@routes.get("/api/v2.0/projects/{project_name_or_id}/_deletable")
async def project_deletable(request):
    project = project_from_request(request, "project", "delete")
    deletable, message = _deletable(get_sim(request), project)
    return json_response(jsonout.clean({"deletable": deletable, "message": message}))


@routes.get("/api/v2.0/projects/{project_name_or_id}/summary")
async def project_summary(request):
    sim = get_sim(request)
    project = project_from_request(request)
    counts = {r: 0 for r in rbac.ROLE_NAMES}
    for m in sim.db.query("SELECT role FROM core_member WHERE project_id = ?", (project["project_id"],)):
        counts[m["role"]] = counts.get(m["role"], 0) + 1
    quota = sim.db.query_one("SELECT * FROM core_quota WHERE project_id = ?", (project["project_id"],))
    out = {"repo_count": repo_count(sim, project["name"]), "project_admin_count": counts[1],
           "maintainer_count": counts[4], "developer_count": counts[2], "guest_count": counts[3],
           "limited_guest_count": counts[5]}
    if quota:
        out["quota"] = {"hard": {"storage": quota["hard"]}, "used": {"storage": quota["used"]}}
    if project["registry_id"]:
        from .registries import registry_json, get_registry_row
        out["registry"] = registry_json(sim, get_registry_row(sim, project["registry_id"]))
    return json_response(jsonout.clean(out, always=("repo_count",)))


# -- /projects/{p}/metadatas ----------------------------------------------------------------------
@routes.get("/api/v2.0/projects/{project_name_or_id}/metadatas/")
@routes.get("/api/v2.0/projects/{project_name_or_id}/metadatas")
async def list_metadata(request):
    project = project_from_request(request, "metadata", "list")
    return json_response(project["metadata"])


ENDPOINT_BOOL_KEYS = ("public", "enable_content_trust", "enable_content_trust_cosign", "prevent_vul", "auto_scan")


async def _metadata_body(request):
    body = await read_json(request)
    if not all(isinstance(v, str) for v in body.values()):  # map[string]string in the spec
        raise HarborError(422, "validation failure list:\nparsing metadata body from \"\" failed, because json: "
                               "cannot unmarshal non-string value into Go value of type string")
    return body


def _validate_pair(metas: dict) -> dict:
    """projectMetadataAPI.validate: exactly one known key, booleans/severity normalised."""
    if len(metas) != 1:
        raise bad_request("only allow one key/value pair")
    key, value = next(iter(metas.items()))
    if key in ENDPOINT_BOOL_KEYS:
        low = value.strip().lower()
        if low in ("1", "t", "true"):
            return {key: "true"}
        if low in ("0", "f", "false"):
            return {key: "false"}
        raise bad_request(f"invalid value: {value}")
    if key == "severity":
        if value.lower() not in SEVERITIES:
            raise bad_request(f"invalid value: {value}")
        return {key: value.lower()}
    raise bad_request(f"invalid key: {key}")


@routes.post("/api/v2.0/projects/{project_name_or_id}/metadatas/")
@routes.post("/api/v2.0/projects/{project_name_or_id}/metadatas")
async def add_metadata(request):
    sim = get_sim(request)
    project = project_from_request(request, "metadata", "create")
    meta = _validate_pair(await _metadata_body(request))
    for key in meta:
        if key in project["metadata"]:
            raise conflict(f"metadata {key} already exists")
    _set_metadata(sim, project["project_id"], meta)
    return ok()


@routes.get("/api/v2.0/projects/{project_name_or_id}/metadatas/{meta_name}")
async def get_metadata(request):
    project = project_from_request(request, "metadata", "read")
    name = request.match_info["meta_name"]
    # the manager returns only the names that exist: an unknown name is an empty map
    return json_response({name: project["metadata"][name]} if name in project["metadata"] else {})


@routes.put("/api/v2.0/projects/{project_name_or_id}/metadatas/{meta_name}")
async def put_metadata(request):
    sim = get_sim(request)
    project = project_from_request(request, "metadata", "update")
    name = request.match_info["meta_name"]
    body = await _metadata_body(request)
    meta = _validate_pair({name: body.get(name, "")})
    # UPDATE ... WHERE name = ?: a name that is not set stays unset
    sim.db.execute("UPDATE core_project_metadata SET value = ? WHERE project_id = ? AND name = ?",
                   (meta[name], project["project_id"], name))
    return ok()


@routes.delete("/api/v2.0/projects/{project_name_or_id}/metadatas/{meta_name}")
async def delete_metadata(request):
    sim = get_sim(request)
    project = project_from_request(request, "metadata", "delete")
    name = request.match_info["meta_name"]
    sim.db.execute("DELETE FROM core_project_metadata WHERE project_id = ? AND name = ?",
                   (project["project_id"], name))
    return ok()
