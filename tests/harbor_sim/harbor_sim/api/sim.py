"""Sim-only endpoints: /_sim/requests (request log) and /_sim/faults (fault injection)."""

from __future__ import annotations

import re

from aiohttp import web

from ..auth import require_system_admin
from ..context import get_sim
from ..errors import bad_request
from ..faults import rule_error
from ..listing import json_response
from ..validate import read_json

routes = web.RouteTableDef()
HOST_PORT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}$")


def _admin(request):
    principal = require_system_admin(request)
    if principal.is_robot:
        raise bad_request("robots cannot use /_sim")
    return principal


@routes.get("/_sim/requests")
async def get_requests(request):
    _admin(request)
    sim = get_sim(request)
    with sim.requests_lock:
        return json_response(list(sim.requests))


@routes.delete("/_sim/requests")
async def clear_requests(request):
    _admin(request)
    sim = get_sim(request)
    with sim.requests_lock:
        sim.requests.clear()
    return web.Response(status=200)


@routes.get("/_sim/faults")
async def get_faults(request):
    _admin(request)
    return json_response(get_sim(request).faults.get())


@routes.put("/_sim/faults")
async def put_faults(request):
    _admin(request)
    body = await read_json(request, dict)
    unknown = set(body) - {"blocked_hosts", "transfer_kbps", "rules"}
    if unknown:
        raise bad_request(f"unknown fault keys: {', '.join(sorted(unknown))}")
    state = get_sim(request).faults.get()
    if "blocked_hosts" in body:
        hosts = body["blocked_hosts"]
        if not isinstance(hosts, list) or not all(isinstance(h, str) and HOST_PORT.match(h) for h in hosts):
            raise bad_request("blocked_hosts must be a list of \"host:port\" strings")
        state["blocked_hosts"] = hosts
    if "transfer_kbps" in body:
        kbps = body["transfer_kbps"]
        if type(kbps) is not int or kbps < 0:
            raise bad_request("transfer_kbps must be an integer >= 0")
        state["transfer_kbps"] = kbps
    if "rules" in body:
        rules = body["rules"]
        if not isinstance(rules, list):
            raise bad_request("rules must be a list")
        for rule in rules:
            problem = rule_error(rule)
            if problem:
                raise bad_request(f"rules: {problem}")
        state["rules"] = rules
    get_sim(request).faults.set(state)
    return json_response(state)
