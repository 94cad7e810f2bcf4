"""P2P preheat provider instances (src/server/v2.0/handler/preheat.go, v2.15.2): CRUD by name,
Harbor's quirks (update by the body's id, credentials kept and never returned), bad input."""

from __future__ import annotations

import pytest

from housekeeping_support import ADMIN
from simcore_support import Client, error_of, make_user

pytestmark = pytest.mark.sim
BASE = "/p2p/preheat/instances"


def test_preheat_instances(sim):
    client = Client(sim.url, ADMIN)
    assert [p["id"] for p in client.get("/p2p/preheat/providers").json()] == ["dragonfly", "kraken"]
    body = {"name": "df-1", "vendor": "dragonfly", "endpoint": "https://df.example.com", "auth_mode": "BASIC",
            "auth_info": {"username": "u", "password": "p"}, "enabled": True, "description": "d"}
    resp = client.post(BASE, json=body)
    assert resp.status_code == 201 and resp.headers["Location"] == f"/api/v2.0{BASE}/df-1"
    got = client.get(f"{BASE}/df-1").json()
    assert {k: got[k] for k in ("name", "vendor", "endpoint", "auth_mode", "status", "enabled", "default",
                                "insecure")} == {"name": "df-1", "vendor": "dragonfly", "endpoint": "https://df.example.com",
                                                 "auth_mode": "BASIC", "status": "Unknown", "enabled": True,
                                                 "default": False, "insecure": False}
    assert "auth_info" not in got and got["setup_timestamp"] > 0 and got["id"] > 0
    dup = client.post(BASE, json=dict(body, endpoint="https://other.example.com"))
    assert dup.status_code == 409 and error_of(dup)[1] == "instance df-1 already exists"
    # a taken endpoint is the controller's plain "resource conflict": 500
    assert client.post(BASE, json=dict(body, name="df-2")).status_code == 500
    # PUT updates the instance named by the body's id; no auth_info keeps the stored credentials
    resp = client.put(f"{BASE}/df-1", json=dict(body, auth_info=None, description="new"))
    assert resp.status_code == 404 and error_of(resp)[1] == "instance 0 not found"
    update = dict(body, id=got["id"], auth_info=None, description="new", setup_timestamp=got["setup_timestamp"])
    assert client.put(f"{BASE}/df-1", json=update).status_code == 200
    assert client.get(f"{BASE}/df-1").json()["description"] == "new"
    assert client.put(f"{BASE}/df-1", json=dict(update, vendor="kraken")).status_code == 500  # vendor is fixed
    assert [i["name"] for i in client.get(BASE).json()] == ["df-1"]
    assert client.delete(f"{BASE}/df-1").status_code == 200
    resp = client.delete(f"{BASE}/df-1")
    assert resp.status_code == 404 and error_of(resp)[1] == "instance df-1 not found"


def test_preheat_instance_bad_input_and_access(sim):
    client = Client(sim.url, ADMIN)
    assert client.post(BASE, json={"name": "bad name", "vendor": "kraken", "endpoint": "http://k"}).status_code == 500
    assert client.post(BASE, json={"name": "k", "enabled": "yes"}).status_code == 422
    _, user = make_user(client)
    assert user.get(BASE).status_code == 403
    assert Client(sim.url).get("/p2p/preheat/providers").status_code == 401
    client.delete("/_sim/requests")
    client.get(BASE)
    assert [r["method"] for r in client.get("/_sim/requests").json()] == ["GET"]
