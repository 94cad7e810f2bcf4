"""Response shapes shared by every resource: 201 + path-only Location, 200 with an empty body."""

from __future__ import annotations

from aiohttp import web

from ..errors import not_found, unprocessable


def created(request, resource_id) -> web.Response:
    return web.Response(status=201, headers={"Location": f"{request.path.rstrip('/')}/{resource_id}"})


def ok() -> web.Response:
    return web.Response(status=200)


def int_id(request, name: str, what: str) -> int:
    raw = request.match_info[name]
    try:
        value = int(raw)
    except ValueError:
        raise unprocessable(
            f"validation failure list:\n{name} in path must be of type int64: \"{raw}\"")
    if value <= 0 and what:
        raise not_found(f"{what} {value} not found")
    return value
