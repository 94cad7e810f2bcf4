"""One sim, real clients: docker push/pull and skopeo through the sim's /v2/, token scopes per
role, anonymous pull of a public project, and the artifacts API fed by registry events."""

import base64
import json

import pytest
import requests

from dataplane_support import (ADMIN, DockerClient, add_member, api, artifact_tags, artifacts,
                               create_project, create_user, make_oci_layout,
                               skopeo, skopeo_inspect_digest, wait_for)
from harbor_sim.testing import SimProcess

# Tier per test: `sim`, or `containers` for the docker client.

DEV = ("dev1", "Dev12345pw")
GUEST = ("guest1", "Guest12345pw")
MAINT = ("maint1", "Maint12345pw")


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with SimProcess(str(tmp_path_factory.mktemp("sim-a"))) as proc:
        for user in (DEV, GUEST, MAINT):
            create_user(proc, *user)
        create_project(proc, "team")  # private
        add_member(proc, "team", DEV[0], 2)
        add_member(proc, "team", GUEST[0], 3)
        add_member(proc, "team", MAINT[0], 4)
        yield proc


def _token_access(sim, scope, auth=None):
    resp = requests.get(sim.url + "/service/token", params={"service": "harbor-registry", "scope": scope},
                        auth=auth, timeout=10)
    assert resp.status_code == 200, resp.text
    claims = resp.json()["token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(claims + "=="))["access"]


@pytest.mark.sim
def test_token_scopes_follow_project_roles(sim):
    scope = "repository:team/app:pull,push,delete"
    assert _token_access(sim, scope, DEV)[0]["actions"] == ["pull", "push"]
    assert _token_access(sim, scope, GUEST)[0]["actions"] == ["pull"]
    assert _token_access(sim, scope, MAINT)[0]["actions"] == ["pull", "push", "delete"]
    assert _token_access(sim, scope, ADMIN)[0]["actions"] == ["pull", "push", "delete"]
    assert _token_access(sim, scope)[0]["actions"] == []  # anonymous, private project
    assert _token_access(sim, "repository:library/app:pull,push")[0]["actions"] == ["pull"]
    assert _token_access(sim, "repository:nosuchproject/app:pull,push", ADMIN)[0]["actions"] == []
    bad = requests.get(sim.url + "/service/token", params={"scope": scope}, auth=(DEV[0], "wrong"))
    assert bad.status_code == 401


@pytest.mark.sim
def test_robot_token_follows_its_permissions(sim):
    resp = api(sim, "POST", "/robots", expect=201, json={
        "name": "puller", "level": "project", "duration": -1, "permissions": [{
            "kind": "project", "namespace": "team",
            "access": [{"resource": "repository", "action": "pull"}]}]})
    robot = (resp.json()["name"], resp.json()["secret"])
    scope = "repository:team/app:pull,push"
    assert _token_access(sim, scope, robot)[0]["actions"] == ["pull"]
    assert _token_access(sim, "repository:other/app:pull", robot)[0]["actions"] == []


@pytest.mark.sim
def test_notifications_need_the_registry_secret(sim):
    forged = {"events": [{"action": "delete", "target": {"repository": "team/x", "digest": "sha256:00"}}]}
    for headers in ({}, {"Authorization": "Harbor-Secret wrong"}):
        resp = requests.post(sim.url + "/service/notifications", json=forged, headers=headers, timeout=10)
        assert resp.status_code == 401


@pytest.mark.sim
def test_v2_challenges_with_harbor_realm(sim):
    resp = requests.get(sim.url + "/v2/", timeout=10)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == (
        f'Bearer realm="{sim.url}/service/token",service="harbor-registry"')
    assert requests.get(sim.url + "/v2/", auth=ADMIN, timeout=10).status_code == 200


@pytest.mark.sim
def test_skopeo_push_pull_and_anonymous_public_pull(sim, tmp_path):
    layout = tmp_path / "oci"
    digest = make_oci_layout(str(layout))
    host = sim.url.split("://")[1]
    skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"{DEV[0]}:{DEV[1]}",
           f"oci:{layout}:v1", f"docker://{host}/team/tool:v1")
    assert skopeo_inspect_digest(f"{host}/team/tool:v1", GUEST) == digest
    assert skopeo_inspect_digest(f"{host}/team/tool:v1") is None  # private: anonymous denied
    # guest may pull but not push
    denied = skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"{GUEST[0]}:{GUEST[1]}",
                    f"oci:{layout}:v1", f"docker://{host}/team/tool:guest", check=False)
    assert denied.returncode != 0
    # public library: anonymous pull works, anonymous push is denied
    skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"{ADMIN[0]}:{ADMIN[1]}",
           f"oci:{layout}:v1", f"docker://{host}/library/tool:v1")
    assert skopeo_inspect_digest(f"{host}/library/tool:v1") == digest
    anon_push = skopeo("copy", "--dest-tls-verify=false", "--dest-no-creds",
                       f"oci:{layout}:v1", f"docker://{host}/library/tool:anon", check=False)
    assert anon_push.returncode != 0
    # a project that does not exist cannot be pushed into, even by the admin
    missing = skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"{ADMIN[0]}:{ADMIN[1]}",
                     f"oci:{layout}:v1", f"docker://{host}/nosuchproject/tool:v1", check=False)
    assert missing.returncode != 0 and "nosuchproject not found" in missing.stderr
    tags = wait_for(lambda: artifact_tags(sim, "team", "tool"), 15, what="team/tool in the API")
    assert tags == ["v1"]


@pytest.mark.sim
def test_pushed_artifact_is_in_the_api_when_the_push_returns(sim, tmp_path):
    """Harbor records the artifact before answering the manifest PUT (src/server/registry/
    manifest.go putManifest: artifact.Ctl.Ensure), so a read right after the push sees it."""
    layout = tmp_path / "oci"
    digest = make_oci_layout(str(layout))
    host = sim.url.split("://")[1]
    # the registry's event deliveries fail threshold (5) times: it resends after its backoff (1 s)
    delayed = {"rules": [{"method": "POST", "path": "/service/notifications", "status": 503, "times": 5}]}
    requests.put(sim.url + "/_sim/faults", json=delayed, auth=ADMIN, timeout=10).raise_for_status()
    for tag in ("r1", "r2"):
        skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"{ADMIN[0]}:{ADMIN[1]}",
               f"oci:{layout}:v1", f"docker://{host}/team/ready:{tag}")
        listed = artifacts(sim, "team", "ready")
        assert [a["digest"] for a in listed] == [digest]
        assert tag in artifact_tags(sim, "team", "ready")


@pytest.mark.sim
def test_all_repositories_follow_visibility(sim):
    # after the skopeo test: team/tool (private project) and library/tool (public)
    def names(auth):
        return sorted(r["name"] for r in api(sim, "GET", "/repositories?page_size=100", auth=auth,
                                             expect=200).json())
    assert {"team/tool", "library/tool"} <= set(names(ADMIN))
    assert "team/tool" in names(GUEST)
    assert "library/tool" in names(None) and "team/tool" not in names(None)
    one = api(sim, "GET", "/repositories?q=name%3Dteam%2Ftool", expect=200).json()
    assert [r["name"] for r in one] == ["team/tool"] and one[0]["artifact_count"] == 1


@pytest.mark.containers
def test_docker_push_appears_in_artifacts_api_then_delete(sim, tmp_path):
    docker = DockerClient(tmp_path)
    host = sim.url.split("://")[1]
    try:
        docker.login(host, *DEV)
        ref = docker.make_image(f"{host}/team/app:v1")
        docker.run("push", ref)
        docker.tag(ref, f"{host}/team/app:stable")
        docker.run("push", f"{host}/team/app:stable")
        arts = wait_for(lambda: [a for a in artifacts(sim, "team", "app")
                                 if len(a.get("tags") or []) == 2], 15, what="team/app v1+stable")
        art = arts[0]
        assert sorted(t["name"] for t in art["tags"]) == ["stable", "v1"]
        assert art["digest"].startswith("sha256:") and art["size"] > 256 * 1024
        assert art["push_time"].endswith("Z") and art["repository_name"] == "team/app"
        repos = api(sim, "GET", "/projects/team/repositories", expect=200).json()
        assert "team/app" in [r["name"] for r in repos]
        # pull back with docker after removing the local copy; the registry's pull event counts
        docker.run("rmi", "-f", ref)
        docker.run("pull", ref)
        wait_for(lambda: api(sim, "GET", "/projects/team/repositories/app").json()["pull_count"] >= 1,
                 15, what="pull_count of team/app")
        # a developer cannot delete (Harbor: maintainer+); the maintainer can
        path = "/projects/team/repositories/app/artifacts/" + art["digest"]
        api(sim, "DELETE", path, auth=DEV, expect=403)
        api(sim, "DELETE", path, auth=MAINT, expect=200)
        assert artifacts(sim, "team", "app") == []
        assert skopeo_inspect_digest(f"{host}/team/app:v1", ADMIN) is None
    finally:
        docker.logout(host)
        docker.cleanup()
