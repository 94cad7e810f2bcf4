"""Replication executions and tasks API (the jobservice side of replication)."""

from __future__ import annotations

from aiohttp import web

from ..auth import require_system_admin
from ..context import get_sim
from ..errors import bad_request, not_found, precondition
from ..listing import paginate

routes = web.RouteTableDef()
BASE = "/api/v2.0/replication/executions"
SKIPPED = "Execution skipped: active replication still in progress."


def _dp(request):
    require_system_admin(request)
    sim = get_sim(request)
    if sim.dataplane is None:
        raise not_found("the data plane is not running")
    return sim, sim.dataplane


def _int(value, what):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"invalid {what}: {value}") from None


def _execution_or_404(dp, exec_id):
    row = dp.executions.get_execution(exec_id)
    if row is None:
        raise not_found(f"execution {exec_id} not found")
    return row


@routes.post(BASE)
async def start_execution(request):
    sim, dp = _dp(request)
    try:
        body = await request.json()
    except ValueError:
        raise bad_request("invalid request body") from None
    if not isinstance(body, dict) or "policy_id" not in body:
        raise bad_request("policy_id is required")
    policy_id = _int(body.get("policy_id"), "policy_id")
    policy = dp.host.policy(policy_id)
    if policy is None:
        raise not_found(f"replication policy {policy_id} not found")
    if not policy.get("enabled"):
        raise precondition(f"the policy {policy_id} is disabled")
    if policy.get("single_active_replication") and dp.executions.has_running(policy_id):
        exec_id = dp.executions.create_execution(policy_id, "manual")
        dp.executions.finish_execution(exec_id, "Failed", SKIPPED)
    else:
        exec_id = await sim.blocking(dp.engine.start_execution, policy, "manual")
    return web.Response(status=201, headers={"Location": f"{BASE}/{exec_id}"})


@routes.get(BASE)
async def list_executions(request):
    _, dp = _dp(request)
    q = request.query
    policy_id = _int(q["policy_id"], "policy_id") if q.get("policy_id") else None
    rows = dp.executions.list_executions(policy_id, q.get("status") or None, q.get("trigger") or None)
    return paginate(request, [dp.executions.execution_json(r) for r in rows])


@routes.get(BASE + "/{id}")
async def get_execution(request):
    _, dp = _dp(request)
    row = _execution_or_404(dp, _int(request.match_info["id"], "id"))
    return web.json_response(dp.executions.execution_json(row))


@routes.put(BASE + "/{id}")
async def stop_execution(request):
    _, dp = _dp(request)
    exec_id = _int(request.match_info["id"], "id")
    _execution_or_404(dp, exec_id)
    dp.executions.stop_execution(exec_id)
    return web.Response(status=200)


@routes.get(BASE + "/{id}/tasks")
async def list_tasks(request):
    _, dp = _dp(request)
    exec_id = _int(request.match_info["id"], "id")
    _execution_or_404(dp, exec_id)
    tasks = [dp.executions.task_json(t) for t in dp.executions.list_tasks(exec_id)]
    for key in ("status", "resource_type"):
        if request.query.get(key):
            tasks = [t for t in tasks if t[key] == request.query[key]]
    return paginate(request, tasks)


@routes.get(BASE + "/{id}/tasks/{task_id}/log")
async def task_log(request):
    _, dp = _dp(request)
    exec_id = _int(request.match_info["id"], "id")
    task_id = _int(request.match_info["task_id"], "task_id")
    _execution_or_404(dp, exec_id)
    task = dp.executions.get_task(exec_id, task_id)
    if task is None:
        raise not_found(f"execution {exec_id} contains no task with ID {task_id}")
    return web.Response(text=task["log"] or "", content_type="text/plain")
