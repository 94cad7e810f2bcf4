"""PostgreSQL mode (--database-url): shared state between sims, 409 from unique violations,
500 while the database is down and recovery after it comes back."""

from __future__ import annotations

import threading

import pytest

from harbor_sim.testing import SimProcess

from simcore_support import ADMIN, Client, error_of, make_user, unique
from pgcluster import PgCluster, pg_bindir

pytestmark = [pytest.mark.sim,
              pytest.mark.skipif(pg_bindir() is None, reason="PostgreSQL server not installed (host-packages)")]


@pytest.fixture(scope="module")
def pg():
    cluster = PgCluster()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="module")
def pair(pg, tmp_path_factory):
    """Two sims started at the same moment on one empty database (schema creation races)."""
    sims = {}

    def start(key):
        sims[key] = SimProcess(tmp_path_factory.mktemp(f"pg{key}"), extra_args=["--database-url", pg.url])

    threads = [threading.Thread(target=start, args=(k,)) for k in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(sims) == {"a", "b"}
    yield Client(sims["a"].url, ADMIN), Client(sims["b"].url, ADMIN)
    for proc in sims.values():
        proc.stop()


def test_two_sims_share_objects(pair, fake_registry):
    a, b = pair
    name = unique("shared")
    assert a.post("/projects", json={"project_name": name, "metadata": {"auto_scan": "true"}}).status_code == 201
    assert b.get(f"/projects/{name}").json()["metadata"] == {"auto_scan": "true", "public": "false"}
    uid, _ = make_user(b, password="Passw0rd9")
    username = b.get(f"/users/{uid}").json()["username"]
    assert a.as_user(username, "Passw0rd9").get("/users/current").json()["user_id"] == uid
    # one robot secret set through node A works on node B (dual-master)
    robot = a.post("/robots", json={"name": unique("repl"), "level": "system", "duration": -1, "permissions": [
        {"kind": "system", "namespace": "/", "access": [{"resource": "registry", "action": "list"}]}]}).json()
    assert a.patch(f"/robots/{robot['id']}", json={"secret": "Shar3dSecret"}).status_code == 200
    assert b.as_user(robot["name"], "Shar3dSecret").get("/registries").status_code == 200
    # both nodes see the same library project and the same admin
    assert a.get("/projects/library").json()["project_id"] == b.get("/projects/library").json()["project_id"] == 1


def test_unique_violation_is_409_across_nodes(pair, fake_registry):
    a, b = pair
    name = unique("dup")
    assert a.post("/projects", json={"project_name": name}).status_code == 201
    resp = b.post("/projects", json={"project_name": name})
    assert resp.status_code == 409 and error_of(resp) == ("CONFLICT", f"The project named {name} already exists")
    reg = unique("reg")
    assert a.post("/registries", json={"name": reg, "type": "harbor", "url": fake_registry + "/open"}
                  ).status_code == 201
    resp = b.post("/registries", json={"name": reg, "type": "harbor", "url": fake_registry + "/open"})
    assert resp.status_code == 409
    label = unique("lbl")
    assert a.post("/labels", json={"name": label, "scope": "g"}).status_code == 201
    assert b.post("/labels", json={"name": label, "scope": "g"}).status_code == 409


def test_database_down_gives_500_then_recovers(pg, pair):
    a, b = pair
    pg.stop()
    try:
        resp = a.get("/projects")
        assert resp.status_code == 500
        assert resp.text == '{"errors":[{"code":"UNKNOWN","message":"internal server error"}]}\n'
        health = b.get("/health")
        assert health.status_code == 200
        body = health.json()
        database = next(c for c in body["components"] if c["name"] == "database")
        assert body["status"] == "unhealthy" and database["status"] == "unhealthy" and database["error"]
        assert a.get("/ping").text == "Pong"
    finally:
        pg.start()
    assert a.get("/projects").status_code == 200
    assert b.post("/projects", json={"project_name": unique("after")}).status_code == 201
    database = next(c for c in a.get("/health").json()["components"] if c["name"] == "database")
    assert database == {"name": "database", "status": "healthy"}
