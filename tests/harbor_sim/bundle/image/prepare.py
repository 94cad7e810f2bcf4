#!/usr/bin/env python3
"""harbor-sim's `prepare`: harbor.yml -> docker-compose.yml + common/config/* + persistent secrets.

Runs inside the goharbor/prepare:<ver> container started by the bundle's `prepare` wrapper, with
Harbor's mounts: /input/harbor.yml, /data (= data_volume), /compose_location (installer dir),
/config (installer dir's common/config) and /hostfs (the host's /, read-only, for the https
certificate). Every path can be overridden (tests run it on the host).

Same schema, same validation errors, same persistence rules as Harbor's prepare
(make/photon/prepare): the key files under data_volume (secret/keys/secretkey,
secret/core/private_key.pem, secret/registry/root.crt) are created when missing and KEPT when
present -- nodes on shared storage share them; the per-run secrets (core/jobservice secret,
CSRF key, registry password) are regenerated on every run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import secrets
import shutil
import string
import sys
from urllib.parse import quote

import yaml

try:  # in the image (PYTHONPATH) and in the tests (pytest's pythonpath)
    from harbor_sim import versions
except ImportError:  # pragma: no cover - run from a checkout by hand
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from harbor_sim import versions

# The bundle's Harbor release (one image serves every release): prepare() sets it from its argument,
# else the environment the prepare wrapper passes (HARBOR_SIM_VERSION), else the newest.
RELEASE = versions.HarborVersion()
DEFAULT_UID = 10000  # g.py DEFAULT_UID: the uid Harbor's containers run as
# prepare's trust-certificates directory (g.py shared_cert_dir) and its file names
TRUST_DIR = os.path.join("shared", "trust-certificates")
STORAGE_CA_BUNDLE = "storage_ca_bundle.crt"
REDIS_TLS_CA = "redis_tls_ca.crt"
TEMPLATE_CERT = "/your/certificate/path"
TEMPLATE_KEY = "/your/private/key/path"
STORAGE_DRIVERS = ("filesystem", "azure", "gcs", "s3", "swift", "oss")
LOG_LEVELS = ("debug", "info", "warning", "error", "fatal")
# Keys whose absence makes Harbor's prepare fail with a KeyError (configs.py reads them directly).
REQUIRED = ("hostname", "data_volume", "harbor_admin_password", "jobservice.max_job_workers",
            "jobservice.job_loggers", "jobservice.logger_sweeper_duration",
            "notification.webhook_job_max_retry", "notification.webhook_job_http_client_timeout",
            "log.level")
REQUIRED_IF_PRESENT = {
    "external_database.harbor": ("host", "port", "db_name", "username", "password", "ssl_mode"),
    "metric": ("enabled", "port", "path"),
    "https": ("certificate", "private_key"),
}


class ConfigError(Exception):
    """A harbor.yml that Harbor's prepare would refuse."""


def _lookup(cfg, dotted):
    node = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


def validate(cfg) -> None:
    if not isinstance(cfg, dict):
        raise ConfigError("harbor.yml is not a YAML mapping")
    for key in REQUIRED:
        try:
            _lookup(cfg, key)
        except KeyError:
            raise ConfigError(f"missing required key '{key}' in harbor.yml") from None
    for block, keys in REQUIRED_IF_PRESENT.items():
        try:
            section = _lookup(cfg, block)
        except KeyError:
            continue
        if section is None:
            continue
        for key in keys:
            if not isinstance(section, dict) or key not in section:
                raise ConfigError(f"missing required key '{block}.{key}' in harbor.yml")
    hostname = str(cfg["hostname"] or "")
    if not hostname:
        raise ConfigError("Please specify hostname")
    if hostname in ("127.0.0.1", "localhost"):
        raise ConfigError("127.0.0.1 can not be the hostname")
    if hostname == "reg.mydomain.com":
        raise ConfigError("Please change the hostname reg.mydomain.com in harbor.yml to this host's name")
    https = cfg.get("https")
    if https:
        if https.get("certificate") == TEMPLATE_CERT or https.get("private_key") == TEMPLATE_KEY:
            raise ConfigError("Please specify the real https certificate and private_key; the template "
                              "paths /your/certificate/path and /your/private/key/path are not files")
    storage = (cfg.get("storage_service") or {})
    drivers = [k for k in storage if k not in ("ca_bundle", "redirect")]
    if len(drivers) > 1:
        raise ConfigError(f"storage_service configures more than one driver: {', '.join(sorted(drivers))}")
    for driver in drivers:
        if driver not in STORAGE_DRIVERS:
            raise ConfigError(f"storage driver {driver} is not supported, only {', '.join(STORAGE_DRIVERS)} "
                              "are supported")
        if driver != "filesystem":
            raise ConfigError(f"storage driver {driver} is valid in Harbor but not available in harbor-sim "
                              "(filesystem only)")
    level = str(cfg["log"]["level"])
    if level not in LOG_LEVELS:
        raise ConfigError(f"log level {level} is not supported, use one of {', '.join(LOG_LEVELS)}")
    redis = cfg.get("external_redis")
    if redis is not None and not (isinstance(redis, dict) and redis.get("host")):
        raise ConfigError("external_redis.host is required when external_redis is set")
    data_volume = str(cfg["data_volume"])
    if not data_volume.startswith("/"):
        raise ConfigError(f"data_volume must be an absolute path, got {data_volume}")


# ---- derived settings ---------------------------------------------------------------------------

def public_url(cfg) -> str:
    if cfg.get("external_url"):
        return str(cfg["external_url"]).rstrip("/")
    https = cfg.get("https")
    if https:
        port = int(https.get("port", 443))
        return f"https://{cfg['hostname']}" + ("" if port == 443 else f":{port}")
    port = int((cfg.get("http") or {}).get("port", 80))
    return f"http://{cfg['hostname']}" + ("" if port == 80 else f":{port}")


def database_url(cfg) -> str:
    ext = (cfg.get("external_database") or {}).get("harbor")
    if ext:
        user, pw = quote(str(ext["username"]), safe=""), quote(str(ext["password"]), safe="")
        url = f"postgresql://{user}:{pw}@{ext['host']}:{ext['port']}/{ext['db_name']}"
        return url + f"?sslmode={ext['ssl_mode']}" if ext.get("ssl_mode") else url
    pw = quote(str((cfg.get("database") or {}).get("password", "root123")), safe="")
    return f"postgresql://postgres:{pw}@postgresql:5432/registry"


def redis_url(cfg, db_index: int = 0) -> str:
    """Harbor's get_redis_url for core (db 0), without the ?idle_timeout_seconds suffix."""
    ext = cfg.get("external_redis")
    if not ext:
        return f"redis://redis:6379/{db_index}"
    cred = ""
    if ext.get("username") or ext.get("password"):
        cred = quote(str(ext.get("username") or ""), safe="")
        if ext.get("password"):
            cred += ":" + quote(str(ext["password"]), safe="")
        cred += "@"
    # external_redis.tlsOptions exists from 2.13 (get_redis_schema); older prepare ignores it
    tls = RELEASE.has("prepare_redis_tls") and bool((ext.get("tlsOptions") or {}).get("enable"))
    if ext.get("sentinel_master_set"):
        scheme = "rediss+sentinel" if tls else "redis+sentinel"
        return f"{scheme}://{cred}{ext['host']}/{ext['sentinel_master_set']}/{db_index}"
    return f"{'rediss' if tls else 'redis'}://{cred}{ext['host']}/{db_index}"


def registry_db_index(cfg) -> int:
    return int((cfg.get("external_redis") or cfg.get("redis") or {}).get("registry_db_index", 1))


# ---- secrets ------------------------------------------------------------------------------------

def _write(path, data, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w") as fh:
        fh.write(data)
    os.chmod(path, mode)


def _random(n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def ensure_persistent_secrets(data_dir: str) -> list:
    """Create the key files Harbor keeps under data_volume; never touch existing ones."""
    created = []
    secretkey = os.path.join(data_dir, "secret", "keys", "secretkey")
    if not os.path.exists(secretkey):
        _write(secretkey, _random(16))
        created.append(secretkey)
    key_path = os.path.join(data_dir, "secret", "core", "private_key.pem")
    cert_path = os.path.join(data_dir, "secret", "registry", "root.crt")
    if not os.path.exists(key_path) or not os.path.exists(cert_path):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        if os.path.exists(key_path):
            with open(key_path, "rb") as fh:
                key = serialization.load_pem_private_key(fh.read(), password=None)
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
            _write(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
            created.append(key_path)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "harbor-token-ca")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=3650))
                .sign(key, hashes.SHA256()))
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        created.append(cert_path)
    # Harbor's prepare_registry_ca (make/photon/prepare/utils/cert.py): a new pair is mark_file'd (0600,
    # uid/gid 10000), an existing one chowned to 10000 (its mode kept).
    if os.geteuid() == 0:
        for path in (key_path, cert_path):
            os.chown(path, DEFAULT_UID, DEFAULT_UID)
    # harbor-sim specific: the header the registry sends with its notifications (read by the sim
    # from the same path under its data dir)
    notify = os.path.join(data_dir, "secret", "registry", "notify_secret")
    if not os.path.exists(notify):
        _write(notify, secrets.token_hex(16))
        created.append(notify)
    return created


def copy_https_cert(cfg, data_dir: str, hostfs: str) -> None:
    https = cfg.get("https")
    if not https:
        return
    for src, dest, mode in ((https["certificate"], "server.crt", 0o644), (https["private_key"], "server.key", 0o600)):
        path = os.path.join(hostfs, str(src).lstrip("/"))
        if not os.path.isfile(path):
            raise ConfigError(f"https file {src} does not exist on the host")
        with open(path, "rb") as fh:
            _write(os.path.join(data_dir, "secret", "cert", dest), fh.read(), mode)


def _host_path(hostfs, path) -> str:
    """utils/misc.py get_realpath: a host path as the prepare container sees it (under /hostfs)."""
    return os.path.join(hostfs, str(path).lstrip("/"))


def check_ca_bundle(cfg, data_dir, hostfs) -> None:
    """utils/configs.py validate(): storage_service.ca_bundle must exist and be readable by Harbor's
    uid 10000 (owned by it and owner-readable, or readable by others). A path under /data/ is looked
    up in the container's /data (the data volume), any other one under /hostfs."""
    bundle = str((cfg.get("storage_service") or {}).get("ca_bundle") or "")
    if not bundle:
        return
    path = os.path.join(data_dir, bundle[len("/data/"):]) if bundle.startswith("/data/") else _host_path(hostfs, bundle)
    try:
        info = os.stat(path)
    except OSError:
        raise ConfigError("Can not get file info") from None
    readable = info.st_mode & 0o400 if info.st_uid == DEFAULT_UID else info.st_mode & 0o004
    if not readable:
        raise ConfigError(f"Cert File {bundle} should be owned by user with uid 10000 or readable by others")


def prepare_trust_ca(cfg, config_dir, hostfs) -> list:
    """utils/cert.py prepare_trust_ca: empty common/config/shared/trust-certificates and fill it with
    storage_service.ca_bundle (storage_ca_bundle.crt) and, from 2.13, the external Redis TLS CA
    (redis_tls_ca.crt); a missing source is skipped. The containers mount the directory at
    /harbor_cust_cert and add its CA files to their trust store at start (install_cert.sh)."""
    trust = os.path.join(config_dir, TRUST_DIR)
    shutil.rmtree(trust, ignore_errors=True)
    os.makedirs(trust)
    sources = [((cfg.get("storage_service") or {}).get("ca_bundle"), STORAGE_CA_BUNDLE)]
    redis = cfg.get("external_redis") or {}
    if RELEASE.has("prepare_redis_tls") and (redis.get("tlsOptions") or {}).get("enable"):
        sources.append(((redis.get("tlsOptions") or {}).get("rootCA"), REDIS_TLS_CA))
    copied = []
    for src, name in sources:
        if not src:
            continue
        real = _host_path(hostfs, src)
        if not os.path.isfile(real):
            print(f"ca file {real} is not exist" if not os.path.exists(real) else f"{real} is not file")
            continue
        with open(real, "rb") as fh:
            _write(os.path.join(trust, name), fh.read(), 0o644)
        print(f"copy {src} to shared trust ca dir as name {name} ...")
        copied.append(name)
    return copied


# ---- rendered files -----------------------------------------------------------------------------

def nginx_conf(cfg) -> str:
    https = cfg.get("https")
    proxy = """
    location / {
      proxy_pass http://core:8080;
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 900s;
    }"""
    head = """# generated by harbor-sim prepare; do not edit (re-run ./prepare)
worker_processes 1;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;
events { worker_connections 1024; }
http {
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  server_tokens off;
  client_max_body_size 0;
  chunked_transfer_encoding on;
"""
    if not https:
        return head + "  server {\n    listen 8080;\n" + proxy + "\n  }\n}\n"
    port = int(https.get("port", 443))
    target = "https://$host" + ("" if port == 443 else f":{port}") + "$request_uri"
    ciphers = ("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"
               "ECDHE-RSA-AES128-GCM-SHA256" if https.get("strong_ssl_ciphers") else "HIGH:!aNULL:!MD5")
    return head + f"""  server {{
    listen 8080;
    return 308 {target};
  }}
  server {{
    listen 8443 ssl;
    ssl_certificate /etc/cert/server.crt;
    ssl_certificate_key /etc/cert/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers {ciphers};
    ssl_prefer_server_ciphers on;
{proxy}
  }}
}}
"""


def registry_config(cfg, notify_secret: str) -> dict:
    return {
        "version": 0.1,
        "log": {"level": str(cfg["log"]["level"]).replace("warning", "warn").replace("fatal", "error"),
                "fields": {"service": "registry"}},
        "storage": {
            "filesystem": {"rootdirectory": "/storage"},
            "delete": {"enabled": True},
            "cache": {"blobdescriptor": "inmemory"},
            "maintenance": {"uploadpurging": {"enabled": False}},
            "redirect": {"disable": True},
        },
        "http": {"addr": ":5000", "relativeurls": True, "secret": _random(32)},
        "auth": {"token": {
            "realm": public_url(cfg) + "/service/token",
            "service": "harbor-registry",
            "issuer": "harbor-token-issuer",
            "rootcertbundle": "/etc/registry/root.crt",
            "autoredirect": False,
        }},
        "notifications": {"endpoints": [{
            "name": "harbor",
            "disabled": False,
            "url": "http://core:8080/service/notifications",
            "headers": {"Authorization": [f"Harbor-Secret {notify_secret}"]},
            "timeout": "3000ms",
            "threshold": 5,
            "backoff": "1s",
            "ignoredmediatypes": ["application/octet-stream"],
        }]},
    }


def _env_file(values: dict) -> str:
    return "".join(f"{k}={v}\n" for k, v in values.items())


def _health(test, interval="10s"):
    return {"test": ["CMD-SHELL", test], "interval": interval, "timeout": "5s", "retries": 6,
            "start_period": "20s"}


# docker-compose.yml.jinja: every container that makes outgoing TLS calls mounts trust-certificates
TRUST_MOUNT = "./common/config/shared/trust-certificates:/harbor_cust_cert:z"


def compose(cfg) -> dict:
    data = str(cfg["data_volume"]).rstrip("/") or "/"
    internal_db = not (cfg.get("external_database") or {}).get("harbor")
    internal_redis = not cfg.get("external_redis")

    def service(name, role, **extra):
        body = {"image": f"goharbor/{name}:{RELEASE.harbor_version}", "container_name": extra.pop("container_name"),
                "restart": "always", "command": [role], "networks": ["harbor"]}
        body.update(extra)
        return body

    services = {
        "registry": service(
            "registry-photon", "registry", container_name="registry",
            volumes=[f"{data}/registry:/storage:z", "./common/config/registry/:/etc/registry/:z",
                     f"{data}/secret/registry/root.crt:/etc/registry/root.crt:ro,z", TRUST_MOUNT],
            healthcheck=_health("curl --fail -s -o /dev/null http://localhost:5000/")),
    }
    core_deps = ["registry"]
    if internal_db:
        services["postgresql"] = service(
            "harbor-db", "db", container_name="harbor-db",
            env_file=["./common/config/db/env"], volumes=[f"{data}/database:/var/lib/postgresql/data:z"],
            shm_size="1gb", healthcheck=_health("/usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -U postgres"))
        core_deps.append("postgresql")
    if internal_redis:
        services["redis"] = service(
            "valkey-photon" if RELEASE.has("valkey_image") else "redis-photon", "redis", container_name="redis",
            volumes=[f"{data}/redis:/var/lib/redis"],
            healthcheck=_health("redis-cli ping | grep -q PONG"))
        core_deps.append("redis")
    services["core"] = service(
        "harbor-core", "core", container_name="harbor-core", env_file=["./common/config/core/env"],
        volumes=[f"{data}/harbor-sim:/data:z", f"{data}/secret:/data/secret:z",
                 f"{data}/secret/keys/secretkey:/etc/core/key:ro,z", TRUST_MOUNT],
        depends_on=core_deps,
        healthcheck=_health("curl --fail -s -o /dev/null http://localhost:8080/api/v2.0/ping"))
    ports = [f"{int((cfg.get('http') or {}).get('port', 80))}:8080"]
    volumes = ["./common/config/nginx:/etc/nginx/harbor:z"]
    if cfg.get("https"):
        ports.append(f"{int(cfg['https'].get('port', 443))}:8443")
        volumes.append(f"{data}/secret/cert:/etc/cert:ro,z")
    services["proxy"] = service(
        "nginx-photon", "nginx", container_name="nginx", ports=ports, volumes=volumes, depends_on=["core", "registry"],
        healthcheck=_health("curl --fail -s -o /dev/null http://localhost:8080/"))
    return {"version": "2.3", "services": services, "networks": {"harbor": {"external": False}}}


def core_env(cfg) -> dict:
    env = {
        "HARBOR_ADMIN_PASSWORD": cfg["harbor_admin_password"],
        "EXT_ENDPOINT": public_url(cfg),
        "REGISTRY_URL": "http://registry:5000",
        "DATABASE_URL": database_url(cfg),
        "REDIS_URL": redis_url(cfg, 0),
        "LOG_LEVEL": {"fatal": "CRITICAL"}.get(str(cfg["log"]["level"]), str(cfg["log"]["level"]).upper()),
        # harbor-sim: the release core plays (Harbor's core knows it from its build)
        "HARBOR_SIM_VERSION": RELEASE.name,
        # regenerated on every run, as in Harbor (unused by the sim, kept for layout fidelity)
        "CORE_SECRET": _random(16),
        "JOBSERVICE_SECRET": _random(16),
        "CSRF_KEY": _random(32),
        "REGISTRY_CREDENTIAL_PASSWORD": _random(16),
    }
    for proto in ("http_proxy", "https_proxy", "no_proxy"):
        value = (cfg.get("proxy") or {}).get(proto)
        if value:
            env[proto.upper()] = value
    return env


def prepare(input_file, data_dir, config_dir, compose_dir, hostfs, with_trivy=False, release=None) -> None:
    global RELEASE
    RELEASE = versions.HarborVersion(release or os.environ.get("HARBOR_SIM_VERSION") or versions.DEFAULT)
    with open(input_file, encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    validate(cfg)
    check_ca_bundle(cfg, data_dir, hostfs)
    if with_trivy:
        print("WARNING: --with-trivy: harbor-sim has no trivy adapter; continuing without it")
    if not cfg.get("https"):
        print("WARNING: HTTP protocol is insecure. Harbor will deprecate http protocol in the future. "
              "Please make sure to upgrade to https")
    for sub in ("registry", "redis", "harbor-sim", "secret/cert"):
        os.makedirs(os.path.join(data_dir, sub), exist_ok=True)
    if not (cfg.get("external_database") or {}).get("harbor"):
        os.makedirs(os.path.join(data_dir, "database"), exist_ok=True)
    for path in ensure_persistent_secrets(data_dir):
        print(f"Generated {os.path.relpath(path, data_dir)} under data_volume")
    copy_https_cert(cfg, data_dir, hostfs)
    prepare_trust_ca(cfg, config_dir, hostfs)
    with open(os.path.join(data_dir, "secret", "registry", "notify_secret"), encoding="ascii") as fh:
        notify_secret = fh.read().strip()
    # config dir content is regenerated from scratch each run, like Harbor does
    for sub in ("core", "db", "registry", "nginx"):
        shutil.rmtree(os.path.join(config_dir, sub), ignore_errors=True)
    _write(os.path.join(config_dir, "core", "env"), _env_file(core_env(cfg)))
    if not (cfg.get("external_database") or {}).get("harbor"):
        _write(os.path.join(config_dir, "db", "env"),
               _env_file({"POSTGRES_PASSWORD": (cfg.get("database") or {}).get("password", "root123")}))
    _write(os.path.join(config_dir, "registry", "config.yml"),
           yaml.safe_dump(registry_config(cfg, notify_secret), sort_keys=False), 0o600)
    _write(os.path.join(config_dir, "nginx", "nginx.conf"), nginx_conf(cfg), 0o644)
    _write(os.path.join(compose_dir, "docker-compose.yml"),
           yaml.safe_dump(compose(cfg), sort_keys=False, default_flow_style=False), 0o644)
    print(f"Generated configuration file: {os.path.join(compose_dir, 'docker-compose.yml')}")
    print("Successfully called func: prepare")


def main(argv=None) -> int:
    top = argparse.ArgumentParser(prog="prepare")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--conf", default=os.environ.get("PREPARE_INPUT", "/input/harbor.yml"))
    p.add_argument("--with-trivy", action="store_true")
    p.add_argument("--data", default=os.environ.get("PREPARE_DATA", "/data"))
    p.add_argument("--config-dir", default=os.environ.get("PREPARE_CONFIG", "/config"))
    p.add_argument("--compose-dir", default=os.environ.get("PREPARE_COMPOSE", "/compose_location"))
    p.add_argument("--hostfs", default=os.environ.get("PREPARE_HOSTFS", "/hostfs"))
    args = top.parse_args(argv)
    try:
        prepare(args.conf, args.data, args.config_dir, args.compose_dir, args.hostfs, args.with_trivy)
    except ConfigError as exc:
        print(f"Error happened in config validation...\n{exc}", file=sys.stderr)
        return 255
    except FileNotFoundError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
