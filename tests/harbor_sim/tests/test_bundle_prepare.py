"""The bundle's prepare (tests/harbor_sim/bundle/image/prepare.py) run on the host: Harbor's
validation errors, rendered compose/config, and which secrets survive a re-run."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pathlib
import stat

import pytest
import yaml

BUNDLE = pathlib.Path(__file__).resolve().parents[1] / "bundle"
_spec = importlib.util.spec_from_file_location("bundle_prepare", BUNDLE / "image" / "prepare.py")
prep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(prep)

KEPT = ("secret/keys/secretkey", "secret/core/private_key.pem", "secret/registry/root.crt")


@pytest.fixture()
def layout(tmp_path):
    """hostfs with a certificate, the dirs prepare writes to, and a valid harbor.yml dict."""
    hostfs = tmp_path / "hostfs"
    (hostfs / "etc" / "tls").mkdir(parents=True)
    (hostfs / "etc" / "tls" / "node.crt").write_text("CERT\n")
    (hostfs / "etc" / "tls" / "node.key").write_text("KEY\n")
    with open(BUNDLE / "installer" / "harbor.yml.tmpl", encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    cfg.update(hostname="h1.lab", data_volume=str(tmp_path / "data"), harbor_admin_password="S3cret-adm1n")
    cfg["https"].update(certificate="/etc/tls/node.crt", private_key="/etc/tls/node.key")
    cfg["database"]["password"] = "db-Pa$$"
    return tmp_path, cfg


def run(tmp_path, cfg):
    conf = tmp_path / "harbor.yml"
    conf.write_text(yaml.safe_dump(cfg))
    for sub in ("cfg", "compose"):
        (tmp_path / sub).mkdir(exist_ok=True)
    return prep.main(["prepare", "--conf", str(conf), "--data", cfg.get("data_volume", str(tmp_path / "d")),
                      "--config-dir", str(tmp_path / "cfg"), "--compose-dir", str(tmp_path / "compose"),
                      "--hostfs", str(tmp_path / "hostfs")])


def compose_of(tmp_path):
    return yaml.safe_load((tmp_path / "compose" / "docker-compose.yml").read_text())


def env_of(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_template_itself_is_refused(tmp_path):
    with open(BUNDLE / "installer" / "harbor.yml.tmpl", encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    cfg["data_volume"] = str(tmp_path / "data")
    assert run(tmp_path, cfg) == 255


@pytest.mark.parametrize("hostname", ["127.0.0.1", "reg.mydomain.com", ""])
def test_bad_hostname_is_refused(layout, hostname, capsys):
    tmp_path, cfg = layout
    cfg["hostname"] = hostname
    assert run(tmp_path, cfg) == 255
    assert "Error happened in config validation" in capsys.readouterr().err
    assert not (tmp_path / "compose" / "docker-compose.yml").exists()


def test_template_certificate_paths_are_refused(layout, capsys):
    tmp_path, cfg = layout
    cfg["https"]["certificate"] = "/your/certificate/path"
    assert run(tmp_path, cfg) == 255
    assert "/your/certificate/path" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["hostname", "harbor_admin_password", "data_volume", "jobservice.job_loggers",
                                 "log.level", "notification.webhook_job_max_retry", "https.private_key"])
def test_hard_required_keys(layout, key, capsys):
    tmp_path, cfg = layout
    parent, _, leaf = key.rpartition(".")
    node = cfg[parent] if parent else cfg
    del node[leaf]
    assert run(tmp_path, cfg) != 0
    assert key in capsys.readouterr().err


def test_invalid_storage_driver_and_log_level(layout, capsys):
    tmp_path, cfg = layout
    cfg["storage_service"] = {"ceph": {}}
    assert run(tmp_path, cfg) == 255
    assert "storage driver ceph is not supported" in capsys.readouterr().err
    cfg["storage_service"] = {"filesystem": {"maxthreads": 100}}
    cfg["log"]["level"] = "verbose"
    assert run(tmp_path, cfg) == 255
    assert "log level verbose" in capsys.readouterr().err


def test_missing_certificate_file(layout, capsys):
    tmp_path, cfg = layout
    cfg["https"]["certificate"] = "/etc/tls/absent.crt"
    assert run(tmp_path, cfg) == 255
    assert "/etc/tls/absent.crt does not exist" in capsys.readouterr().err


def test_default_install_renders_harbor_services(layout):
    tmp_path, cfg = layout
    assert run(tmp_path, cfg) == 0
    doc = compose_of(tmp_path)
    names = {svc: body["container_name"] for svc, body in doc["services"].items()}
    assert names == {"registry": "registry", "postgresql": "harbor-db", "redis": "redis",
                     "core": "harbor-core", "proxy": "nginx"}
    for body in doc["services"].values():
        assert body["restart"] == "always"
        assert body["networks"] == ["harbor"]
        assert body["healthcheck"]["test"][0] == "CMD-SHELL"
        assert body["image"].endswith(":v2.15.2-sim.1") and body["image"].startswith("goharbor/")
    assert doc["services"]["proxy"]["ports"] == ["80:8080", "443:8443"]
    data = cfg["data_volume"]
    assert f"{data}/registry:/storage:z" in doc["services"]["registry"]["volumes"]
    assert f"{data}/database:/var/lib/postgresql/data:z" in doc["services"]["postgresql"]["volumes"]
    core = env_of(tmp_path / "cfg" / "core" / "env")
    assert core["EXT_ENDPOINT"] == "https://h1.lab"
    assert core["DATABASE_URL"] == "postgresql://postgres:db-Pa%24%24@postgresql:5432/registry"
    assert core["REDIS_URL"] == "redis://redis:6379/0"
    assert core["HARBOR_ADMIN_PASSWORD"] == "S3cret-adm1n"
    for secret_file in ("core/env", "db/env", "registry/config.yml"):
        assert (os.stat(tmp_path / "cfg" / secret_file).st_mode & 0o077) == 0, secret_file
    nginx = (tmp_path / "cfg" / "nginx" / "nginx.conf").read_text()
    assert "client_max_body_size 0;" in nginx
    assert "return 308 https://$host$request_uri;" in nginx
    assert "ssl_certificate /etc/cert/server.crt;" in nginx
    assert (pathlib.Path(data) / "secret" / "cert" / "server.key").read_text() == "KEY\n"
    reg = yaml.safe_load((tmp_path / "cfg" / "registry" / "config.yml").read_text())
    assert reg["auth"]["token"]["realm"] == "https://h1.lab/service/token"
    assert reg["notifications"]["endpoints"][0]["url"] == "http://core:8080/service/notifications"
    notify = (pathlib.Path(data) / "secret" / "registry" / "notify_secret").read_text().strip()
    assert reg["notifications"]["endpoints"][0]["headers"]["Authorization"] == [f"Harbor-Secret {notify}"]


def test_external_url_port_and_http_only(layout):
    tmp_path, cfg = layout
    cfg["https"]["port"] = 8443
    assert run(tmp_path, cfg) == 0
    assert "return 308 https://$host:8443$request_uri;" in (tmp_path / "cfg" / "nginx" / "nginx.conf").read_text()
    assert env_of(tmp_path / "cfg" / "core" / "env")["EXT_ENDPOINT"] == "https://h1.lab:8443"
    cfg["external_url"] = "https://harbor.vip.lab"
    assert run(tmp_path, cfg) == 0
    assert env_of(tmp_path / "cfg" / "core" / "env")["EXT_ENDPOINT"] == "https://harbor.vip.lab"
    del cfg["https"], cfg["external_url"]
    assert run(tmp_path, cfg) == 0
    assert compose_of(tmp_path)["services"]["proxy"]["ports"] == ["80:8080"]
    assert env_of(tmp_path / "cfg" / "core" / "env")["EXT_ENDPOINT"] == "http://h1.lab"


def test_external_database_and_sentinel_redis(layout):
    tmp_path, cfg = layout
    cfg["external_database"] = {"harbor": {"host": "10.0.0.5", "port": 5432, "db_name": "harbor",
                                           "username": "harbor", "password": "p@ss", "ssl_mode": "disable"}}
    cfg["external_redis"] = {"host": "r1:26379,r2:26379", "password": "rpw", "sentinel_master_set": "mymaster",
                             "registry_db_index": 1, "jobservice_db_index": 2, "trivy_db_index": 5}
    assert run(tmp_path, cfg) == 0
    services = compose_of(tmp_path)["services"]
    assert set(services) == {"registry", "core", "proxy"}
    assert services["core"]["depends_on"] == ["registry"]
    core = env_of(tmp_path / "cfg" / "core" / "env")
    assert core["DATABASE_URL"] == "postgresql://harbor:p%40ss@10.0.0.5:5432/harbor?sslmode=disable"
    assert core["REDIS_URL"] == "redis+sentinel://:rpw@r1:26379,r2:26379/mymaster/0"
    assert not (tmp_path / "cfg" / "db" / "env").exists()
    del cfg["external_redis"]["sentinel_master_set"]
    cfg["external_redis"]["host"] = "redis.lab:6379"
    assert run(tmp_path, cfg) == 0
    assert env_of(tmp_path / "cfg" / "core" / "env")["REDIS_URL"] == "redis://:rpw@redis.lab:6379/0"


def test_external_database_needs_all_keys(layout, capsys):
    tmp_path, cfg = layout
    cfg["external_database"] = {"harbor": {"host": "db", "port": 5432, "db_name": "harbor", "username": "h",
                                           "password": "x"}}
    assert run(tmp_path, cfg) == 255
    assert "external_database.harbor.ssl_mode" in capsys.readouterr().err


def test_key_files_are_kept_and_run_secrets_regenerated(layout):
    tmp_path, cfg = layout
    assert run(tmp_path, cfg) == 0
    data = pathlib.Path(cfg["data_volume"])
    before = {f: digest(data / f) for f in KEPT}
    assert len((data / "secret/keys/secretkey").read_text()) == 16
    csrf = env_of(tmp_path / "cfg" / "core" / "env")["CSRF_KEY"]
    assert run(tmp_path, cfg) == 0
    assert {f: digest(data / f) for f in KEPT} == before
    assert env_of(tmp_path / "cfg" / "core" / "env")["CSRF_KEY"] != csrf


def test_token_pair_is_private_to_harbor(layout):
    """As Harbor's prepare_registry_ca writes it (make/photon/prepare/utils/cert.py, mark_file): 0600,
    owned by uid 10000 when prepare runs as root (it does, in its container)."""
    tmp_path, cfg = layout
    assert run(tmp_path, cfg) == 0
    data = pathlib.Path(cfg["data_volume"])
    for name in ("secret/core/private_key.pem", "secret/registry/root.crt"):
        st = (data / name).stat()
        assert stat.S_IMODE(st.st_mode) == 0o600, name
        if os.geteuid() == 0:
            assert (st.st_uid, st.st_gid) == (10000, 10000), name


def test_keys_from_another_node_are_used_not_replaced(layout):
    """Shared storage: node 2 finds node 1's keys under the same data_volume and keeps them."""
    tmp_path, cfg = layout
    data = pathlib.Path(cfg["data_volume"])
    (data / "secret" / "keys").mkdir(parents=True)
    (data / "secret" / "keys" / "secretkey").write_text("0123456789abcdef")
    assert run(tmp_path, cfg) == 0
    assert (data / "secret" / "keys" / "secretkey").read_text() == "0123456789abcdef"
    key = digest(data / "secret/core/private_key.pem")
    (data / "secret/registry/root.crt").unlink()
    assert run(tmp_path, cfg) == 0
    assert digest(data / "secret/core/private_key.pem") == key
    # the re-issued certificate carries the kept key
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate((data / "secret/registry/root.crt").read_bytes())
    priv = serialization.load_pem_private_key((data / "secret/core/private_key.pem").read_bytes(), None)
    assert cert.public_key().public_numbers() == priv.public_key().public_numbers()


@pytest.mark.parametrize("release,redis_image", [("2.12.4", "redis-photon"), ("2.15.1", None),
                                                 ("2.15.2", "valkey-photon")])
def test_release_images_and_core_version(layout, monkeypatch, release, redis_image):
    """The bundle's release (the wrapper's HARBOR_SIM_VERSION) tags every image; 2.15.2 runs Valkey."""
    tmp_path, cfg = layout
    monkeypatch.setenv("HARBOR_SIM_VERSION", release)
    if redis_image is None:  # not a release the sim plays
        with pytest.raises(ValueError, match="2.15.2"):
            run(tmp_path, cfg)
        return
    assert run(tmp_path, cfg) == 0
    services = compose_of(tmp_path)["services"]
    assert {body["image"].rsplit(":", 1)[1] for body in services.values()} == {"v%s-sim.1" % release}
    assert services["redis"]["image"] == "goharbor/%s:v%s-sim.1" % (redis_image, release)
    assert env_of(tmp_path / "cfg" / "core" / "env")["HARBOR_SIM_VERSION"] == release


def test_ca_bundle_fills_trust_certificates(layout, monkeypatch):
    """storage_service.ca_bundle -> common/config/shared/trust-certificates/storage_ca_bundle.crt (0644),
    mounted at /harbor_cust_cert in core and registry (prepare_trust_ca, docker-compose.yml.jinja); the
    directory is emptied on every run."""
    tmp_path, cfg = layout
    monkeypatch.delenv("HARBOR_SIM_VERSION", raising=False)
    ca = tmp_path / "hostfs" / "etc" / "tls" / "ca.crt"
    ca.write_text("CA PEM\n")
    os.chmod(ca, 0o644)
    cfg["storage_service"] = {"ca_bundle": "/etc/tls/ca.crt"}
    trust = tmp_path / "cfg" / "shared" / "trust-certificates"
    assert run(tmp_path, cfg) == 0
    assert (trust / "storage_ca_bundle.crt").read_text() == "CA PEM\n"
    assert os.stat(trust / "storage_ca_bundle.crt").st_mode & 0o777 == 0o644
    services = compose_of(tmp_path)["services"]
    for name in ("core", "registry"):
        assert "./common/config/shared/trust-certificates:/harbor_cust_cert:z" in services[name]["volumes"]
    del cfg["storage_service"]
    assert run(tmp_path, cfg) == 0
    assert trust.is_dir() and not list(trust.iterdir())


def test_ca_bundle_must_exist_and_be_readable(layout, monkeypatch, capsys):
    """utils/configs.py validate(): a missing ca_bundle, or one uid 10000 cannot read, stops prepare."""
    tmp_path, cfg = layout
    monkeypatch.delenv("HARBOR_SIM_VERSION", raising=False)
    cfg["storage_service"] = {"ca_bundle": "/etc/tls/missing.crt"}
    assert run(tmp_path, cfg) != 0
    assert "Can not get file info" in capsys.readouterr().err
    ca = tmp_path / "hostfs" / "etc" / "tls" / "private-ca.crt"
    ca.write_text("CA PEM\n")
    os.chmod(ca, 0o600)  # owned by the test's user (not 10000), not readable by others
    cfg["storage_service"] = {"ca_bundle": "/etc/tls/private-ca.crt"}
    assert run(tmp_path, cfg) != 0
    assert "should be owned by user with uid 10000 or readable by others" in capsys.readouterr().err
    assert not (tmp_path / "compose" / "docker-compose.yml").exists()


@pytest.mark.parametrize("release,url", [("2.12.4", "redis://:rpw@r1:6379/0"), ("2.13.5", "rediss://:rpw@r1:6379/0")])
def test_redis_tls_options_from_2_13(layout, monkeypatch, release, url):
    """external_redis.tlsOptions exists from 2.13 (get_redis_schema); 2.12's prepare ignores it."""
    tmp_path, cfg = layout
    monkeypatch.setenv("HARBOR_SIM_VERSION", release)
    (tmp_path / "hostfs" / "etc" / "tls" / "redis-ca.crt").write_text("REDIS CA\n")
    cfg["external_redis"] = {"host": "r1:6379", "password": "rpw",
                             "tlsOptions": {"enable": True, "rootCA": "/etc/tls/redis-ca.crt"}}
    assert run(tmp_path, cfg) == 0
    assert env_of(tmp_path / "cfg" / "core" / "env")["REDIS_URL"] == url
    copied = (tmp_path / "cfg" / "shared" / "trust-certificates" / "redis_tls_ca.crt").exists()
    assert copied == (release != "2.12.4")
