"""GC and purge-audit schedules and their execution history (FACTS §2.14)."""

from __future__ import annotations

import datetime
import json

from aiohttp import web

from .. import jsonout
from ..auth import require_system_admin
from ..context import get_sim
from ..errors import HarborError, bad_request, not_found
from ..listing import json_response, page_params, paginate
from ..replication.cron import Cron, CronError
from ..validate import check_types, read_json
from .common import int_id, ok

routes = web.RouteTableDef()
SCHEDULED = ("Hourly", "Daily", "Weekly", "Custom")
KINDS = {"gc": ("garbage-collection", "gc"), "purgeaudit": ("purge-audit", "purge audit")}
VENDOR_TYPES = {"gc": "GARBAGE_COLLECTION", "purgeaudit": "PURGE_AUDIT_LOG"}
GC_PARAMS = {"delete_untagged": bool, "dry_run": bool, "workers": int, "delete_tag": bool}
PURGE_PARAMS = {"audit_retention_hour": int, "include_event_types": str, "dry_run": bool}


def next_run(cron: str, now=None):
    """Next time the 6-field cron fires (UTC), searching one year ahead."""
    spec = Cron(cron)
    sec, minute, hour = (sorted(s) for s in spec.sets[:3])
    start = (now or datetime.datetime.now(datetime.timezone.utc)).replace(microsecond=0) + datetime.timedelta(seconds=1)
    day = start.replace(hour=0, minute=0, second=0)
    for offset in range(0, 370):
        candidate_day = day + datetime.timedelta(days=offset)
        probe = candidate_day.replace(hour=hour[0], minute=minute[0], second=sec[0])
        if not spec.matches(probe) and not _day_ok(spec, candidate_day):
            continue
        for h in hour:
            for m in minute:
                for s in sec:
                    when = candidate_day.replace(hour=h, minute=m, second=s)
                    if when >= start and spec.matches(when):
                        return when
    return None


def _day_ok(spec, day):
    return spec.matches(day.replace(hour=min(spec.sets[2]), minute=min(spec.sets[1]), second=min(spec.sets[0])))


def _validate(vendor, body):
    check_types(body, {"schedule": {"type": str, "cron": str}, "parameters": dict})
    schedule = body.get("schedule") or {}
    stype, cron = schedule.get("type") or "", schedule.get("cron") or ""
    params = body.get("parameters") or {}
    check_types(params, GC_PARAMS if vendor == "gc" else PURGE_PARAMS, "parameters.")
    if vendor == "gc":
        workers = params.get("workers")
        if workers is not None and not 1 <= workers <= 10:
            raise bad_request("Error: Invalid number of workers:%s. Workers must be greater than 0 and less than "
                              "or equal to 10." % workers)
        params = {k: params[k] for k in GC_PARAMS if k in params}
    else:
        if stype in SCHEDULED + ("Manual",):
            hours = params.get("audit_retention_hour")
            if hours is None:
                raise HarborError(422, "validation failure list:\naudit_retention_hour in body is required")
            if hours > 240000 or hours < 0:
                raise bad_request("audit_retention_hour should be less than or equal to 240000")
            if params.get("include_event_types") is None:
                raise HarborError(422, "validation failure list:\ninclude_event_types in body is required")
        params = {k: params[k] for k in PURGE_PARAMS if k in params}
    if stype in SCHEDULED:
        if not cron:
            raise bad_request(f"empty cron string for {KINDS[vendor][1]} schedule")
        fields = cron.split(" ")
        try:
            Cron(cron)
            if fields[0] != "0":
                raise CronError("first field")
        except (CronError, IndexError):
            raise bad_request(f"invalid cron string for scheduled {KINDS[vendor][1]}: {cron}")
    return stype, cron, params


def _history_json(row) -> dict:
    return jsonout.clean({"id": row["id"], "job_name": VENDOR_TYPES[row["vendor"]],
                          "job_kind": row["job_kind"], "job_parameters": row["parameters"],
                          "job_status": row["status"], "schedule": {"type": row["job_kind"]},
                          "creation_time": row["creation_time"], "update_time": row["update_time"]})


async def _set_schedule(request, vendor, create: bool):
    sim = get_sim(request)
    require_system_admin(request, KINDS[vendor][0], "create" if create else "update")
    body = await read_json(request)
    stype, cron, params = _validate(vendor, body)
    now = jsonout.now()
    location_id = 0
    if stype == "Manual":
        location_id = sim.db.insert(
            "INSERT INTO core_job_history (vendor, job_kind, trigger, parameters, status, creation_time, update_time)"
            " VALUES (?, 'MANUAL', 'Manual', ?, 'Success', ?, ?)", (vendor, json.dumps(params), now, now))
    elif stype == "None":
        sim.db.execute("DELETE FROM core_schedule WHERE vendor = ?", (vendor,))
    elif stype in SCHEDULED:
        with sim.db.transaction():
            sim.db.execute("DELETE FROM core_schedule WHERE vendor = ?", (vendor,))
            sim.db.insert("INSERT INTO core_schedule (vendor, type, cron, parameters, creation_time, update_time)"
                          " VALUES (?, ?, ?, ?, ?, ?)", (vendor, stype, cron, json.dumps(params), now, now))
    # any other type (incl. "Schedule") is a silent no-op, like Harbor's handler
    if create:
        path = request.path.rsplit("/schedule", 1)[0]
        return web.Response(status=201, headers={"Location": f"{path}/{location_id}"})
    return ok()


async def _get_schedule(request, vendor):
    sim = get_sim(request)
    require_system_admin(request, KINDS[vendor][0], "read")
    row = sim.db.query_one("SELECT * FROM core_schedule WHERE vendor = ?", (vendor,))
    if row is None:
        return web.Response(status=200)
    nxt = next_run(row["cron"])
    out = {"id": row["id"], "job_name": "", "job_kind": row["cron"], "job_parameters": row["parameters"],
           "schedule": jsonout.clean({"type": row["type"], "cron": row["cron"],
                                      "next_scheduled_time": jsonout.fmt_time(nxt) if nxt else ""}),
           "creation_time": row["creation_time"], "update_time": row["update_time"]}
    return json_response(jsonout.clean(out))


def _schedule_handlers(vendor):
    async def get_schedule(request):
        return await _get_schedule(request, vendor)

    async def create_schedule(request):
        return await _set_schedule(request, vendor, True)

    async def update_schedule(request):
        return await _set_schedule(request, vendor, False)

    return get_schedule, create_schedule, update_schedule


for _vendor in KINDS:
    _get_one, _create, _update = _schedule_handlers(_vendor)
    routes.get(f"/api/v2.0/system/{_vendor}/schedule")(_get_one)
    routes.post(f"/api/v2.0/system/{_vendor}/schedule")(_create)
    routes.put(f"/api/v2.0/system/{_vendor}/schedule")(_update)


def _history(vendor):
    async def list_history(request):
        sim = get_sim(request)
        require_system_admin(request, KINDS[vendor][0], "list")
        page, size = page_params(request)
        rows = sim.db.query("SELECT * FROM core_job_history WHERE vendor = ? ORDER BY id DESC", (vendor,))
        return paginate(request, [_history_json(r) for r in rows], page, size)

    async def get_history(request):
        sim = get_sim(request)
        require_system_admin(request, KINDS[vendor][0], "read")
        hid = int_id(request, "hid", "")
        row = sim.db.query_one("SELECT * FROM core_job_history WHERE vendor = ? AND id = ?", (vendor, hid))
        if row is None:
            raise not_found(f"{KINDS[vendor][1]} {hid} not found")
        return json_response(_history_json(row))

    return list_history, get_history


for _vendor in KINDS:
    _list, _get = _history(_vendor)
    routes.get(f"/api/v2.0/system/{_vendor}")(_list)
    routes.get(f"/api/v2.0/system/{_vendor}/{{hid:[0-9]+}}")(_get)
