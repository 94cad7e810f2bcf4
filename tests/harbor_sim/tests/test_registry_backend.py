"""The real docker-registry subprocess trusts our tokens (kid, issuer, service, scopes)."""

import os

import pytest
import requests

from harbor_sim import registry_backend, token

needs_registry = pytest.mark.skipif(not os.path.exists(registry_backend.REGISTRY_BIN),
                                    reason="docker-registry not installed (scripts/host-deps.sh)")


@pytest.fixture
def registry(tmp_path):
    keys = token.TokenKeys(str(tmp_path))
    proc = registry_backend.RegistryProcess(str(tmp_path), "http://sim.example:8080",
                                            "http://127.0.0.1:9/service/notifications")
    proc.start()
    try:
        yield proc, keys
    finally:
        proc.stop()


@pytest.mark.sim
@needs_registry
def test_registry_challenges_then_accepts_scoped_token(registry):
    proc, keys = registry
    resp = requests.get(proc.url + "/v2/")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == (
        'Bearer realm="http://sim.example:8080/service/token",service="harbor-registry"')
    tok = token.make_token(keys, "dev", [{"type": "repository", "name": "p/a",
                                           "actions": ["pull", "push"]}])["token"]
    auth = {"Authorization": "Bearer " + tok}
    assert requests.get(proc.url + "/v2/", headers=auth).status_code == 200
    assert requests.post(proc.url + "/v2/p/a/blobs/uploads/", headers=auth).status_code == 202
    denied = requests.post(proc.url + "/v2/p/b/blobs/uploads/", headers=auth)
    assert denied.status_code == 401 and "insufficient_scope" in denied.headers["WWW-Authenticate"]


@pytest.mark.sim
@needs_registry
def test_foreign_key_is_rejected(registry, tmp_path_factory):
    proc, _ = registry
    other = token.TokenKeys(str(tmp_path_factory.mktemp("other")))
    tok = token.make_token(other, "x", [{"type": "repository", "name": "p/a", "actions": ["pull"]}])
    resp = requests.get(proc.url + "/v2/", headers={"Authorization": "Bearer " + tok["token"]})
    assert resp.status_code == 401


def test_required_scope_classification():
    rs = registry_backend.required_scope
    assert rs("GET", "/v2/") == []
    assert rs("GET", "/v2/_catalog") == [("registry", "catalog", ["*"])]
    assert rs("HEAD", "/v2/p/a/b/manifests/v1") == [("repository", "p/a/b", ["pull"])]
    assert rs("DELETE", "/v2/p/a/manifests/sha256:00") == [("repository", "p/a", ["delete"])]
    assert rs("POST", "/v2/p/a/blobs/uploads/", {"from": "q/b", "mount": "sha256:1"}) == [
        ("repository", "p/a", ["pull", "push"]), ("repository", "q/b", ["pull"])]
