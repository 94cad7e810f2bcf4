"""FACTS §8 items 1-4 and 14: prefix, error body, cookies/CSRF, request ids, ping/health/systeminfo."""

from __future__ import annotations

import pytest
import requests

from simcore_support import error_of

pytestmark = pytest.mark.sim


def test_ping_is_plain_text_pong(anon):
    resp = anon.get("/ping")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    assert resp.text == "Pong"


def test_health_always_200_sorted_components(anon):
    resp = anon.get("/health")
    assert resp.status_code == 200
    body = resp.json()
    names = [c["name"] for c in body["components"]]
    assert names == sorted(names)
    assert {"core", "database", "registry", "jobservice"} <= set(names)
    assert body["status"] in ("healthy", "unhealthy")
    assert body["status"] == ("healthy" if all(c["status"] == "healthy" for c in body["components"])
                              else "unhealthy")
    for comp in body["components"]:
        assert ("error" in comp) == (comp["status"] != "healthy")
    database = next(c for c in body["components"] if c["name"] == "database")
    assert database == {"name": "database", "status": "healthy"}


def test_systeminfo_anonymous_subset_has_no_version(anon, admin):
    info = anon.get("/systeminfo").json()
    assert "harbor_version" not in info
    assert info["auth_mode"] == "db_auth"
    assert info["self_registration"] is False and "primary_auth_mode" in info
    assert "external_url" not in info
    full = admin.get("/systeminfo").json()
    assert full["harbor_version"] == "v2.15.2-sim.1"
    assert full["project_creation_restriction"] == "everyone"
    assert full["registry_url"] and "://" not in full["registry_url"]


def test_error_body_exact_bytes(anon):
    resp = anon.get("/users/current")
    assert resp.status_code == 401
    assert resp.text == '{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized"}]}\n'
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"


def test_unknown_path_is_harbor_404(anon):
    resp = anon.get("/no-such-thing")
    assert resp.status_code == 404
    assert error_of(resp) == ("NOT_FOUND", "path /api/v2.0/no-such-thing was not found")


def test_request_id_echoed_or_generated(anon):
    assert anon.get("/ping", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"] == "abc-123"
    a, b = anon.get("/ping").headers["X-Request-Id"], anon.get("/ping").headers["X-Request-Id"]
    assert a and b and a != b


def test_wrong_password_is_anonymous_not_401(sim, admin):
    bad = admin.as_user("admin", "WrongPassw0rd")
    assert bad.get("/projects").status_code == 200
    assert bad.get("/health").status_code == 200
    resp = bad.get("/users/current")
    assert resp.status_code == 401 and error_of(resp) == ("UNAUTHORIZED", "unauthorized")
    # a private project is invisible to the "anonymous" caller
    admin.post("/projects", json={"project_name": "conv-private"})
    names = [p["name"] for p in bad.get("/projects", params={"page_size": 100}).json()]
    assert "library" in names and "conv-private" not in names


def test_session_cookie_set_and_csrf_enforced(sim, admin):
    resp = admin.get("/users/current")
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith("sid=") and "Path=/" in cookie and "HttpOnly" in cookie
    sid = resp.cookies["sid"]
    assert "X-Harbor-CSRF-Token" not in resp.headers  # no session sent -> CSRF middleware skipped
    token = admin.get("/users/current", cookies={"sid": sid}).headers["X-Harbor-CSRF-Token"]
    body = {"project_name": "csrf-proj"}
    # replaying the cookie without the token header: rejected
    no_token = admin.post("/projects", json=body, cookies={"sid": sid})
    assert no_token.status_code == 403
    assert error_of(no_token) == ("FORBIDDEN", "CSRF token not found in request")
    wrong = admin.post("/projects", json=body, cookies={"sid": sid}, headers={"X-Harbor-CSRF-Token": "bogus"})
    assert wrong.status_code == 403
    assert error_of(wrong) == ("FORBIDDEN", "CSRF token invalid")
    assert admin.head("/projects", params={"project_name": "csrf-proj"}).status_code == 404
    # safe methods with the cookie are fine; the right token passes; no cookie at all passes
    assert admin.get("/projects", cookies={"sid": sid}).status_code == 200
    ok = admin.post("/projects", json=body, cookies={"sid": sid}, headers={"X-Harbor-CSRF-Token": token})
    assert ok.status_code == 201, ok.text
    assert admin.delete("/projects/csrf-proj").status_code == 200


def test_cookie_jar_session_is_trapped(sim):
    """A requests.Session keeps `sid` -> the second write fails like real Harbor."""
    with requests.Session() as session:
        session.auth = ("admin", "Harbor12345")
        first = session.post(sim.url + "/api/v2.0/labels", json={"name": "jar1", "scope": "g"})
        assert first.status_code == 201
        second = session.post(sim.url + "/api/v2.0/labels", json={"name": "jar2", "scope": "g"})
        assert second.status_code == 403


def test_method_not_allowed(admin):
    resp = admin.request("PATCH", "/ping")
    assert resp.status_code == 405
    assert error_of(resp) == ("METHOD_NOT_ALLOWED", "method PATCH is not allowed, but [GET] are")


def test_sim_requests_log(sim, admin, anon):
    assert admin.delete("/_sim/requests").status_code == 200
    anon.get("/ping", params={"a": "1"})
    admin.get("/users/current")
    log = admin.get("/_sim/requests").json()
    assert log == [{"method": "GET", "path": "/api/v2.0/ping", "query": "a=1", "status": 200, "user": ""},
                   {"method": "GET", "path": "/api/v2.0/users/current", "query": "", "status": 200,
                    "user": "admin"}]
    assert anon.get("/_sim/requests").status_code == 401


def test_sim_faults_roundtrip_and_validation(admin):
    assert admin.get("/_sim/faults").json() == {"blocked_hosts": [], "transfer_kbps": 0, "rules": []}
    resp = admin.put("/_sim/faults", json={"blocked_hosts": ["127.0.0.1:1"], "transfer_kbps": 64})
    assert resp.status_code == 200
    assert admin.get("/_sim/faults").json() == {"blocked_hosts": ["127.0.0.1:1"], "transfer_kbps": 64, "rules": []}
    assert admin.put("/_sim/faults", json={"transfer_kbps": -1}).status_code == 400
    assert admin.put("/_sim/faults", json={"blocked_hosts": "x"}).status_code == 400
    assert admin.put("/_sim/faults", json={"blocked_hosts": [], "transfer_kbps": 0}).status_code == 200


def test_unparsable_or_missing_body_is_422(admin):
    bad = admin.post("/projects", data="{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 422
    code, message = error_of(bad)
    assert code == "UNPROCESSABLE_ENTITY" and message.startswith("validation failure list:\nparsing ")
    missing = admin.post("/projects")
    assert missing.status_code == 422 and error_of(missing)[1].endswith("in body is required")
    wrong_type = admin.post("/projects", json={"project_name": 5})
    assert wrong_type.status_code == 422
