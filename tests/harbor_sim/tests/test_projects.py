"""Projects, metadata, quotas: FACTS §2.6 and §8 item 11."""

from __future__ import annotations

import os
import sqlite3

import pytest

from simcore_support import error_of, make_user, unique

pytestmark = pytest.mark.sim

NAME_MSG = "project name is not in lower case or contains illegal characters"


def _create(admin, name=None, **body):
    name = name or unique("proj")
    resp = admin.post("/projects", json=dict({"project_name": name}, **body))
    assert resp.status_code == 201, resp.text
    return name, int(resp.headers["Location"].rsplit("/", 1)[1])


def test_library_exists_public_owned_by_admin(anon):
    lib = anon.get("/projects/library").json()
    assert lib["project_id"] == 1 and lib["metadata"] == {"public": "true"} and lib["owner_name"] == "admin"
    assert lib["repo_count"] == 0
    assert "registry_id" not in lib and "deleted" not in lib
    assert lib["cve_allowlist"] == {"creation_time": "0001-01-01T00:00:00.000Z", "items": [], "project_id": 1,
                                    "update_time": "0001-01-01T00:00:00.000Z"}


def test_create_201_empty_location_id_or_name(admin):
    resp = admin.post("/projects", json={"project_name": unique("loc")})
    assert resp.status_code == 201 and resp.text == ""
    assert resp.headers["Location"].startswith("/api/v2.0/projects/")
    name = unique("byname")
    resp = admin.post("/projects", json={"project_name": name}, headers={"X-Resource-Name-In-Location": "true"})
    assert resp.headers["Location"] == f"/api/v2.0/projects/{name}"


@pytest.mark.parametrize("name", ["Upper", "a..b", "-lead", "trail-", "sp ace", "", "x" * 256])
def test_name_regex(admin, name):
    resp = admin.post("/projects", json={"project_name": name})
    assert resp.status_code == 400 and error_of(resp) == ("BAD_REQUEST", NAME_MSG)


def test_duplicate_409(admin):
    name, _ = _create(admin)
    resp = admin.post("/projects", json={"project_name": name})
    assert resp.status_code == 409 and error_of(resp) == ("CONFLICT", f"The project named {name} already exists")


def test_metadata_strings_defaults_and_422_for_booleans(admin):
    name, pid = _create(admin, metadata={"auto_scan": "TRUE", "severity": "HIGH", "bogus": "x"})
    meta = admin.get(f"/projects/{pid}").json()["metadata"]
    assert meta == {"auto_scan": "true", "severity": "high", "public": "false"}
    resp = admin.post("/projects", json={"project_name": unique("b"), "metadata": {"public": True}})
    assert resp.status_code == 422
    resp = admin.post("/projects", json={"project_name": unique("b"), "metadata": {"public": "maybe"}})
    assert resp.status_code == 400
    assert error_of(resp)[1] == "metadata.public should only be 'true' or 'false', but got: 'maybe'"
    # legacy top-level `public` is used only when metadata.public is unset
    _, pid2 = _create(admin, public=True)
    assert admin.get(f"/projects/{pid2}").json()["metadata"]["public"] == "true"


def test_storage_limit_only_at_create_and_quotas(admin):
    name, pid = _create(admin, storage_limit=10737418240)
    quotas = admin.get("/quotas", params={"reference": "project", "reference_id": pid}).json()
    assert len(quotas) == 1
    quota = quotas[0]
    assert quota["hard"] == {"storage": 10737418240} and quota["used"] == {"storage": 0}
    assert quota["ref"] == {"id": pid, "name": name, "owner_name": "admin"}
    # PUT ignores storage_limit, project_name, registry_id, public
    resp = admin.put(f"/projects/{pid}", json={"project_name": "renamed", "storage_limit": 5, "public": True,
                                               "metadata": {"auto_scan": "true"}})
    assert resp.status_code == 200 and resp.text == ""
    proj = admin.get(f"/projects/{pid}").json()
    assert proj["name"] == name and proj["metadata"] == {"public": "false", "auto_scan": "true"}
    assert admin.get(f"/quotas/{quota['id']}").json()["hard"] == {"storage": 10737418240}
    assert admin.put(f"/quotas/{quota['id']}", json={"hard": {"storage": -1}}).status_code == 200
    assert admin.get(f"/quotas/{quota['id']}").json()["hard"] == {"storage": -1}
    assert error_of(admin.put(f"/quotas/{quota['id']}", json={"hard": {}}))[1] == "hard required in body"
    assert admin.put(f"/quotas/{quota['id']}", json={"hard": {"count": 1}}).status_code == 400
    assert admin.put(f"/quotas/{quota['id']}", json={"hard": {"storage": -5}}).status_code == 400
    assert admin.post("/projects", json={"project_name": unique("q"), "storage_limit": -7}).status_code == 400


def test_default_quota_unlimited(admin):
    _, pid = _create(admin)
    quota = admin.get("/quotas", params={"reference_id": pid}).json()[0]
    assert quota["hard"] == {"storage": -1}


def test_head_projects(anon, admin):
    name, _ = _create(admin)
    assert admin.head("/projects", params={"project_name": name}).status_code == 200
    assert admin.head("/projects", params={"project_name": "nope-" + name}).status_code == 404
    assert anon.head("/projects", params={"project_name": name}).status_code == 401


def test_get_by_name_id_and_is_resource_name(admin):
    name = unique("123")
    name = "9" + name[1:] if not name[0].isdigit() else name
    numeric = "".join(c for c in name if c.isdigit()) or "4242"
    _, pid = _create(admin, name=numeric)
    assert admin.get(f"/projects/{numeric}", headers={"X-Is-Resource-Name": "true"}).json()["project_id"] == pid
    assert admin.get(f"/projects/{pid}").json()["name"] == numeric


def test_visibility_and_403_vs_404(admin, anon):
    name, pid = _create(admin)
    uid, user = make_user(admin)
    assert anon.get(f"/projects/{name}").status_code == 401
    assert user.get(f"/projects/{name}").status_code == 403
    assert user.get("/projects/does-not-exist").status_code == 403
    # an unknown NAME fails the permission check even for the admin; an unknown ID reaches the lookup
    assert error_of(admin.get("/projects/does-not-exist")) == ("FORBIDDEN", "forbidden")
    resp = admin.get("/projects/987654")
    assert resp.status_code == 404 and error_of(resp) == ("NOT_FOUND", "project 987654 not found")
    assert user.get("/projects/987654").status_code == 403
    assert name not in [p["name"] for p in user.get("/projects", params={"page_size": 100}).json()]
    # the creator is projectAdmin
    mine, _ = _create(user)
    got = user.get(f"/projects/{mine}").json()
    assert got["current_user_role_id"] == 1 and got["current_user_role_ids"] == [1]
    assert got["owner_name"] == admin.get(f"/users/{uid}").json()["username"]


def test_project_creation_restriction(admin):
    _, user = make_user(admin)
    assert admin.put("/configurations", json={"project_creation_restriction": "adminonly"}).status_code == 200
    try:
        resp = user.post("/projects", json={"project_name": unique("r")})
        assert resp.status_code == 403 and error_of(resp)[1] == "Only system admin can create project"
    finally:
        admin.put("/configurations", json={"project_creation_restriction": "everyone"})
    assert user.post("/projects", json={"project_name": unique("r")}).status_code == 201


def test_storage_limit_ignored_for_non_admin_and_anonymous_private_list(admin, anon):
    _, user = make_user(admin)
    resp = user.post("/projects", json={"project_name": unique("nl"), "storage_limit": 1024})
    pid = int(resp.headers["Location"].rsplit("/", 1)[1])
    assert admin.get("/quotas", params={"reference_id": pid}).json()[0]["hard"] == {"storage": -1}
    resp = user.post("/projects", json={"project_name": unique("px"), "registry_id": 1})
    assert resp.status_code == 403 and error_of(resp)[1] == "Only system admin can create proxy cache project"
    assert anon.get("/projects", params={"public": "false"}).json() == []


def test_list_name_fuzzy_q_exact_and_public_filter(admin):
    base = unique("fz")
    _create(admin, name=base + "-alpha")
    _create(admin, name=base + "-beta", metadata={"public": "true"})
    fuzzy = [p["name"] for p in admin.get("/projects", params={"name": base, "page_size": 100}).json()]
    assert sorted(fuzzy) == [base + "-alpha", base + "-beta"]
    exact = admin.get("/projects", params={"q": f"name={base}-alpha"}).json()
    assert [p["name"] for p in exact] == [base + "-alpha"]
    public = [p["name"] for p in admin.get("/projects", params={"name": base, "public": "true"}).json()]
    assert public == [base + "-beta"]
    lean = admin.get("/projects", params={"q": f"name={base}-alpha", "with_detail": "false"}).json()[0]
    assert "cve_allowlist" not in lean


def test_metadatas_endpoints(admin):
    _, pid = _create(admin)
    assert admin.get(f"/projects/{pid}/metadatas/").json() == {"public": "false"}
    resp = admin.post(f"/projects/{pid}/metadatas/", json={"auto_scan": "true", "severity": "low"})
    assert resp.status_code == 400 and error_of(resp)[1] == "only allow one key/value pair"
    assert admin.post(f"/projects/{pid}/metadatas/", json={"auto_scan": True}).status_code == 422  # map[string]string
    assert error_of(admin.post(f"/projects/{pid}/metadatas/", json={"retention_id": "1"}))[1] == "invalid key: retention_id"
    assert error_of(admin.post(f"/projects/{pid}/metadatas/", json={"auto_scan": "maybe"}))[1] == "invalid value: maybe"
    assert admin.post(f"/projects/{pid}/metadatas/", json={"auto_scan": "TRUE"}).status_code == 200
    assert admin.get(f"/projects/{pid}/metadatas/auto_scan").json() == {"auto_scan": "true"}
    assert admin.put(f"/projects/{pid}/metadatas/auto_scan", json={"auto_scan": "0"}).status_code == 200
    assert admin.get(f"/projects/{pid}/metadatas/auto_scan").json() == {"auto_scan": "false"}
    assert admin.delete(f"/projects/{pid}/metadatas/auto_scan").status_code == 200
    assert admin.get(f"/projects/{pid}/metadatas/auto_scan").json() == {}


def test_cve_allowlist_roundtrip(admin):
    _, pid = _create(admin, cve_allowlist={"items": [{"cve_id": "CVE-2020-1"}], "expires_at": 2000000000})
    allow = admin.get(f"/projects/{pid}").json()["cve_allowlist"]
    assert allow["items"] == [{"cve_id": "CVE-2020-1"}] and allow["expires_at"] == 2000000000
    assert allow["project_id"] == pid and allow["creation_time"] != "0001-01-01T00:00:00.000Z"


def _add_repository(sim, project_name):
    """Pretend the data plane saw a push: insert a repository row into its table."""
    db = sqlite3.connect(os.path.join(sim.data_dir, "harbor-sim.db"), timeout=10)
    try:
        db.execute("CREATE TABLE IF NOT EXISTS simdata_repository (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                   " project_name VARCHAR(255) NOT NULL, name VARCHAR(255) NOT NULL UNIQUE,"
                   " pull_count BIGINT NOT NULL DEFAULT 0, creation_time VARCHAR(32) NOT NULL,"
                   " update_time VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO simdata_repository (project_name, name, creation_time, update_time)"
                   " VALUES (?, ?, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
                   (project_name, f"{project_name}/app"))
        db.commit()
    finally:
        db.close()


def test_delete_412_with_repositories_then_name_reusable(sim, admin):
    name, pid = _create(admin)
    _add_repository(sim, name)
    assert admin.get(f"/projects/{pid}").json()["repo_count"] == 1
    # go-swagger omitempty: `deletable: false` is dropped from the body
    assert admin.get(f"/projects/{pid}/_deletable").json() == {
        "message": "the project contains repositories, can not be deleted"}
    resp = admin.delete(f"/projects/{pid}")
    assert resp.status_code == 412
    assert error_of(resp) == ("PRECONDITION",
                              "precondition failed: the project contains repositories, can not be deleted")
    empty, eid = _create(admin)
    assert admin.get(f"/projects/{eid}/_deletable").json() == {"deletable": True}
    resp = admin.delete(f"/projects/{eid}")
    assert resp.status_code == 200 and resp.text == ""
    assert admin.get(f"/projects/{eid}").status_code == 404
    _, again = _create(admin, name=empty)
    assert again != eid


def test_summary(admin):
    _, pid = _create(admin, storage_limit=1024)
    summary = admin.get(f"/projects/{pid}/summary").json()
    assert summary["repo_count"] == 0 and summary["project_admin_count"] == 1
    assert summary["quota"] == {"hard": {"storage": 1024}, "used": {"storage": 0}}
