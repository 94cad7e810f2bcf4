"""Project members and role enforcement: FACTS §2.8."""

from __future__ import annotations

import pytest

from simcore_support import error_of, make_user, unique

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def project(admin):
    name = unique("memproj")
    assert admin.post("/projects", json={"project_name": name}).status_code == 201
    return name


def _add(admin, project, username, role):
    return admin.post(f"/projects/{project}/members", json={"role_id": role, "member_user": {"username": username}})


def test_add_list_get_update_delete(admin, project):
    uid, user = make_user(admin)
    username = user.auth[0]
    resp = _add(admin, project, username, 2)
    assert resp.status_code == 201 and resp.text == ""
    location = resp.headers["Location"]
    assert location.startswith(f"/api/v2.0/projects/{project}/members/")
    mid = int(location.rsplit("/", 1)[1])
    member = admin.get(f"/projects/{project}/members/{mid}").json()
    pid = admin.get(f"/projects/{project}").json()["project_id"]
    assert member == {"id": mid, "project_id": pid, "entity_name": username, "role_name": "developer",
                      "role_id": 2, "entity_id": uid, "entity_type": "u"}
    listed = admin.get(f"/projects/{project}/members", params={"entityname": username}).json()
    assert [m["id"] for m in listed] == [mid]
    assert admin.put(f"/projects/{project}/members/{mid}", json={"role_id": 3}).status_code == 200
    assert admin.get(f"/projects/{project}/members/{mid}").json()["role_name"] == "guest"
    assert admin.delete(f"/projects/{project}/members/{mid}").status_code == 200
    assert admin.get(f"/projects/{project}/members/{mid}").status_code == 404
    assert admin.delete(f"/projects/{project}/members/{mid}").status_code == 200  # idempotent like the DAO


def test_role_names(admin, project):
    names = {}
    for role in (1, 2, 3, 4, 5):
        _, user = make_user(admin)
        mid = int(_add(admin, project, user.auth[0], role).headers["Location"].rsplit("/", 1)[1])
        names[role] = admin.get(f"/projects/{project}/members/{mid}").json()["role_name"]
    assert names == {1: "projectAdmin", 2: "developer", 3: "guest", 4: "maintainer", 5: "limitedGuest"}


def test_errors(admin, project):
    _, user = make_user(admin)
    assert _add(admin, project, user.auth[0], 2).status_code == 201
    dup = _add(admin, project, user.auth[0], 3)
    assert dup.status_code == 409 and error_of(dup) == ("CONFLICT", "The project member specified already exist")
    assert _add(admin, project, user.auth[0], 9).status_code == 409  # duplicate is checked before the role
    _, fresh = make_user(admin)
    bad_role = _add(admin, project, fresh.auth[0], 9)
    assert bad_role.status_code == 400
    assert error_of(bad_role)[1] == "Failed to update project member, role is not in 1,2,3"
    neither = admin.post(f"/projects/{project}/members", json={"role_id": 2})
    assert neither.status_code == 400
    assert error_of(neither)[1] == "at least one of member_user or member_group must be provided"
    assert _add(admin, project, "ghost-user-x", 2).status_code == 404


def test_group_member(admin, project):
    resp = admin.post(f"/projects/{project}/members", json={
        "role_id": 4, "member_group": {"group_name": "devs", "group_type": 1, "ldap_group_dn": "cn=devs,dc=x"}})
    assert resp.status_code == 201
    mid = int(resp.headers["Location"].rsplit("/", 1)[1])
    member = admin.get(f"/projects/{project}/members/{mid}").json()
    assert member["entity_type"] == "g" and member["entity_name"] == "devs" and member["role_name"] == "maintainer"


def test_roles_enforced(admin):
    project = unique("rbac")
    admin.post("/projects", json={"project_name": project})
    users = {}
    for role in (1, 2, 3, 4, 5):
        _, user = make_user(admin)
        _add(admin, project, user.auth[0], role)
        users[role] = user
    _, outsider = make_user(admin)
    # read the project: every role; outsiders 403
    for user in users.values():
        assert user.get(f"/projects/{project}").status_code == 200
    assert outsider.get(f"/projects/{project}").status_code == 403
    # member list: not for limitedGuest
    assert users[3].get(f"/projects/{project}/members").status_code == 200
    assert users[5].get(f"/projects/{project}/members").status_code == 403
    # add members / change metadata / delete: projectAdmin only
    _, newbie = make_user(admin)
    for role in (2, 3, 4, 5):
        assert _add(users[role], project, newbie.auth[0], 3).status_code == 403
        assert users[role].put(f"/projects/{project}", json={"metadata": {"auto_scan": "true"}}).status_code == 403
    assert _add(users[1], project, newbie.auth[0], 3).status_code == 201
    assert users[1].put(f"/projects/{project}", json={"metadata": {"auto_scan": "true"}}).status_code == 200
    # project labels: maintainer yes, developer no
    pid = admin.get(f"/projects/{project}").json()["project_id"]
    assert users[4].post("/labels", json={"name": unique("l"), "scope": "p", "project_id": pid}).status_code == 201
    assert users[2].post("/labels", json={"name": unique("l"), "scope": "p", "project_id": pid}).status_code == 403
    assert users[4].delete(f"/projects/{project}").status_code == 403
    assert users[1].delete(f"/projects/{project}").status_code == 200


def test_role_tables_from_rbac_role_go(admin):
    """Spot checks of Harbor's role policy table (src/common/rbac/project/rbac_role.go)."""
    project = unique("tbl")
    admin.post("/projects", json={"project_name": project, "metadata": {"auto_scan": "true"}})
    users = {}
    for role in (1, 3, 4):
        _, user = make_user(admin)
        _add(admin, project, user.auth[0], role)
        users[role] = user
    # maintainers may change metadata through the metadata endpoint, guests cannot even read it
    assert users[4].put(f"/projects/{project}/metadatas/auto_scan", json={"auto_scan": "false"}).status_code == 200
    assert users[3].get(f"/projects/{project}/metadatas/auto_scan").status_code == 403
    # nobody but a sysadmin has metadata:list - not even the project admin
    assert users[1].get(f"/projects/{project}/metadatas/").status_code == 403
    assert admin.get(f"/projects/{project}/metadatas/").status_code == 200
