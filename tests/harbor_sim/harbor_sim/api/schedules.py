"""GC and purge-audit schedules, their executions (history, log, stop) and scheduled runs (FACTS §2.14).

A manual or scheduled GC runs the real job (harbor_sim/gc.py) in a background thread: the execution
is `Running` until the job checks in what it freed (src/controller/gc, src/server/v2.0/handler/gc.go).
Purge-audit runs complete at once: the sim keeps no audit logs to purge.
"""

from __future__ import annotations

import datetime
import json
import os
import threading
import time

from aiohttp import web

from .. import gc as gc_job
from .. import jsonout
from ..auth import require_system_admin
from ..context import get_sim
from ..errors import bad_request, not_found
from ..listing import json_response, page_params, paginate
from ..replication.cron import Cron, CronError
from ..validate import check_types, read_json
from .common import int_id, ok

routes = web.RouteTableDef()
SCHEDULED = ("Hourly", "Daily", "Weekly", "Custom")
KINDS = {"gc": ("garbage-collection", "gc"), "purgeaudit": ("purge-audit", "purge audit")}
VENDOR_TYPES = {"gc": "GARBAGE_COLLECTION", "purgeaudit": "PURGE_AUDIT_LOG"}
# what the history's "not found" errors call an execution (gc controller / handler; purge handler)
EXECUTION_NAMES = {"gc": "garbage collection execution", "purgeaudit": "purge audit execution"}
LOG_NAMES = {"gc": "garbage collection", "purgeaudit": "purge audit"}
GC_PARAMS = {"delete_untagged": bool, "dry_run": bool, "workers": int, "delete_tag": bool}
MAX_AUDIT_RETENTION_HOUR = 240000  # src/common/const.go MaxAuditRetentionHour
FINAL = ("Success", "Error", "Stopped")
_GC_LOCK = threading.Lock()  # the GC job's MaxCurrency is 1: a second run waits for the first
_STOP = set()                 # executions asked to stop (checked between the job's phases)


def go_json(value) -> str:
    """Go's json.Marshal of a map: keys sorted, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


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


def _validate(sim, vendor, body):
    check_types(body, {"schedule": {"type": str, "cron": str}, "parameters": dict})
    schedule = body.get("schedule") or {}
    stype, cron = schedule.get("type") or "", schedule.get("cron") or ""
    params = body.get("parameters") or {}
    if vendor == "gc":
        check_types(params, GC_PARAMS, "parameters.")
        workers = params.get("workers")
        if workers is not None and not 1 <= workers <= 10:
            raise bad_request("Error: Invalid number of workers:%s. Workers must be greater than 0 and less than "
                              "or equal to 10." % workers)
        params = {k: params[k] for k in GC_PARAMS if k in params}
    else:
        # verifyCreateRequest / verifyUpdateRequest: whatever the type, None included
        events = purge_events_key(sim.version)
        check_types(params, {"audit_retention_hour": int, events: str, "dry_run": bool}, "parameters.")
        if "schedule" not in body:
            raise bad_request("schedule cann't be empty")
        if not params:
            raise bad_request("schedule parameter cann't be empty")
        if "audit_retention_hour" not in params:
            raise bad_request("audit_retention_hour should provide")
        if (params["audit_retention_hour"] or 0) > MAX_AUDIT_RETENTION_HOUR:
            raise bad_request(f"audit_retention_hour should be less than {MAX_AUDIT_RETENTION_HOUR}")
        if events not in params:
            raise bad_request(f"{events} should provide")
        params = {k: params[k] for k in ("audit_retention_hour", events, "dry_run") if k in params}
    if stype in SCHEDULED:
        if not cron:
            raise bad_request(f"empty cron string for {KINDS[vendor][1]} schedule")
        if not cron_ok(cron):
            raise bad_request(f"invalid cron string for scheduled {KINDS[vendor][1]}: {cron}")
    return stype, cron, params


def cron_ok(cron: str) -> bool:
    """utils.ValidateCronString: not empty, parses (6 fields, seconds first), seconds field "0"."""
    try:
        Cron(cron)
    except (CronError, IndexError):
        return False
    return cron.split(" ")[0] == "0"


def _history_json(row) -> dict:
    """model.GCHistory / model.ExecHistory ToSwagger: job_kind is the trigger (MANUAL, SCHEDULE),
    schedule.type its title case, next_scheduled_time the zero time (no cron), `deleted` omitted."""
    return jsonout.clean({"id": row["id"], "job_name": VENDOR_TYPES[row["vendor"]],
                          "job_kind": row["job_kind"], "job_parameters": row["parameters"],
                          "job_status": row["status"],
                          "schedule": {"type": row["job_kind"].title(), "next_scheduled_time": jsonout.ZERO_TIME},
                          "creation_time": row["creation_time"], "update_time": row["update_time"]})


def gc_policy(params, version) -> dict:
    """gc.Policy from the request's parameters (the handler reads only well-typed values)."""
    policy = {"delete_untagged": params.get("delete_untagged") is True,
              "delete_tag": params.get("delete_tag") is True, "dry_run": params.get("dry_run") is True,
              "workers": params.get("workers") if isinstance(params.get("workers"), int) else 0}
    return version.strip(policy, {"delete_tag": "gc_delete_tag"})


def _execution_params(sim, vendor, params) -> dict:
    """What the controllers' Start stores as the execution's extra attributes."""
    if vendor == "gc":
        # handler kick(): redis_url_reg from core's _REDIS_URL_REG, time_window from GC_TIME_WINDOW_HOURS
        return dict(gc_policy(params, sim.version), redis_url_reg=os.environ.get("_REDIS_URL_REG", ""),
                    time_window=gc_job.time_window_hours())
    events = purge_events_key(sim.version)
    return {"dry_run": params.get("dry_run") is True, "audit_retention_hour": params.get("audit_retention_hour") or 0,
            events: params.get(events) or ""}


def purge_events_key(version) -> str:
    """include_operations up to 2.12, include_event_types from 2.13 (src/common/const.go)."""
    return "include_event_types" if version.has("purge_include_event_types") else "include_operations"


def start_execution(sim, vendor, params, trigger) -> int:
    """exeMgr.Create (status Running) + the job; returns the execution id."""
    attrs = _execution_params(sim, vendor, params)
    now = jsonout.now()
    hid = sim.db.insert(
        "INSERT INTO core_job_history (vendor, job_kind, trigger, parameters, status, creation_time, update_time)"
        " VALUES (?, ?, ?, ?, 'Running', ?, ?)", (vendor, trigger.upper(), trigger, go_json(attrs), now, now))
    if vendor == "gc":
        threading.Thread(target=_run_gc, args=(sim, hid, attrs), daemon=True, name=f"harbor-sim-gc-{hid}").start()
    else:
        log = gc_job.JobLog()
        log.info("Purge audit job start")
        log.info(f"Purge audit job parameters: {go_json(attrs)}")
        log.info("Purged 0 rows of audit logs (the sim keeps no audit logs)")
        _finish(sim, hid, "Success", attrs, log)
    return hid


def _run_gc(sim, hid, attrs):
    log = gc_job.JobLog()
    status = "Success"
    with _GC_LOCK:
        try:
            if hid in _STOP:
                status = "Stopped"
            elif sim.dataplane is None:
                log.error("failed to start gc as registry controller is unreachable: no data plane")
                status = "Error"
            else:
                attrs = dict(attrs, **gc_job.run(sim.dataplane, sim.settings, attrs, log))
        except gc_job.GCFailed as exc:
            log.error(f"failed to execute GC job: {exc}")
            status = "Error"
        except Exception as exc:  # noqa: BLE001 - a job error ends the execution in Error
            gc_job.LOG.exception("gc %s failed", hid)
            log.error(f"failed to execute GC job: {exc}")
            status = "Error"
    _finish(sim, hid, status, attrs, log)


def _finish(sim, hid, status, attrs, log):
    with sim.db.transaction():
        sim.db.execute("UPDATE core_job_history SET status = ?, parameters = ?, update_time = ? WHERE id = ?",
                       (status, go_json(attrs), jsonout.now(), hid))
        sim.db.execute("DELETE FROM core_job_log WHERE history_id = ?", (hid,))
        sim.db.insert("INSERT INTO core_job_log (history_id, log) VALUES (?, ?)", (hid, log.text()))
    _STOP.discard(hid)


def _schedule_attrs(sim, vendor, params) -> dict:
    """The schedule's extra attributes (GET .../schedule job_parameters): gc CreateSchedule keeps
    delete_untagged, delete_tag (2.15+) and workers; purge keeps the request's parameters."""
    if vendor == "gc":
        policy = gc_policy(params, sim.version)
        return {k: policy[k] for k in ("delete_untagged", "delete_tag", "workers") if k in policy}
    return params


async def _set_schedule(request, vendor, create: bool):
    sim = get_sim(request)
    require_system_admin(request, KINDS[vendor][0], "create" if create else "update")
    body = await read_json(request)
    stype, cron, params = _validate(sim, vendor, body)
    now = jsonout.now()
    location_id = 0
    if stype == "Manual":
        location_id = start_execution(sim, vendor, params, "Manual")
    elif stype == "None":
        sim.db.execute("DELETE FROM core_schedule WHERE vendor = ?", (vendor,))
    elif stype in SCHEDULED:
        # the schedule keeps the whole policy for its runs; GET shows _schedule_attrs of it
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
    out = {"id": row["id"], "job_name": "", "job_kind": row["cron"],
           "job_parameters": go_json(_schedule_attrs(sim, vendor, json.loads(row["parameters"]))),
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


def _execution(request, sim, vendor, action):
    require_system_admin(request, KINDS[vendor][0], action)
    hid = int_id(request, "hid", "")
    row = sim.db.query_one("SELECT * FROM core_job_history WHERE vendor = ? AND id = ?", (vendor, hid))
    return hid, row


def _history(vendor):
    async def list_history(request):
        sim = get_sim(request)
        require_system_admin(request, KINDS[vendor][0], "list")
        page, size = page_params(request)
        rows = sim.db.query("SELECT * FROM core_job_history WHERE vendor = ? ORDER BY id DESC", (vendor,))
        return paginate(request, [_history_json(r) for r in rows], page, size)

    async def get_history(request):
        sim = get_sim(request)
        hid, row = _execution(request, sim, vendor, "read")
        if row is None:
            raise not_found(f"{EXECUTION_NAMES[vendor]} {hid} not found")
        return json_response(_history_json(row))

    async def get_log(request):
        sim = get_sim(request)
        hid, row = _execution(request, sim, vendor, "read")
        if row is None:  # no execution, no task
            raise not_found(f"{LOG_NAMES[vendor]} {hid} log is not found")
        log = sim.db.query_one("SELECT log FROM core_job_log WHERE history_id = ?", (hid,))
        return web.Response(status=200, text=log["log"] if log else "", content_type="text/plain")

    async def stop(request):
        """exeMgr.Stop: an execution in a final status is left alone (200)."""
        sim = get_sim(request)
        hid, row = _execution(request, sim, vendor, "stop")
        if row is None:
            raise not_found(f"execution {hid} not found")
        if row["status"] not in FINAL:
            _STOP.add(hid)
        return ok()

    return list_history, get_history, get_log, stop


for _vendor in KINDS:
    _list, _get, _log, _stop = _history(_vendor)
    routes.get(f"/api/v2.0/system/{_vendor}")(_list)
    routes.get(f"/api/v2.0/system/{_vendor}/{{hid:[0-9]+}}")(_get)
    routes.get(f"/api/v2.0/system/{_vendor}/{{hid:[0-9]+}}/log")(_log)
    routes.put(f"/api/v2.0/system/{_vendor}/{{hid:[0-9]+}}")(_stop)


def fire_due(sim, when, acquire_once=None) -> list:
    """The scheduler's tick: start the runs whose schedule matches `when` (a UTC second); with
    several sims on one Redis only the one that takes the tick's lock fires (jobservice's periodic
    enqueuer). Returns the execution ids started."""
    started = []
    for row in sim.db.query("SELECT * FROM core_schedule"):
        if row["vendor"] not in KINDS:
            continue  # scan all: the sim runs no scans
        try:
            if not Cron(row["cron"]).matches(when):
                continue
        except CronError:
            continue
        key = f"schedule:{row['vendor']}:{int(when.timestamp())}"
        if acquire_once is not None and not acquire_once(key):
            continue
        started.append(start_execution(sim, row["vendor"], json.loads(row["parameters"]), "Schedule"))
    return started


def _import_retentions():
    from . import retentions  # scheduled tag retention runs on the same tick
    return retentions


def attach(app, sim) -> None:
    """Run the schedules while the application runs (app.py calls this)."""
    stop_event = threading.Event()

    async def on_startup(_app):
        start_scheduler(sim, stop_event)

    async def on_cleanup(_app):
        stop_event.set()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)


def start_scheduler(sim, stop_event):
    """A thread that checks the GC / purge schedules every second (UTC)."""
    def loop():
        last = int(time.time())
        while not stop_event.wait(0.2):
            now = int(time.time())
            for second in range(last + 1, now + 1):
                when = datetime.datetime.fromtimestamp(second, datetime.timezone.utc)
                queue = getattr(sim.dataplane, "queue", None)
                try:
                    lock = queue.acquire_once if queue is not None else None
                    fire_due(sim, when, lock)
                    _import_retentions().fire_due(sim, when, lock)
                except Exception:  # noqa: BLE001 - database down: try the next tick
                    gc_job.LOG.exception("schedule tick failed")
            last = max(last, now)

    thread = threading.Thread(target=loop, daemon=True, name="harbor-sim-system-scheduler")
    thread.start()
    return thread
