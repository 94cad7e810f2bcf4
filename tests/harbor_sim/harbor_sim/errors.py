"""Harbor's error body: {"errors":[{"code":"…","message":"…"}]}\n (src/lib/http/error.go)."""

from __future__ import annotations

import json

from aiohttp import web

CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
         405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 412: "PRECONDITION", 413: "REQUEST_ENTITY_TOO_LARGE",
         415: "UNSUPPORTED_MEDIA_TYPE", 422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUEST", 500: "UNKNOWN"}


class HarborError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "UNKNOWN")
        self.message = message


def error_body(code: str, message: str) -> str:
    return json.dumps({"errors": [{"code": code, "message": message}]}, separators=(",", ":")) + "\n"


def error_response(status: int, code: str, message: str, headers=None) -> web.Response:
    resp = web.Response(status=status, text=error_body(code, message), headers=headers)
    resp.content_type = "application/json"
    resp.charset = "utf-8"
    return resp


def bad_request(message: str) -> HarborError:
    return HarborError(400, message)


def unauthorized(message: str = "unauthorized") -> HarborError:
    return HarborError(401, message)


def forbidden(message: str = "forbidden") -> HarborError:
    return HarborError(403, message)


def not_found(message: str) -> HarborError:
    return HarborError(404, message)


def conflict(message: str) -> HarborError:
    return HarborError(409, message)


def precondition(message: str) -> HarborError:
    return HarborError(412, message)


def unprocessable(message: str) -> HarborError:
    return HarborError(422, message)


def internal() -> HarborError:
    return HarborError(500, "internal server error")
