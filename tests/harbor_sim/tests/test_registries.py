"""Registries: FACTS §4 and §8 item 9 (health check against a local fake registry)."""

from __future__ import annotations

import pytest

from harbor_sim.testing import free_port

from simcore_support import error_of, make_user, unique

pytestmark = pytest.mark.sim


def _create(admin, url, **extra):
    name = extra.pop("name", None) or unique("reg")
    body = dict({"name": name, "type": "docker-registry", "url": url}, **extra)
    resp = admin.post("/registries", json=body)
    assert resp.status_code == 201, resp.text
    return name, int(resp.headers["Location"].rsplit("/", 1)[1])


def test_create_get_masks_secret(admin, fake_registry):
    name, rid = _create(admin, fake_registry, type="harbor", description="DR peer",
                        credential={"type": "basic", "access_key": "user", "access_secret": "Secr3tPass"})
    reg = admin.get(f"/registries/{rid}").json()
    assert reg["credential"] == {"type": "basic", "access_key": "user", "access_secret": "*****"}
    assert reg["url"] == fake_registry and reg["status"] == "healthy" and reg["name"] == name
    assert "insecure" not in reg and reg["id"] == rid
    assert "Secr3tPass" not in admin.get("/registries", params={"page_size": 100}).text


def test_no_credential_is_empty_object(admin, fake_registry):
    _, rid = _create(admin, fake_registry + "/open", insecure=True)
    reg = admin.get(f"/registries/{rid}").json()
    assert reg["credential"] == {} and reg["insecure"] is True


def test_url_normalisation(admin, fake_registry):
    host = fake_registry.split("://", 1)[1]
    _, rid = _create(admin, f"  {host}/open/?x=1 ".replace("/?x=1", "/"))
    assert admin.get(f"/registries/{rid}").json()["url"] == f"http://{host}/open"
    resp = admin.post("/registries", json={"name": unique("r"), "type": "harbor", "url": "ftp://x"})
    assert resp.status_code == 400 and error_of(resp)[1] == "invalid HTTP scheme: ftp"


def test_unhealthy_remote_400(admin, fake_registry):
    closed = f"http://127.0.0.1:{free_port()}"
    resp = admin.post("/registries", json={"name": unique("r"), "type": "harbor", "url": closed})
    assert resp.status_code == 400 and error_of(resp) == ("BAD_REQUEST", "the registry is unhealthy")
    bad_cred = admin.post("/registries", json={"name": unique("r"), "type": "harbor", "url": fake_registry,
                                               "credential": {"access_key": "user", "access_secret": "wrong"}})
    assert bad_cred.status_code == 400


def test_blocked_host_fault_makes_remote_unhealthy(admin, fake_registry):
    host = fake_registry.split("://", 1)[1]
    assert admin.put("/_sim/faults", json={"blocked_hosts": [host]}).status_code == 200
    try:
        resp = admin.post("/registries", json={"name": unique("r"), "type": "harbor", "url": fake_registry + "/open"})
        assert resp.status_code == 400
        ping = admin.post("/registries/ping", json={"type": "harbor", "url": fake_registry + "/open"})
        assert ping.status_code == 400
    finally:
        admin.put("/_sim/faults", json={"blocked_hosts": []})
    assert admin.post("/registries/ping", json={"type": "harbor", "url": fake_registry + "/open"}).status_code == 200


def test_name_rules(admin, fake_registry):
    name, _ = _create(admin, fake_registry + "/open")
    resp = admin.post("/registries", json={"name": name, "type": "harbor", "url": fake_registry + "/open"})
    assert resp.status_code == 409 and error_of(resp) == ("CONFLICT", f"registry {name} already exists")
    resp = admin.post("/registries", json={"name": "n" * 65, "type": "harbor", "url": fake_registry + "/open"})
    assert resp.status_code == 400
    resp = admin.post("/registries", json={"name": unique("r"), "type": "no-such", "url": fake_registry})
    assert resp.status_code == 400


def test_update_partial_and_health_checked(admin, fake_registry):
    _, rid = _create(admin, fake_registry, credential={"access_key": "user", "access_secret": "Secr3tPass"})
    assert admin.put(f"/registries/{rid}", json={"description": "new"}).status_code == 200
    reg = admin.get(f"/registries/{rid}").json()
    assert reg["description"] == "new" and reg["credential"]["access_secret"] == "*****"
    resp = admin.put(f"/registries/{rid}", json={"access_secret": "wrong"})
    assert resp.status_code == 400 and error_of(resp)[1] == "the registry is unhealthy"
    assert admin.put(f"/registries/{rid}", json={"insecure": True}).status_code == 200
    assert admin.get(f"/registries/{rid}").json()["insecure"] is True
    assert admin.put("/registries/0", json={"description": "x"}).status_code == 404


def test_ping_variants(admin, fake_registry):
    resp = admin.post("/registries/ping", json={"url": fake_registry})
    assert resp.status_code == 400 and error_of(resp)[1] == "type or url cannot be empty"
    ok = admin.post("/registries/ping", json={"type": "harbor", "url": fake_registry, "access_key": "user",
                                              "access_secret": "Secr3tPass"})
    assert ok.status_code == 200
    _, rid = _create(admin, fake_registry, credential={"access_key": "user", "access_secret": "Secr3tPass"})
    assert admin.post("/registries/ping", json={"id": rid}).status_code == 200
    assert admin.post("/registries/ping", json={"id": 999999}).status_code == 404


def test_delete_412_when_referenced(admin, fake_registry):
    _, rid = _create(admin, fake_registry + "/open")
    resp = admin.post("/replication/policies", json={"name": unique("pol"), "dest_registry": {"id": rid}})
    assert resp.status_code == 201
    pid = resp.headers["Location"].rsplit("/", 1)[1]
    resp = admin.delete(f"/registries/{rid}")
    assert resp.status_code == 412
    assert error_of(resp) == ("PRECONDITION",
                              f"the registry {rid} is referenced by replication policies, cannot delete it")
    assert admin.delete(f"/replication/policies/{pid}").status_code == 200
    assert admin.delete(f"/registries/{rid}").status_code == 200
    assert admin.get(f"/registries/{rid}").status_code == 404


def test_only_admin(admin, fake_registry):
    _, user = make_user(admin)
    assert user.get("/registries").status_code == 403
    assert admin.as_user("x", "y").get("/registries").status_code == 401


def test_list_q_and_info(admin, fake_registry):
    name, rid = _create(admin, fake_registry + "/open")
    assert [r["id"] for r in admin.get("/registries", params={"q": f"name={name}"}).json()] == [rid]
    assert admin.get("/registries", params={"q": "name=~" + name[:-1]}).headers["X-Total-Count"] != "0"
    local = admin.get("/registries/0/info").json()
    assert "event_based" in local["supported_triggers"]
    remote = admin.get(f"/registries/{rid}/info").json()
    assert remote["supported_triggers"] == ["manual", "scheduled"]
    adapters = admin.get("/replication/adapters").json()
    assert "harbor" in adapters and "quay" not in adapters
