"""The scan-all schedule and metrics (src/server/v2.0/handler/scan_all.go). Every call needs a
default scanner registration (412 otherwise). The sim runs no scans: its schedule is stored and
reported, a manual scan all is refused and the metrics stay empty."""

from __future__ import annotations

from aiohttp import web

from .. import jsonout
from ..auth import require_system_admin
from ..context import get_sim
from ..errors import bad_request, precondition
from ..listing import json_response
from ..validate import check_types, read_json
from .common import ok
from .schedules import cron_ok

routes = web.RouteTableDef()
BASE = "/api/v2.0/system/scanAll/schedule"
VENDOR = "scanall"


def _require_access(request, action):
    """requireAccess: scan-all system access, then a default scanner (requireScanEnabled)."""
    sim = get_sim(request)
    require_system_admin(request, "scan-all", action)
    if sim.db.query_one("SELECT id FROM core_scanner WHERE is_default = 1") is None:
        raise precondition("no scanner is configured, it's not possible to scan")
    return sim


def _schedule(sim):
    return sim.db.query_one("SELECT * FROM core_schedule WHERE vendor = ?", (VENDOR,))


def _set(sim, stype, cron, previous):
    """createOrUpdateScanAllSchedule: an identical schedule is kept as it is."""
    if not cron_ok(cron):
        raise bad_request(f"invalid cron string for scheduled scan all: {cron}")
    if previous is not None and previous["type"] == stype and previous["cron"] == cron:
        return
    now = jsonout.now()
    with sim.db.transaction():
        sim.db.execute("DELETE FROM core_schedule WHERE vendor = ?", (VENDOR,))
        sim.db.insert("INSERT INTO core_schedule (vendor, type, cron, parameters, creation_time, update_time)"
                      " VALUES (?, ?, ?, 'null', ?, ?)", (VENDOR, stype, cron, now, now))


async def _body(request):
    body = await read_json(request)
    check_types(body, {"schedule": {"type": str, "cron": str}})
    schedule = body.get("schedule") or {}
    return schedule.get("type") or "", schedule.get("cron") or ""


@routes.get(BASE)
async def get_schedule(request):
    """model.Schedule: no next_scheduled_time; no schedule: 200 with an empty body."""
    sim = _require_access(request, "read")
    row = _schedule(sim)
    if row is None:
        return web.Response(status=200)
    return json_response({"id": row["id"], "schedule": {"type": row["type"], "cron": row["cron"]},
                          "creation_time": row["creation_time"], "update_time": row["update_time"]})


@routes.post(BASE)
async def create_schedule(request):
    sim = _require_access(request, "create")
    stype, cron = await _body(request)
    if stype == "None":
        return web.Response(status=201)
    if stype == "Manual":
        raise precondition("harbor-sim runs no scans: a manual scan all is not emulated")
    if _schedule(sim) is not None:
        raise precondition("fail to set schedule for scan all as always had one, please delete it firstly then to "
                           "re-schedule")
    _set(sim, stype, cron, None)
    return web.Response(status=201)


@routes.put(BASE)
async def update_schedule(request):
    sim = _require_access(request, "update")
    stype, cron = await _body(request)
    if stype == "Manual":
        raise bad_request(f"fail to update scan all schedule as wrong schedule type: {stype}")
    previous = _schedule(sim)
    if stype == "None":
        if previous is not None:
            sim.db.execute("DELETE FROM core_schedule WHERE vendor = ?", (VENDOR,))
    else:
        _set(sim, stype, cron, previous)
    return ok()


@routes.get("/api/v2.0/scans/all/metrics")
@routes.get("/api/v2.0/scans/schedule/metrics")
async def metrics(request):
    """No scan-all execution ever ran: every Stats field is a zero value, omitted."""
    _require_access(request, "read")
    return json_response({})
