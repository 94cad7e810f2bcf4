"""Request pipeline: X-Request-Id, Basic auth -> principal, session cookie + CSRF, error bodies,
and the /_sim/requests log."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import uuid

from aiohttp import web

from . import auth
from .context import get_sim
from .errors import HarborError, error_response
from .storage import DatabaseError

LOG = logging.getLogger("harbor_sim.http")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
REQUEST_ID = "harbor_sim_request_id"
NEW_SID = "harbor_sim_new_sid"


def csrf_token(sim, sid: str) -> str:
    return hmac.new(sim.csrf_key, sid.encode(), hashlib.sha256).hexdigest()


def _csrf_failure(sim, request):
    """gorilla/csrf as Harbor uses it: only checked when the request carries the `sid` cookie."""
    sid = request.cookies.get("sid")
    if sid is None or request.method in SAFE_METHODS:
        return None
    sent = request.headers.get("X-Harbor-CSRF-Token", "")
    if not sent:
        return "CSRF token not found in request"
    if not hmac.compare_digest(sent, csrf_token(sim, sid)):
        return "CSRF token invalid"
    return None


class _Reset(Exception):
    """A fault rule dropped the connection: no answer is sent."""


async def _with_fault(sim, request, handler):
    """Run ``handler`` under the first /_sim/faults rule matching the request (faults.py)."""
    rule = None if request.path.startswith("/_sim/") else sim.faults.take_rule(request.method, request.path)
    if rule is None:
        return await handler(request)
    response = None
    if rule.get("process"):
        response = await handler(request)
    if rule.get("delay"):  # before handling, or with process: between handling and answering
        await asyncio.sleep(rule["delay"])
    if rule.get("reset"):
        if request.transport is not None:
            request.transport.abort()
        raise _Reset()
    if rule.get("status") is None:
        return response if response is not None else await handler(request)
    if "body" in rule:
        return web.Response(status=rule["status"], text=rule["body"], content_type="text/html")
    return error_response(rule["status"], "UNKNOWN" if rule["status"] >= 500 else "BAD_REQUEST",
                          f"fault injected by /_sim/faults (HTTP {rule['status']})")


@web.middleware
async def harbor_middleware(request, handler):
    sim = get_sim(request)
    request[REQUEST_ID] = request.headers.get("X-Request-Id") or str(uuid.uuid4())
    if "sid" not in request.cookies:
        request[NEW_SID] = secrets.token_hex(16)
    try:
        reason = _csrf_failure(sim, request)
        if reason:
            raise HarborError(403, reason)
        creds = auth.basic_credentials(request.headers.get("Authorization", ""))
        if creds:
            try:
                principal = await sim.blocking(auth.authenticate, sim, *creds)
            except DatabaseError as exc:
                # Harbor's basic-auth generator logs a failed login and goes on as anonymous
                LOG.error("login of %s failed: %s", creds[0], exc)
                principal = None
            request[auth.PRINCIPAL_KEY] = principal
        response = await _with_fault(sim, request, handler)
    except _Reset:
        _log(sim, request, "reset")
        raise asyncio.CancelledError() from None
    except HarborError as exc:
        response = error_response(exc.status, exc.code, exc.message)
    except web.HTTPMethodNotAllowed as exc:
        # go-openapi's router errors, converted by Harbor's error middleware
        allowed = ",".join(sorted(m for m in exc.allowed_methods if m != "HEAD"))
        response = error_response(405, "METHOD_NOT_ALLOWED",
                                  f"method {request.method} is not allowed, but [{allowed}] are")
    except web.HTTPNotFound:
        response = error_response(404, "NOT_FOUND", f"path {request.path} was not found")
    except DatabaseError as exc:
        LOG.error("%s %s: database error: %s", request.method, request.path, exc)
        response = error_response(500, "UNKNOWN", "internal server error")
    except web.HTTPException as exc:
        response = error_response(exc.status, "UNKNOWN" if exc.status >= 500 else "BAD_REQUEST", exc.reason)
    except Exception:  # noqa: BLE001 - Harbor hides every unexpected error behind a 500
        LOG.exception("%s %s failed", request.method, request.path)
        response = error_response(500, "UNKNOWN", "internal server error")
    _log(sim, request, response.status)
    return response


def _log(sim, request, status):
    """/_sim/requests: every API request with its status ("reset" when a fault dropped it)."""
    if not request.path.startswith("/_sim/"):
        principal = auth.current_principal(request)
        entry = {"method": request.method, "path": request.path, "query": request.query_string,
                 "status": status, "user": principal.name if principal else ""}
        with sim.requests_lock:
            sim.requests.append(entry)


async def on_response_prepare(request, response):
    """Headers Harbor puts on every response (also streamed /v2/ responses)."""
    sim = get_sim(request)
    response.headers["X-Request-Id"] = request.get(REQUEST_ID) or request.headers.get("X-Request-Id") \
        or str(uuid.uuid4())
    sid = request.cookies.get("sid")
    new_sid = request.get(NEW_SID)
    if new_sid:
        secure = sim.settings.public_url.startswith("https://")
        # added as a header: aiohttp serialises response.cookies before this hook runs
        response.headers.add("Set-Cookie", f"sid={new_sid}; Path=/; HttpOnly" + ("; Secure" if secure else ""))
    if sid:
        # the CSRF middleware (and its token header) only runs for requests that carry a session
        response.headers["X-Harbor-CSRF-Token"] = csrf_token(sim, sid)
