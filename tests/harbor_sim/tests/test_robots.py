"""Robot accounts: FACTS §2.9 and §8 item 13."""

from __future__ import annotations

import pytest

from simcore_support import error_of, make_user, unique

pytestmark = pytest.mark.sim

PULL_PUSH = [{"resource": "repository", "action": "pull"}, {"resource": "repository", "action": "push"}]


@pytest.fixture(scope="module")
def project(admin):
    name = unique("robproj")
    assert admin.post("/projects", json={"project_name": name}).status_code == 201
    return name, admin.get(f"/projects/{name}").json()["project_id"]


def _project_robot(admin, project_name, name=None, **extra):
    body = dict({"name": name or unique("ci"), "level": "project", "duration": -1,
                 "permissions": [{"kind": "project", "namespace": project_name, "access": PULL_PUSH}]}, **extra)
    return admin.post("/robots", json=body)


def test_create_project_robot_returns_robot_created(admin, project):
    resp = _project_robot(admin, project[0], name="ci", secret="IgnoredPassw0rd")
    assert resp.status_code == 201
    body = resp.json()
    assert set(body) == {"id", "name", "secret", "creation_time", "expires_at"}
    assert body["name"] == f"robot${project[0]}+ci" and body["expires_at"] == -1
    assert body["secret"] != "IgnoredPassw0rd" and len(body["secret"]) >= 8
    assert resp.headers["Location"] == f"/api/v2.0/robots/{body['id']}"
    robot = admin.get(f"/robots/{body['id']}").json()
    assert "secret" not in robot and robot["editable"] is True and robot["disable"] is False
    assert robot["level"] == "project" and robot["duration"] == -1
    assert robot["permissions"] == [{"kind": "project", "namespace": project[0], "access": PULL_PUSH}]
    # the requested secret does not log in, the generated one does
    assert admin.as_user(body["name"], "IgnoredPassw0rd").get("/users/current").status_code == 401
    resp = admin.as_user(body["name"], body["secret"]).get("/users/current")
    assert resp.status_code == 412
    assert error_of(resp) == ("PRECONDITION", "get current user not available for security context: robot")


def test_system_robot_and_duplicate(admin, project):
    name = unique("sys")
    body = {"name": name, "level": "system", "duration": 30, "permissions": [
        {"kind": "system", "namespace": "/", "access": [{"resource": "registry", "action": "list"}]},
        {"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "pull"}]}]}
    resp = admin.post("/robots", json=body)
    assert resp.status_code == 201
    created = resp.json()
    assert created["name"] == f"robot${name}"
    assert created["expires_at"] > 0
    dup = admin.post("/robots", json=body)
    assert dup.status_code == 409 and error_of(dup) == ("CONFLICT", f"robot account 0:{name} already exists")
    # list errors of ListRobot
    assert error_of(admin.get("/robots", params={"q": "Level=galaxy"}))[1] == "bad request error level input"
    assert error_of(admin.get("/robots", params={"q": "Level=project"}))[1] == (
        "must with project ID when to query project robots")
    assert error_of(admin.get("/robots", params={"q": "Level=project,ProjectID=x"}))[1] == "Project ID must be int type."
    # default list = system robots; project robots need q=Level=project,ProjectID=
    names = [r["name"] for r in admin.get("/robots", params={"page_size": 100}).json()]
    assert f"robot${name}" in names and all("+" not in n for n in names)
    _project_robot(admin, project[0], name="lister")
    listed = admin.get("/robots", params={"q": f"Level=project,ProjectID={project[1]}"}).json()
    assert f"robot${project[0]}+lister" in [r["name"] for r in listed]
    # like Harbor, a '+' in q must be double-encoded: requests sends %2B, which decodes to a space
    plus = admin.get("/robots", params={"q": f"Level=project,ProjectID={project[1]},name={project[0]}+lister"})
    assert plus.json() == []
    double = admin.get(f"/robots?q=Level%3Dproject,ProjectID%3D{project[1]},name%3D{project[0]}%252Blister")
    assert [r["name"] for r in double.json()] == [f"robot${project[0]}+lister"]
    by_name = admin.get("/robots", params={"q": f"name={name}"}).json()
    assert [r["name"] for r in by_name] == [f"robot${name}"]
    with_prefix = admin.get("/robots", params={"q": f"name=robot${name}"}).json()
    assert [r["name"] for r in with_prefix] == [f"robot${name}"]
    # system robot with registry:list can list registries, not create users
    robot = admin.as_user(created["name"], created["secret"])
    assert robot.get("/registries").status_code == 200
    assert robot.get("/users").status_code == 403


def test_validation(admin, project):
    bad_name = _project_robot(admin, project[0], name="Bad Name")
    assert bad_name.status_code == 400
    bad_perm = _project_robot(admin, project[0], permissions=[
        {"kind": "project", "namespace": project[0], "access": [{"resource": "repository", "action": "fly"}]}])
    assert bad_perm.status_code == 400 and error_of(bad_perm)[1] == "bad request permission: repository:fly"
    two = _project_robot(admin, project[0], permissions=[
        {"kind": "project", "namespace": project[0], "access": PULL_PUSH},
        {"kind": "project", "namespace": "library", "access": PULL_PUSH}])
    assert two.status_code == 400 and error_of(two)[1] == "bad request permission"
    assert _project_robot(admin, project[0], duration=-5).status_code == 400
    assert admin.post("/robots", json={"name": "x", "level": "galaxy", "permissions": []}).status_code == 400
    # a project that does not exist is "no permission" (RequireProjectAccess), even for the admin
    missing = _project_robot(admin, "no-such-project")
    assert missing.status_code == 403 and error_of(missing) == ("FORBIDDEN", "forbidden")
    zero = _project_robot(admin, project[0], duration=0)
    assert error_of(zero)[1] == ("bad request error duration input: 0, duration must be either -1(Never) or a "
                                 "positive integer")
    assert error_of(_project_robot(admin, project[0], permissions=[]))[1] == "bad request empty permission"
    assert error_of(_project_robot(admin, project[0], permissions=[
        {"kind": "project", "namespace": project[0], "access": []}]))[1] == "bad request empty access"
    assert error_of(_project_robot(admin, project[0], permissions=[
        {"kind": "galaxy", "namespace": project[0], "access": PULL_PUSH}]))[1] == "bad request permission level: galaxy"
    assert error_of(bad_name)[1] == "robot name is not in lower case or contains illegal characters"


def test_patch_sets_known_secret_for_every_node(admin, project):
    created = _project_robot(admin, project[0]).json()
    resp = admin.patch(f"/robots/{created['id']}", json={"secret": "MyS3cretPass"})
    assert resp.status_code == 200 and resp.json() == {}
    robot = admin.as_user(created["name"], "MyS3cretPass")
    assert robot.get("/users/current").status_code == 412  # authenticated robot
    assert admin.as_user(created["name"], created["secret"]).get("/users/current").status_code == 401
    weak = admin.patch(f"/robots/{created['id']}", json={"secret": "weak"})
    assert weak.status_code == 400 and error_of(weak)[1] == (
        "the secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase "
        "letter and 1 number")
    fresh = admin.patch(f"/robots/{created['id']}", json={})
    assert fresh.status_code == 200 and fresh.json()["secret"]
    assert admin.as_user(created["name"], fresh.json()["secret"]).get("/users/current").status_code == 412


def test_put_updates_but_not_name_or_level(admin, project):
    created = _project_robot(admin, project[0]).json()
    robot = admin.get(f"/robots/{created['id']}").json()
    robot.update(description="new", disable=True, duration=10)
    assert admin.put(f"/robots/{created['id']}", json=robot).status_code == 200
    got = admin.get(f"/robots/{created['id']}").json()
    assert got["description"] == "new" and got["disable"] is True and got["duration"] == 10
    assert admin.as_user(created["name"], created["secret"]).get("/users/current").status_code == 401  # disabled
    renamed = dict(robot, name="robot$other")
    resp = admin.put(f"/robots/{created['id']}", json=renamed)
    assert resp.status_code == 400 and error_of(resp)[1] == "cannot update the level or name of robot"
    assert admin.put(f"/robots/{created['id']}", json=dict(robot, level="system")).status_code == 400
    # duration omitted (null) keeps the stored one; expires_at follows the creation time
    keep = dict(robot, duration=None)
    assert admin.put(f"/robots/{created['id']}", json=keep).status_code == 200
    got = admin.get(f"/robots/{created['id']}").json()
    assert got["duration"] == 10 and got["expires_at"] > 0


def test_project_admin_manages_project_robots_developer_cannot(admin, project):
    _, dev = make_user(admin)
    dev_name = dev.auth[0]
    admin.post(f"/projects/{project[0]}/members", json={"role_id": 2, "member_user": {"username": dev_name}})
    assert _project_robot(dev, project[0]).status_code == 403
    _, owner = make_user(admin)
    admin.post(f"/projects/{project[0]}/members", json={"role_id": 1, "member_user": {"username": owner.auth[0]}})
    assert _project_robot(owner, project[0]).status_code == 201
    system_body = {"name": unique("s"), "level": "system", "duration": -1, "permissions": [
        {"kind": "system", "namespace": "/", "access": [{"resource": "registry", "action": "list"}]}]}
    resp = owner.post("/robots", json=system_body)
    assert resp.status_code == 403 and error_of(resp)[1] == owner.auth[0]


def test_robot_rbac_on_projects(admin, project):
    created = _project_robot(admin, project[0]).json()
    robot = admin.as_user(created["name"], created["secret"])
    assert robot.get(f"/projects/{project[0]}").status_code == 403  # no project:read granted
    reader = _project_robot(admin, project[0], permissions=[{"kind": "project", "namespace": project[0], "access": [
        {"resource": "project", "action": "read"}]}]).json()
    assert admin.as_user(reader["name"], reader["secret"]).get(f"/projects/{project[0]}").status_code == 200
    other = unique("other")
    admin.post("/projects", json={"project_name": other})
    assert robot.get(f"/projects/{other}").status_code == 403
    names = [p["name"] for p in robot.get("/projects", params={"page_size": 100}).json()]
    assert project[0] in names and other not in names


def test_delete(admin, project):
    created = _project_robot(admin, project[0]).json()
    assert admin.delete(f"/robots/{created['id']}").status_code == 200
    assert admin.get(f"/robots/{created['id']}").status_code == 404
