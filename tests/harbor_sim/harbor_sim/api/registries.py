"""Registries (replication endpoints), /registries/ping, adapters (src/server/v2.0/handler/registry.go)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiohttp import web

from .. import jsonout
from ..auth import require_system_admin
from ..context import get_sim
from ..errors import bad_request, conflict, not_found, precondition
from ..listing import filter_items, json_response, page_params, paginate, parse_q, sort_items
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, int_id, ok

LOG = logging.getLogger("harbor_sim.registries")
routes = web.RouteTableDef()
# adapters with a factory in Harbor 2.15 (creation allowed) and the 2.14+ listing whitelist
TYPES = ("harbor", "docker-hub", "docker-registry", "huawei-SWR", "google-gcr", "aws-ecr", "azure-acr",
         "ali-acr", "jfrog-artifactory", "quay", "gitlab", "dtr", "tencent-tcr", "github-ghcr", "volcengine-cr")
WHITELIST = ("ali-acr", "aws-ecr", "azure-acr", "docker-hub", "docker-registry", "github-ghcr", "google-gcr",
             "harbor", "huawei-SWR", "jfrog-artifactory", "tencent-tcr", "volcengine-cr")
CRED_TYPES = ("basic", "oauth")
UNHEALTHY = "the registry is unhealthy"
CREATE_TYPES = {"name": str, "type": str, "url": str, "insecure": bool, "ca_certificate": str, "description": str,
                "credential": {"type": str, "access_key": str, "access_secret": str}}
UPDATE_TYPES = {"name": str, "description": str, "url": str, "credential_type": str, "access_key": str,
                "access_secret": str, "insecure": bool, "ca_certificate": str}
PING_TYPES = dict(UPDATE_TYPES, id=int, type=str)
# fields a release's Registry / RegistryUpdate / RegistryPing models may lack (versions.SINCE)
VERSIONED = {"ca_certificate": "registry_ca_certificate"}


def normalise_url(raw: str) -> str:
    """lib.ValidateHTTPURL: trim spaces and trailing '/', default http://, keep scheme+host+path."""
    text = (raw or "").strip(" ").rstrip("/")
    if not text:
        raise bad_request("empty string")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError as exc:
        raise bad_request(f"invalid URL: {exc}")
    if parts.scheme not in ("http", "https"):
        raise bad_request(f"invalid HTTP scheme: {parts.scheme}")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def health_check(sim, url, insecure, access_key, access_secret, ca_pem, registry_type) -> str:
    """The remote health check Harbor runs on create/update/ping (data plane's oci_client.ping)."""
    from .. import oci_client

    try:
        return oci_client.ping(url, insecure=insecure, access_key=access_key or None,
                               access_secret=access_secret or None, ca_pem=ca_pem, registry_type=registry_type)
    except Exception as exc:  # noqa: BLE001 - an unreachable or broken remote is "unhealthy"
        LOG.info("health check of %s failed: %s", url, exc)
        return "unhealthy"


def get_registry_row(sim, registry_id: int):
    row = sim.db.query_one("SELECT * FROM core_registry WHERE id = ?", (registry_id,)) if registry_id > 0 else None
    if row is None:
        raise not_found(f"registry {registry_id} not found")
    return row


def registry_json(sim, row) -> dict:
    cred = {}
    if row["access_key"]:
        cred = jsonout.clean({"type": row["credential_type"], "access_key": row["access_key"],
                              "access_secret": "*****" if row["access_secret"] else ""})
    out = jsonout.clean({"id": row["id"], "name": row["name"], "type": row["type"], "url": row["url"],
                         "credential": cred, "insecure": bool(row["insecure"]),
                         "ca_certificate": row["ca_certificate"], "description": row["description"],
                         "status": row["status"], "creation_time": row["creation_time"],
                         "update_time": row["update_time"]}, always=("id", "credential"))
    return sim.version.strip(out, VERSIONED)


def local_registry_json(sim) -> dict:
    """The synthetic Local registry (id 0) Harbor embeds in policies (getLocalRegistry)."""
    return {"creation_time": jsonout.ZERO_TIME, "credential": {"access_secret": "*****", "type": "secret"},
            "id": 0, "insecure": True, "name": "Local", "status": "healthy", "type": "harbor",
            "update_time": jsonout.ZERO_TIME, "url": "http://core:8080"}


def registry_with_secret(sim, registry_id: int):
    """For the data plane: the registry with its real credential (id 0 = this Harbor)."""
    if registry_id == 0:
        return dict(local_registry_json(sim), url=sim.registry_url() or "", access_key=None, access_secret=None,
                    credential={})
    row = sim.db.query_one("SELECT * FROM core_registry WHERE id = ?", (registry_id,))
    if row is None:
        return None
    cred = {"type": row["credential_type"] or "basic", "access_key": row["access_key"],
            "access_secret": row["access_secret"]}
    return {"id": row["id"], "name": row["name"], "type": row["type"], "url": row["url"],
            "insecure": bool(row["insecure"]), "ca_certificate": row["ca_certificate"],
            "access_key": row["access_key"], "access_secret": row["access_secret"], "credential": cred,
            "status": row["status"]}


def _validate_common(name, url, rtype):
    if not name:
        raise bad_request("name cannot be empty")
    if len(name) > 64:
        raise bad_request("name max length is 64")
    if rtype not in TYPES:
        raise bad_request(f"adapter factory for {rtype} not found")
    return normalise_url(url)


@routes.get("/api/v2.0/registries")
async def list_registries(request):
    sim = get_sim(request)
    require_system_admin(request, "registry", "list")
    page, size = page_params(request)
    rows = sim.db.query("SELECT * FROM core_registry ORDER BY id")
    if request.query.get("name"):
        rows = [r for r in rows if request.query["name"] in r["name"]]
    fields = {k: (lambda r, k=k: r[k]) for k in ("id", "name", "type", "url", "description", "status",
                                                   "creation_time", "update_time")}
    fields["insecure"] = lambda r: bool(r["insecure"])
    rows = sort_items(request, filter_items(rows, parse_q(request), fields), fields)
    return paginate(request, [registry_json(sim, r) for r in rows], page, size)


@routes.post("/api/v2.0/registries")
async def create_registry(request):
    sim = get_sim(request)
    require_system_admin(request, "registry", "create")
    body = sim.version.strip(await read_json(request), VERSIONED)
    check_types(body, CREATE_TYPES)
    name, rtype = body.get("name") or "", body.get("type") or ""
    url = _validate_common(name, body.get("url"), rtype)
    cred = body.get("credential") or {}
    access_key = cred.get("access_key") or ""
    cred_type = (cred.get("type") or "basic") if access_key else ""
    access_secret = cred.get("access_secret") or "" if access_key else ""
    if cred_type and cred_type not in CRED_TYPES:
        raise bad_request(f"invalid credential type: {cred_type}")
    if sim.db.query_one("SELECT id FROM core_registry WHERE name = ?", (name,)):
        raise conflict(f"registry {name} already exists")
    status = await sim.blocking(health_check, sim, url, bool(body.get("insecure")), access_key, access_secret,
                                body.get("ca_certificate"), rtype)
    if status != "healthy":
        raise bad_request(UNHEALTHY)
    now = jsonout.now()
    try:
        rid = sim.db.insert(
            "INSERT INTO core_registry (name, type, url, description, insecure, ca_certificate, credential_type,"
            " access_key, access_secret, status, creation_time, update_time) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (name, rtype, url, body.get("description") or "", 1 if body.get("insecure") else 0,
             body.get("ca_certificate") or None, cred_type, access_key, access_secret, status, now, now))
    except UniqueViolation:
        raise conflict(f"registry {name} already exists")
    return created(request, rid)


@routes.post("/api/v2.0/registries/ping")
async def ping_registry(request):
    sim = get_sim(request)
    require_system_admin(request, "registry", "read")
    body = sim.version.strip(await read_json(request), VERSIONED)
    check_types(body, PING_TYPES)
    if body.get("id") is not None:
        row = get_registry_row(sim, body["id"])
        rtype, url, insecure = row["type"], row["url"], bool(row["insecure"])
        key, secret, ca = row["access_key"], row["access_secret"], row["ca_certificate"]
        if body.get("type"):
            rtype = body["type"]
        if body.get("url"):
            url = normalise_url(body["url"])
        if body.get("access_key") is not None:
            key = body["access_key"]
        if body.get("access_secret") is not None:
            secret = body["access_secret"]
        if body.get("insecure") is not None:
            insecure = body["insecure"]
        if body.get("ca_certificate") is not None:
            ca = body["ca_certificate"]
    else:
        if not body.get("type") or not body.get("url"):
            raise bad_request("type or url cannot be empty")
        rtype, url, insecure = body["type"], normalise_url(body["url"]), bool(body.get("insecure"))
        key, secret, ca = body.get("access_key") or "", body.get("access_secret") or "", body.get("ca_certificate")
    if rtype not in TYPES:
        raise bad_request(f"adapter factory for {rtype} not found")
    status = await sim.blocking(health_check, sim, url, insecure, key, secret, ca, rtype)
    if status != "healthy":
        raise bad_request(UNHEALTHY)
    return ok()


@routes.get("/api/v2.0/registries/{id}")
async def get_registry(request):
    sim = get_sim(request)
    require_system_admin(request, "registry", "read")
    return json_response(registry_json(sim, get_registry_row(sim, int_id(request, "id", ""))))


@routes.put("/api/v2.0/registries/{id}")
async def update_registry(request):
    sim = get_sim(request)
    require_system_admin(request, "registry", "update")
    row = get_registry_row(sim, int_id(request, "id", ""))
    body = sim.version.strip(await read_json(request), VERSIONED)
    check_types(body, UPDATE_TYPES)
    new = dict(row)
    for key in ("name", "description", "ca_certificate", "access_key", "access_secret"):
        if body.get(key) is not None:
            new[key] = body[key]
    if body.get("url") is not None:
        new["url"] = body["url"]
    if body.get("credential_type") is not None:
        new["credential_type"] = body["credential_type"]
    if body.get("insecure") is not None:
        new["insecure"] = 1 if body["insecure"] else 0
    new["url"] = _validate_common(new["name"], new["url"], new["type"])
    if new["access_key"]:
        new["credential_type"] = new["credential_type"] or "basic"
        if new["credential_type"] not in CRED_TYPES:
            raise bad_request(f"invalid credential type: {new['credential_type']}")
    else:
        new["credential_type"], new["access_secret"] = "", ""
    clash = sim.db.query_one("SELECT id FROM core_registry WHERE name = ? AND id <> ?", (new["name"], row["id"]))
    if clash:
        raise conflict(f"registry {new['name']} already exists")
    status = await sim.blocking(health_check, sim, new["url"], bool(new["insecure"]), new["access_key"],
                                new["access_secret"], new["ca_certificate"], new["type"])
    if status != "healthy":
        raise bad_request(UNHEALTHY)
    try:
        sim.db.execute(
            "UPDATE core_registry SET name = ?, url = ?, description = ?, insecure = ?, ca_certificate = ?,"
            " credential_type = ?, access_key = ?, access_secret = ?, status = ?, update_time = ? WHERE id = ?",
            (new["name"], new["url"], new["description"], new["insecure"], new["ca_certificate"] or None,
             new["credential_type"], new["access_key"], new["access_secret"], status, jsonout.now(), row["id"]))
    except UniqueViolation:
        raise conflict(f"registry {new['name']} already exists")
    return ok()


@routes.delete("/api/v2.0/registries/{id}")
async def delete_registry(request):
    sim = get_sim(request)
    require_system_admin(request, "registry", "delete")
    row = get_registry_row(sim, int_id(request, "id", ""))
    rid = row["id"]
    if sim.db.query_one("SELECT id FROM core_replication_policy WHERE src_registry_id = ? OR dest_registry_id = ?",
                        (rid, rid)):
        raise precondition(f"the registry {rid} is referenced by replication policies, cannot delete it")
    if sim.db.query_one("SELECT id FROM core_project WHERE registry_id = ? AND deleted = 0", (rid,)):
        raise precondition(f"the registry {rid} is referenced by proxy cache project, cannot delete it")
    sim.db.execute("DELETE FROM core_registry WHERE id = ?", (rid,))
    return ok()


FILTERS = [{"type": "name", "style": "input"}, {"type": "tag", "style": "input"},
           {"type": "label", "style": "list", "values": []},
           {"type": "resource", "style": "radio", "values": ["image", "artifact"]}]


@routes.get("/api/v2.0/registries/{id}/info")
async def registry_info(request):
    sim = get_sim(request)
    require_system_admin(request, "registry", "read")
    rid = int_id(request, "id", "")
    labels = [r["name"] for r in sim.db.query("SELECT name FROM core_label WHERE scope = 'g' ORDER BY name")]
    filters = [dict(f, values=labels) if f["type"] == "label" else f for f in FILTERS]
    if rid == 0:
        return json_response({"type": "harbor", "description": "", "supported_resource_filters": filters,
                              "supported_triggers": ["manual", "scheduled", "event_based"],
                              "supported_copy_by_chunk": True})
    row = get_registry_row(sim, rid)
    info = {"type": row["type"], "supported_resource_filters": filters,
            "supported_triggers": ["manual", "scheduled"]}
    if row["type"] in ("harbor", "docker-registry", "jfrog-artifactory", "github-ghcr", "azure-acr"):
        info["supported_copy_by_chunk"] = True
    return json_response(info)


@routes.get("/api/v2.0/replication/adapters")
async def adapters(request):
    require_system_admin(request, "replication-adapter", "list")
    return json_response(sorted(_listed_adapters(get_sim(request))))


def _listed_adapters(sim):
    """2.14+ lists only REPLICATION_ADAPTER_WHITELIST (prepare's core env); older releases every factory."""
    return WHITELIST if sim.version.has("adapter_whitelist") else TYPES


@routes.get("/api/v2.0/replication/adapterinfos")
async def adapter_infos(request):
    require_system_admin(request, "replication-adapter", "list")
    infos = {t: {"endpoint_pattern": None, "credential_pattern": None} for t in _listed_adapters(get_sim(request))}
    infos["docker-hub"]["endpoint_pattern"] = {
        "endpoint_type": "EndpointPatternTypeFix",
        "endpoints": [{"key": "hub.docker.com", "value": "https://hub.docker.com"}]}
    return json_response(infos)


