"""The system CVE allowlist (src/server/v2.0/handler/sys_cve_allowlist.go, src/pkg/allowlist)."""

from __future__ import annotations

import pytest

from housekeeping_support import ADMIN
from simcore_support import Client, error_of, make_user

pytestmark = pytest.mark.sim


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
