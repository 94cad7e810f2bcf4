"""--harbor-version: each supported Harbor release's behaviour (versions.SINCE; README "Versions").

One sim per release (module-scoped, plain http) plus one HTTPS peer signed by a private CA. The
peer is what replication endpoints point at: with verification on, the endpoint is healthy only
when the sim trusts that CA, through the endpoint's ca_certificate (2.15+) or through prepare's
trust-certificates directory that the containers install at start (--trust-ca-dir, every release).
"""

import pytest

from harbor_sim import versions
from harbor_sim.testing import SimProcess
from simcore_support import ADMIN, Client, unique, write_self_signed

OLDEST, NEWEST = versions.SUPPORTED[0], versions.SUPPORTED[-1]


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    """An HTTPS sim whose certificate is its own CA: (url, ca_pem, ca_path)."""
    tls_dir = tmp_path_factory.mktemp("peer-tls")
    cert, key = write_self_signed(tls_dir)
    with SimProcess(tmp_path_factory.mktemp("peer"), extra_args=["--tls-cert", cert, "--tls-key", key]) as proc:
        yield proc.url, open(cert, encoding="ascii").read(), cert


@pytest.fixture(scope="module", params=versions.SUPPORTED)
def release(request, tmp_path_factory):
    """(version, admin client, anonymous client) of a sim playing one release."""
    with SimProcess(tmp_path_factory.mktemp("sim-" + request.param), harbor_version=request.param) as proc:
        yield versions.HarborVersion(request.param), Client(proc.url, ADMIN), Client(proc.url, None)


def _endpoint(url, **extra):
    return dict({"name": unique("ep"), "type": "harbor", "url": url,
                 "credential": {"type": "basic", "access_key": ADMIN[0], "access_secret": ADMIN[1]}}, **extra)


@pytest.mark.sim
def test_systeminfo_reports_the_release(release):
    version, admin, anon = release
    assert admin.get("/systeminfo").json()["harbor_version"] == "v%s-sim.1" % version.name
    anonymous = anon.get("/systeminfo").json()
    if version.tuple < (2, 13, 0):
        assert anonymous["harbor_version"] == "v%s-sim.1" % version.name
    else:
        assert "harbor_version" not in anonymous


@pytest.mark.sim
def test_registry_ca_certificate_only_from_2_15(release, peer):
    version, admin, _ = release
    url, pem, _ = peer
    created = admin.post("/registries", json=_endpoint(url, ca_certificate=pem, insecure=False))
    if version.tuple >= (2, 15, 0):
        assert created.status_code == 201, created.text
        registry = admin.get(created.headers["Location"].replace("/api/v2.0", "")).json()
        assert registry["ca_certificate"] == pem
    else:
        # not part of the release's Registry model: dropped, so the private CA is not trusted
        assert created.status_code == 400 and "unhealthy" in created.text
        plain = admin.post("/registries", json=_endpoint(url, ca_certificate=pem, insecure=True))
        assert plain.status_code == 201, plain.text
        registry = admin.get(plain.headers["Location"].replace("/api/v2.0", "")).json()
        assert "ca_certificate" not in registry and registry["insecure"] is True


@pytest.mark.sim
def test_policy_single_active_replication_from_2_14(release):
    version, admin, _ = release
    dest = admin.post("/registries", json=_endpoint(admin.base, insecure=True))
    assert dest.status_code == 201, dest.text
    body = {"name": unique("pol"), "src_registry": {"id": 0},
            "dest_registry": {"id": int(dest.headers["Location"].rsplit("/", 1)[1])},
            "trigger": {"type": "manual"}, "single_active_replication": True}
    created = admin.post("/replication/policies", json=body)
    assert created.status_code == 201, created.text
    policy = admin.get(created.headers["Location"].replace("/api/v2.0", "")).json()
    if version.tuple >= (2, 14, 0):
        assert policy["single_active_replication"] is True
    else:
        assert "single_active_replication" not in policy


@pytest.mark.sim
def test_configuration_items_of_the_release(release):
    version, admin, _ = release
    assert admin.put("/configurations", json={"oidc_logout": True}).status_code == 200
    items = admin.get("/configurations").json()
    if version.tuple >= (2, 13, 0):
        assert items["oidc_logout"]["value"] is True
        assert "disabled_audit_log_event_types" in items
    else:
        assert "oidc_logout" not in items and "disabled_audit_log_event_types" not in items


@pytest.mark.sim
def test_adapter_listing(release):
    version, admin, _ = release
    listed = admin.get("/replication/adapters").json()
    assert ("quay" in listed) == (version.tuple < (2, 14, 0))
    assert "harbor" in listed


@pytest.mark.sim
def test_trust_certificates_dir_trusts_the_ca_on_the_oldest(tmp_path, peer):
    """The pre-2.15 way: prepare copies storage_service.ca_bundle into trust-certificates, the
    containers append it to their trust store at start; verification stays on."""
    url, _, ca_path = peer
    trust = tmp_path / "trust-certificates"
    trust.mkdir()
    (trust / "storage_ca_bundle.crt").write_text(open(ca_path, encoding="ascii").read())
    (trust / "notes.txt").write_text("not a CA file: skipped like install_cert.sh does")
    with SimProcess(tmp_path / "trusting", harbor_version=OLDEST, extra_args=["--trust-ca-dir", str(trust)]) as proc:
        admin = Client(proc.url, ADMIN)
        created = admin.post("/registries", json=_endpoint(url, insecure=False))
        assert created.status_code == 201, created.text
        assert admin.get(created.headers["Location"].replace("/api/v2.0", "")).json()["status"] == "healthy"
    with SimProcess(tmp_path / "untrusting", harbor_version=OLDEST) as proc:
        refused = Client(proc.url, ADMIN).post("/registries", json=_endpoint(url, insecure=False))
        assert refused.status_code == 400 and "unhealthy" in refused.text


@pytest.mark.sim
def test_unsupported_release_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="invalid choice"):
        SimProcess(tmp_path / "old", harbor_version="2.11.2", start_timeout=20)


@pytest.mark.parametrize("name,kept", [
    ("2.12.4", set()), ("2.13.5", set()), ("2.14.4", {"max_upstream_conn"}),
    ("2.15.2", {"max_upstream_conn", "proxy_cache_local_on_not_found"})])
def test_project_metadata_keys_of_the_release(name, kept):
    """Unit: ProjectMetadata keys a release lacks are dropped (proxy-cache project; main-only keys never kept)."""
    from harbor_sim.api.projects import normalise_metadata

    class _Sim:
        version = versions.HarborVersion(name)

    meta = normalise_metadata(_Sim(), {"max_upstream_conn": "5", "proxy_cache_local_on_not_found": "true",
                                       "proxy_referrer_api": "true", "proxy_speed_kb": "10"}, proxy=True)
    assert set(meta) == kept | {"proxy_speed_kb"}


def test_version_parsing():
    """Unit: X.Y.Z with or without v; only the supported releases; _version is X.Y.0."""
    assert versions.HarborVersion("v2.13.5").yml_version == "2.13.0"
    assert versions.HarborVersion().name == versions.SUPPORTED[-1]
    with pytest.raises(ValueError, match="2.12.4"):
        versions.HarborVersion("2.16.0")
    with pytest.raises(ValueError):
        versions.parse("2.15")
