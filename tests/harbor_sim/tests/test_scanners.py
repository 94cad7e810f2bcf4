"""Security settings: scanner registrations (src/server/v2.0/handler/scanner.go, v2.15.2) against a
small scanner adapter on loopback, the scan-all schedule that needs a default scanner (scan_all.go)
and the system CVE allowlist (sys_cve_allowlist.go, src/pkg/allowlist)."""

from __future__ import annotations

import pytest

from housekeeping_support import ADMIN, SCANNER_KEY, scanner_adapter
from simcore_support import Client, error_of, make_user

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def adapter():
    with scanner_adapter() as url:
        yield url


@pytest.fixture(scope="module")
def client(sim):
    return Client(sim.url, ADMIN)


def test_scan_all_needs_a_default_scanner(client):
    """Runs first in this module's sim: no registration yet."""
    resp = client.get("/system/scanAll/schedule")
    assert resp.status_code == 412 and error_of(resp) == ("PRECONDITION",
                                                          "no scanner is configured, it's not possible to scan")


def test_scanner_registrations(client, adapter):
    resp = client.post("/scanners", json={"name": "fake", "url": adapter + "/", "description": "d"})
    assert resp.status_code == 201 and resp.headers["Location"].startswith("/api/v2.0/scanners/")
    first = resp.headers["Location"].rsplit("/", 1)[1]
    got = client.get(f"/scanners/{first}").json()
    assert {k: got[k] for k in ("uuid", "name", "url", "is_default", "disabled", "capabilities")} == {
        "uuid": first, "name": "fake", "url": adapter, "is_default": True, "disabled": False,
        "capabilities": {"support_vulnerability": True, "support_sbom": False}}  # typeless: an older adapter
    assert "health" not in got and "adapter" not in got  # only the project scanner has them
    resp = client.post("/scanners", json={"name": "keyed", "url": adapter + "/key", "auth": "X-ScannerAdapter-API-Key",
                                          "access_credential": SCANNER_KEY})
    assert resp.status_code == 201
    second = resp.headers["Location"].rsplit("/", 1)[1]
    keyed = client.get(f"/scanners/{second}").json()
    assert keyed["is_default"] is False and "access_credential" not in keyed  # 2.15.2: never returned
    # PUT with an empty credential keeps the stored one (the adapter still answers)
    assert client.put(f"/scanners/{second}", json={"name": "keyed", "url": adapter + "/key",
                                                   "auth": "X-ScannerAdapter-API-Key", "description": "new"}
                      ).status_code == 200
    assert "capabilities" in client.get(f"/scanners/{second}").json()  # the adapter still answers
    assert client.get(f"/scanners/{second}/metadata").json()["scanner"]["name"] == "Fake"
    assert client.patch(f"/scanners/{second}", json={"is_default": True}).status_code == 200
    assert [s["name"] for s in client.get("/scanners").json() if s["is_default"]] == ["keyed"]
    assert [s["name"] for s in client.get("/scanners", params={"name": "KEY"}).json()] == ["keyed"]
    dup = client.post("/scanners", json={"name": "fake", "url": adapter + "/basic", "auth": "Basic",
                                         "access_credential": "u:p"})
    assert dup.status_code == 409 and error_of(dup)[1] == "registration name or url already exists"
    assert client.post("/scanners/ping", json={"name": "x", "url": adapter + "/basic", "auth": "Basic",
                                               "access_credential": "u:p"}).status_code == 200
    # the scan-all schedule now works: create, conflict, update, delete
    resp = client.post("/system/scanAll/schedule", json={"schedule": {"type": "Daily", "cron": "0 0 1 * * *"}})
    assert resp.status_code == 201
    got = client.get("/system/scanAll/schedule").json()
    assert got["schedule"] == {"type": "Daily", "cron": "0 0 1 * * *"}
    resp = client.post("/system/scanAll/schedule", json={"schedule": {"type": "Daily", "cron": "0 0 2 * * *"}})
    assert resp.status_code == 412 and error_of(resp)[1].startswith("fail to set schedule for scan all as always had one")
    assert client.put("/system/scanAll/schedule", json={"schedule": {"type": "Custom", "cron": "0 30 2 * * *"}}
                      ).status_code == 200
    assert client.get("/system/scanAll/schedule").json()["schedule"]["cron"] == "0 30 2 * * *"
    resp = client.put("/system/scanAll/schedule", json={"schedule": {"type": "Manual"}})
    assert resp.status_code == 400 and error_of(resp)[1] == "fail to update scan all schedule as wrong schedule type: Manual"
    resp = client.put("/system/scanAll/schedule", json={"schedule": {"type": "Custom", "cron": "* * * * *"}})
    assert resp.status_code == 400 and error_of(resp)[1] == "invalid cron string for scheduled scan all: * * * * *"
    assert client.put("/system/scanAll/schedule", json={"schedule": {"type": "None"}}).status_code == 200
    assert client.get("/system/scanAll/schedule").text == ""
    assert client.get("/scans/all/metrics").json() == {}
    # delete answers with the deleted registration
    resp = client.delete(f"/scanners/{first}")
    assert resp.status_code == 200 and resp.json()["uuid"] == first
    resp = client.get(f"/scanners/{first}")
    assert resp.status_code == 404 and error_of(resp)[1] == f"scanner {first} not found"


@pytest.mark.parametrize("body, message", [
    ({"name": "", "url": "http://x"}, "missing registration name"),
    ({"name": "a", "url": ""}, "scanner registration validate: empty string"),
    ({"name": "a", "url": "ftp://x"}, "scanner registration validate: invalid HTTP scheme: ftp"),
    ({"name": "a", "url": "http://x", "auth": "Digest", "access_credential": "x"}, "auth type Digest is not supported"),
    ({"name": "a", "url": "http://x", "auth": "Bearer"}, "access_credential is required for auth type Bearer"),
    ({"name": "Trivy", "url": "http://x"}, 'name "Trivy" is reserved, please try a different name'),
])
def test_scanner_bad_input(client, body, message):
    resp = client.post("/scanners", json=body)
    assert resp.status_code == 400 and error_of(resp) == ("BAD_REQUEST", message)


def test_scanner_unreachable_adapter_and_access(client, adapter):
    # the ping's failure is not a Harbor error: 500
    resp = client.post("/scanners", json={"name": "dead", "url": adapter + "/key", "auth": "Bearer",
                                          "access_credential": "wrong"})
    assert resp.status_code == 500 and error_of(resp) == ("UNKNOWN", "internal server error")
    assert client.post("/scanners", json={"name": 1, "url": "x"}).status_code == 422
    _, user = make_user(client)
    assert user.get("/scanners").status_code == 403
    client.delete("/_sim/requests")
    client.get("/scanners")
    assert [r["method"] for r in client.get("/_sim/requests").json()] == ["GET"]


def test_system_cve_allowlist(sim):
    client = Client(sim.url, ADMIN)
    # never set: the manager's empty list
    assert client.get("/system/CVEAllowlist").json() == {"creation_time": "0001-01-01T00:00:00.000Z",
                                                         "update_time": "0001-01-01T00:00:00.000Z"}
    body = {"expires_at": 1893456000, "items": [{"cve_id": "CVE-2024-0001"}, {"cve_id": "CVE-2024-0002"}],
            "project_id": 7, "id": 99}
    assert client.put("/system/CVEAllowlist", json=body).status_code == 200
    got = client.get("/system/CVEAllowlist").json()
    assert got["expires_at"] == 1893456000 and "project_id" not in got and got["id"] > 0
    assert got["items"] == [{"cve_id": "CVE-2024-0001"}, {"cve_id": "CVE-2024-0002"}]
    # a PUT replaces the whole list: no expires_at = never expires
    assert client.put("/system/CVEAllowlist", json={"items": [{"cve_id": "CVE-2024-0003"}]}).status_code == 200
    got2 = client.get("/system/CVEAllowlist").json()
    assert got2["id"] == got["id"] and "expires_at" not in got2 and got2["items"] == [{"cve_id": "CVE-2024-0003"}]
    assert client.put("/system/CVEAllowlist", json={"items": []}).status_code == 200
    assert "items" not in client.get("/system/CVEAllowlist").json()
    # duplicates and blank ids are the validator's invalidErr, not translated by this handler: 500
    resp = client.put("/system/CVEAllowlist", json={"items": [{"cve_id": "CVE-1"}, {"cve_id": "CVE-1"}]})
    assert resp.status_code == 500 and error_of(resp)[1] == "internal server error"
    assert client.put("/system/CVEAllowlist", json={"items": [{"cve_id": " "}]}).status_code == 500
    assert client.put("/system/CVEAllowlist", json={"expires_at": "soon"}).status_code == 422
    # any logged-in user reads it; only the admin writes it
    _, user = make_user(client)
    assert user.get("/system/CVEAllowlist").status_code == 200
    assert user.put("/system/CVEAllowlist", json={"items": []}).status_code == 403
    assert Client(sim.url).get("/system/CVEAllowlist").status_code == 401
    client.delete("/_sim/requests")
    client.get("/system/CVEAllowlist")
    assert [r["method"] for r in client.get("/_sim/requests").json()] == ["GET"]
