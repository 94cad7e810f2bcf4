"""GET /api/v2.0/health: always 200; per-component status, sorted by name (src/controller/health)."""

from __future__ import annotations

import asyncio

import requests
from aiohttp import web

from ..context import get_sim
from ..listing import json_response

routes = web.RouteTableDef()
TIMEOUT = 10


def _check_registry(sim):
    url = sim.registry_url()
    if not url:
        raise RuntimeError("no backing registry: the data plane is not running and --registry-url is not set")
    session = requests.Session()
    session.trust_env = False
    resp = session.get(url.rstrip("/") + "/", timeout=5)
    if resp.status_code != 200:
        raise RuntimeError(f"unexpected status code: {resp.status_code}")


def _check_redis(sim):
    from ..jobqueue import redis_client

    redis_client(sim.settings.redis_url).ping()


def _check_jobservice(sim):
    if sim.dataplane is None:
        raise RuntimeError("job service not available: the data plane is not loaded")
    queue = getattr(sim.dataplane, "queue", None)
    if queue is not None and getattr(queue, "redis", None) is not None:
        queue.redis.ping()


def _check_core(sim):
    return None


async def _component(sim, name, check):
    try:
        await asyncio.wait_for(sim.blocking(check, sim), TIMEOUT)
        return {"name": name, "status": "healthy"}
    except asyncio.TimeoutError:
        return {"name": name, "status": "unhealthy", "error": "failed to check the health status: timeout"}
    except Exception as exc:  # noqa: BLE001 - any failure is reported in the body
        return {"name": name, "status": "unhealthy", "error": str(exc) or exc.__class__.__name__}


@routes.get("/api/v2.0/health")
async def health(request):
    sim = get_sim(request)
    checks = {"core": _check_core, "database": lambda s: s.db.ping(), "jobservice": _check_jobservice,
              "registry": _check_registry}
    if sim.settings.redis_url:
        checks["redis"] = _check_redis
    components = await asyncio.gather(*(_component(sim, n, c) for n, c in sorted(checks.items())))
    overall = "healthy" if all(c["status"] == "healthy" for c in components) else "unhealthy"
    return json_response({"status": overall, "components": list(components)})
