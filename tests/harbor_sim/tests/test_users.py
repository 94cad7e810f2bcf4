"""Users: FACTS §2.7 and §8 item 12."""

from __future__ import annotations

import pytest

from simcore_support import error_of, make_user, unique

pytestmark = pytest.mark.sim

POLICY = ("the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, "
          "1 lowercase letter and 1 number")


def test_create_location_and_get(admin):
    name = unique("alice")
    resp = admin.post("/users", json={"username": name, "email": f"{name}@example.com", "realname": "Alice A",
                                      "password": "Passw0rd!", "comment": "ops"})
    assert resp.status_code == 201 and resp.text == ""
    location = resp.headers["Location"]
    assert location.startswith("/api/v2.0/users/")
    body = admin.get(location.replace("/api/v2.0", "")).json()
    assert body["username"] == name and body["realname"] == "Alice A" and body["comment"] == "ops"
    assert body["sysadmin_flag"] is False and body["admin_role_in_auth"] is False
    assert "password" not in body
    assert body["creation_time"].endswith("Z") and len(body["creation_time"]) == 24


def test_first_user_gets_id_3(tmp_path):
    from harbor_sim.testing import SimProcess
    from simcore_support import Client, ADMIN

    with SimProcess(tmp_path / "fresh") as fresh:
        client = Client(fresh.url, ADMIN)
        resp = client.post("/users", json={"username": "bob", "email": "bob@example.com", "realname": "Bob",
                                           "password": "Passw0rd1"})
        assert resp.headers["Location"] == "/api/v2.0/users/3"


def test_admin_excluded_from_list_but_findable_by_id(admin):
    make_user(admin)
    users = admin.get("/users", params={"page_size": 100}).json()
    assert users and all(u["user_id"] != 1 for u in users)
    assert admin.get("/users", params={"q": "user_id=1"}).json()[0]["username"] == "admin"


def test_password_policy(admin):
    for bad in ("short1A", "alllowercase1", "ALLUPPER1", "NoDigitsHere", "x" * 129 + "A1"):
        resp = admin.post("/users", json={"username": unique("pp"), "email": f"{unique('pp')}@example.com",
                                          "realname": "P", "password": bad})
        assert resp.status_code == 400, bad
        assert error_of(resp) == ("BAD_REQUEST", POLICY)


def test_profile_validation(admin):
    base = {"username": unique("v"), "password": "Passw0rd1", "realname": "V"}
    assert error_of(admin.post("/users", json=dict(base, email="")))[1] == "email can't be empty"
    assert error_of(admin.post("/users", json=dict(base, email="nope")))[1] == "email with illegal format"
    resp = admin.post("/users", json=dict(base, email="v@example.com", username="bad,name"))
    assert resp.status_code == 400
    resp = admin.post("/users", json=dict(base, email="v@example.com", comment="c" * 31))
    assert resp.status_code == 400
    resp = admin.post("/users", json=dict(base, email="v@example.com", realname=7))
    assert resp.status_code == 422


def test_duplicate_username_or_email_409(admin):
    name = unique("dup")
    body = {"username": name, "email": f"{name}@example.com", "realname": "D", "password": "Passw0rd1"}
    assert admin.post("/users", json=body).status_code == 201
    resp = admin.post("/users", json=body)
    assert resp.status_code == 409
    assert error_of(resp) == ("CONFLICT", f"user {name} or email {name}@example.com already exists")
    other = admin.post("/users", json=dict(body, username=unique("dup")))
    assert other.status_code == 409


def test_update_profile_requires_email_and_realname(admin):
    uid, _ = make_user(admin)
    assert admin.put(f"/users/{uid}", json={"comment": "x"}).status_code == 400
    resp = admin.put(f"/users/{uid}", json={"email": f"n{uid}@example.com", "realname": "New", "comment": "c"})
    assert resp.status_code == 200 and resp.text == ""
    assert admin.get(f"/users/{uid}").json()["realname"] == "New"


def test_password_change_rules(admin):
    uid, user = make_user(admin, password="Passw0rd1")
    # self: old password must be right
    resp = user.put(f"/users/{uid}/password", json={"old_password": "Wrong0000", "new_password": "Passw0rd2"})
    assert resp.status_code == 403 and error_of(resp)[1] == "Current password is incorrect"
    resp = user.put(f"/users/{uid}/password", json={"old_password": "Passw0rd1", "new_password": "Passw0rd1"})
    assert resp.status_code == 400 and error_of(resp)[1] == "New password is identical to old password"
    resp = user.put(f"/users/{uid}/password", json={"old_password": "Passw0rd1", "new_password": "weak"})
    assert resp.status_code == 400 and error_of(resp)[1] == POLICY
    assert user.put(f"/users/{uid}/password",
                    json={"old_password": "Passw0rd1", "new_password": "Passw0rd2"}).status_code == 200
    assert user.get("/users/current").status_code == 401  # old password no longer works
    # admin resets someone else's password without the old one
    assert admin.put(f"/users/{uid}/password", json={"new_password": "Passw0rd3"}).status_code == 200
    name = admin.get(f"/users/{uid}").json()["username"]
    assert admin.as_user(name, "Passw0rd3").get("/users/current").status_code == 200
    # admin changing its own password must give the old one
    resp = admin.put("/users/1/password", json={"new_password": "Harbor12345"})
    assert resp.status_code == 403


def test_sysadmin_flag_and_permissions(admin):
    uid, user = make_user(admin)
    assert user.get("/users").status_code == 403
    assert error_of(user.get("/users"))[1] == admin.get(f"/users/{uid}").json()["username"]
    assert admin.put(f"/users/{uid}/sysadmin", json={"sysadmin_flag": True}).status_code == 200
    assert admin.get(f"/users/{uid}").json()["sysadmin_flag"] is True
    assert user.get("/users").status_code == 200


def test_user_cannot_read_other_user(admin):
    uid1, user1 = make_user(admin)
    uid2, _ = make_user(admin)
    assert user1.get(f"/users/{uid2}").status_code == 403
    assert user1.get(f"/users/{uid1}").status_code == 200


def test_delete_user_renames_and_frees_name(admin):
    name = unique("del")
    uid, _ = make_user(admin, name=name)
    assert admin.delete(f"/users/{uid}").status_code == 200
    assert admin.get(f"/users/{uid}").status_code == 404
    assert admin.delete("/users/1").status_code == 403
    uid2, _ = make_user(admin, name=name)
    assert uid2 != uid


def test_current_user_and_search(admin):
    me = admin.get("/users/current").json()
    assert me["user_id"] == 1 and me["username"] == "admin" and me["realname"] == "system admin"
    name = unique("searchme")
    make_user(admin, name=name)
    hits = admin.get("/users/search", params={"username": name[:-1]}).json()
    assert any(h["username"] == name for h in hits) and set(hits[0]) == {"user_id", "username"}


def test_legacy_username_param_is_fuzzy(admin):
    name = unique("fuzzyuser")
    make_user(admin, name=name)
    names = [u["username"] for u in admin.get("/users", params={"username": "fuzzyus", "page_size": 100}).json()]
    assert name in names
    exact = admin.get("/users", params={"q": f"username={name}"}).json()
    assert [u["username"] for u in exact] == [name]


def test_create_permission_and_validation_order(admin, anon):
    _, user = make_user(admin)
    body = {"username": unique("o"), "email": "bad", "realname": "", "password": "weak"}
    assert anon.post("/users", json=body).status_code == 401
    assert error_of(user.post("/users", json=body)) == ("FORBIDDEN", user.auth[0])
    assert error_of(admin.post("/users", json=body))[1] == POLICY  # the password is checked first
    body["password"] = "Passw0rd1"
    assert error_of(admin.post("/users", json=body))[1] == "email with illegal format"
    body["email"] = "ok@example.com"
    assert error_of(admin.post("/users", json=body))[1] == "realname with illegal length"
    assert admin.put("/configurations", json={"self_registration": True}).status_code == 200
    try:
        resp = user.post("/users", json=dict(body, realname="R"))
        assert error_of(resp) == ("FORBIDDEN", "self-registration cannot be triggered via API")
    finally:
        admin.put("/configurations", json={"self_registration": False})


def test_delete_messages(admin):
    resp = admin.delete("/users/1")
    assert error_of(resp) == ("FORBIDDEN", "User with ID 1 cannot be deleted")
    uid, _ = make_user(admin, sysadmin=True)
    name = admin.get(f"/users/{uid}").json()["username"]
    other = admin.as_user(name, "Passw0rd1")
    assert error_of(other.delete(f"/users/{uid}")) == ("FORBIDDEN", f"User with ID {uid} cannot be deleted")
