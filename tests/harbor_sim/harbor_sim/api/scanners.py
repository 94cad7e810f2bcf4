"""Scanner registrations (src/server/v2.0/handler/scanner.go, src/controller/scanner,
src/pkg/scan/dao/scanner; v2.15.2 behaviour). Creating or pinging a registration asks the adapter
for its metadata (`GET <url>/api/v1/metadata`) as Harbor does; the sim runs no scans."""

from __future__ import annotations

import base64
import uuid
from urllib.parse import urlsplit

import requests
from aiohttp import web

from .. import jsonout
from ..auth import require_system_admin
from ..context import get_sim
from ..errors import bad_request, conflict, internal, not_found
from ..listing import filter_items, json_response, page_params, page_response, parse_q
from ..storage import UniqueViolation
from ..validate import check_types, read_json
from .common import created, ok

routes = web.RouteTableDef()
BASE = "/api/v2.0/scanners"
BODY_TYPES = {"name": str, "description": str, "url": str, "auth": str, "access_credential": str,
              "skip_certVerify": bool, "use_internal_addr": bool, "disabled": bool}
AUTH_TYPES = ("Basic", "Bearer", "X-ScannerAdapter-API-Key")
RESERVED = ("Trivy",)
METADATA_MIME = "application/vnd.scanner.adapter.metadata+json; version=1.0"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
REPORT_MIMES = ("application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0",
                "application/vnd.security.vulnerability.report; version=1.1")


def validate_url(raw: str) -> str:
    """lib.ValidateHTTPURL: trimmed, `http://` added, only scheme://host/path kept."""
    text = raw.strip(" ").rstrip("/")
    if not text:
        raise bad_request("scanner registration validate: empty string")
    if "://" not in text:
        text = "http://" + text
    scheme = text.split("://", 1)[0]
    if scheme not in ("http", "https"):
        raise bad_request(f"scanner registration validate: invalid HTTP scheme: {scheme}")
    parts = urlsplit(text)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _registration(body, stored=None, keep_credential=True) -> dict:
    """copyToScannerRegistration + Registration.Validate (400 with Harbor's messages)."""
    check_types(body, BODY_TYPES)
    reg = dict(stored or {})
    reg.update(name=body.get("name") or "", description=body.get("description") or "", auth=body.get("auth") or "",
               access_credential=body.get("access_credential") or "",
               skip_cert_verify=body.get("skip_certVerify") is True,
               use_internal_addr=body.get("use_internal_addr") is True, disabled=body.get("disabled") is True)
    if keep_credential and stored is not None and not reg["access_credential"] and reg["auth"] in AUTH_TYPES:
        reg["access_credential"] = stored["access_credential"]  # 2.14.4/2.15.1+: empty keeps the stored one
    if not reg["name"]:
        raise bad_request("missing registration name")
    reg["url"] = validate_url(body.get("url") or "")
    if reg["auth"] and reg["auth"] not in AUTH_TYPES:
        raise bad_request(f"auth type {reg['auth']} is not supported")
    if reg["auth"] and not reg["access_credential"]:
        raise bad_request(f"access_credential is required for auth type {reg['auth']}")
    return reg


def fetch_metadata(reg) -> dict:
    """Ping: the adapter's metadata, validated like ScannerAdapterMetadata.Validate; any failure is
    a plain error in Harbor (500)."""
    headers = {"Accept": METADATA_MIME}
    cred = reg.get("access_credential") or ""
    if reg.get("auth") == "Basic":
        headers["Authorization"] = "Basic " + base64.b64encode(cred.encode()).decode()
    elif reg.get("auth") == "Bearer":
        headers["Authorization"] = "Bearer " + cred
    elif reg.get("auth") == "X-ScannerAdapter-API-Key":
        headers["X-ScannerAdapter-API-Key"] = cred
    try:
        resp = requests.get(reg["url"] + "/api/v1/metadata", headers=headers, timeout=5,
                            verify=not reg.get("skip_cert_verify"))
        meta = resp.json() if resp.status_code == 200 else None
    except (requests.RequestException, ValueError):
        meta = None
    scanner = (meta or {}).get("scanner") if isinstance(meta, dict) else None
    if not isinstance(scanner, dict) or not all(scanner.get(k) for k in ("name", "vendor", "version")):
        return None
    caps = meta.get("capabilities") or []
    if not caps or any(DOCKER_MANIFEST not in (c.get("consumes_mime_types") or []) or
                       not set(c.get("produces_mime_types") or []) & set(REPORT_MIMES) for c in caps):
        return None
    return meta


def capabilities(meta) -> dict:
    """ScannerAdapterMetadata.ConvertCapability: flags by capability type; an adapter whose
    capabilities carry no type (an older one) supports vulnerability scanning only."""
    caps = meta.get("capabilities") or []
    out = {}
    for cap in caps:
        if cap.get("type") == "vulnerability":
            out["support_vulnerability"] = True
        elif cap.get("type") == "sbom":
            out["support_sbom"] = True
    if not any(cap.get("type") for cap in caps) and not out:
        out = {"support_vulnerability": True, "support_sbom": False}
    return out


def _json(sim, row, meta) -> dict:
    """ScannerRegistration.ToSwagger (no access_credential from 2.14.4/2.15.1). GET and list fill
    only `capabilities` from the adapter (RetrieveCap); adapter, vendor, version and health are the
    project scanner's (GetRegistrationByProject), not set here."""
    out = jsonout.clean({"uuid": row["uuid"], "name": row["name"], "url": row["url"], "description": row["description"],
                         "auth": row["auth"], "create_time": row["creation_time"], "update_time": row["update_time"]})
    if not sim.version.has("scanner_credential_hidden"):
        out.update(jsonout.clean({"access_credential": row["access_credential"]}))
    out.update(skip_certVerify=bool(row["skip_cert_verify"]), use_internal_addr=bool(row["use_internal_addr"]),
               is_default=bool(row["is_default"]), disabled=bool(row["disabled"]))
    if meta:
        out["capabilities"] = capabilities(meta)
    return out


async def _row_json(sim, row):
    return _json(sim, row, await sim.blocking(fetch_metadata, row))


def _get(sim, reg_id):
    row = sim.db.query_one("SELECT * FROM core_scanner WHERE uuid = ?", (reg_id,))
    if row is None:
        raise not_found(f"scanner {reg_id} not found")
    return row


@routes.get(BASE)
async def list_scanners(request):
    sim = get_sim(request)
    require_system_admin(request, "scanner", "list")
    page, size = page_params(request)
    rows = sim.db.query("SELECT * FROM core_scanner ORDER BY id")
    for key in ("name", "description", "url"):  # fuzzy query parameters
        if request.query.get(key):
            rows = [r for r in rows if request.query[key].lower() in r[key].lower()]
    for key in ("ex_name", "ex_url"):  # exact ones
        if request.query.get(key):
            rows = [r for r in rows if r[key[3:]] == request.query[key]]
    rows = filter_items(rows, parse_q(request), {k: (lambda r, k=k: r[k]) for k in ("name", "url", "description")})
    chunk = rows if size == 0 else rows[(page - 1) * size: page * size]
    return page_response(request, [await _row_json(sim, r) for r in chunk], page, size, len(rows))


@routes.post(BASE)
async def create_scanner(request):
    sim = get_sim(request)
    require_system_admin(request, "scanner", "create")
    reg = _registration(await read_json(request))
    if reg["name"] in RESERVED:
        raise bad_request(f'name "{reg["name"]}" is reserved, please try a different name')
    if await sim.blocking(fetch_metadata, reg) is None:
        raise internal()  # the ping's error is not a Harbor error
    now = jsonout.now()
    reg_id = str(uuid.uuid4())
    try:
        with sim.db.transaction():
            first = sim.db.query_one("SELECT id FROM core_scanner") is None
            sim.db.insert("INSERT INTO core_scanner (uuid, name, description, url, auth, access_credential,"
                          " skip_cert_verify, use_internal_addr, disabled, is_default, creation_time, update_time)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          (reg_id, reg["name"], reg["description"], reg["url"], reg["auth"], reg["access_credential"],
                           int(reg["skip_cert_verify"]), int(reg["use_internal_addr"]), int(reg["disabled"]),
                           int(first), now, now))
    except UniqueViolation:
        raise conflict("registration name or url already exists")
    return created(request, reg_id)


@routes.post(BASE + "/ping")
async def ping_scanner(request):
    sim = get_sim(request)
    require_system_admin(request, "scanner", "read")
    body = await read_json(request)
    reg = _registration({k: body.get(k) for k in ("name", "url", "auth", "access_credential")})
    if await sim.blocking(fetch_metadata, reg) is None:
        raise internal()
    return ok()


@routes.get(BASE + "/{uuid}")
async def get_scanner(request):
    sim = get_sim(request)
    require_system_admin(request, "scanner", "read")
    return json_response(await _row_json(sim, _get(sim, request.match_info["uuid"])))


@routes.get(BASE + "/{uuid}/metadata")
async def get_metadata(request):
    sim = get_sim(request)
    require_system_admin(request, "scanner", "read")
    meta = await sim.blocking(fetch_metadata, _get(sim, request.match_info["uuid"]))
    if meta is None:
        raise internal()
    return json_response({k: meta[k] for k in ("scanner", "capabilities", "properties") if k in meta})


@routes.put(BASE + "/{uuid}")
async def update_scanner(request):
    sim = get_sim(request)
    require_system_admin(request, "scanner", "update")
    row = _get(sim, request.match_info["uuid"])
    reg = _registration(await read_json(request), stored=row,
                        keep_credential=sim.version.has("scanner_credential_hidden"))
    if row["is_default"] and reg["disabled"]:
        raise internal()  # "default registration <uuid> can not be marked to deactivated" is a plain error
    if reg["name"] in RESERVED:
        raise bad_request(f'name "{reg["name"]}" is reserved, please try a different name')
    try:
        sim.db.execute("UPDATE core_scanner SET name = ?, description = ?, url = ?, auth = ?, access_credential = ?,"
                       " skip_cert_verify = ?, use_internal_addr = ?, disabled = ?, update_time = ? WHERE id = ?",
                       (reg["name"], reg["description"], reg["url"], reg["auth"], reg["access_credential"],
                        int(reg["skip_cert_verify"]), int(reg["use_internal_addr"]), int(reg["disabled"]),
                        jsonout.now(), row["id"]))
    except UniqueViolation:
        raise conflict("registration name or url already exists")
    return ok()


@routes.patch(BASE + "/{uuid}")
async def set_default(request):
    sim = get_sim(request)
    require_system_admin(request, "scanner", "update")
    body = await read_json(request)
    check_types(body, {"is_default": bool})
    if body.get("is_default") is True:
        row = sim.db.query_one("SELECT id FROM core_scanner WHERE uuid = ?", (request.match_info["uuid"],))
        if row is None:
            raise not_found(f"registration {request.match_info['uuid']} not found")
        with sim.db.transaction():
            sim.db.execute("UPDATE core_scanner SET is_default = 0")
            sim.db.execute("UPDATE core_scanner SET is_default = 1 WHERE id = ?", (row["id"],))
    return ok()


@routes.delete(BASE + "/{uuid}")
async def delete_scanner(request):
    """200 with the deleted registration as the body."""
    sim = get_sim(request)
    require_system_admin(request, "scanner", "delete")
    row = _get(sim, request.match_info["uuid"])
    sim.db.execute("DELETE FROM core_scanner WHERE id = ?", (row["id"],))
    return json_response(_json(sim, row, None))

