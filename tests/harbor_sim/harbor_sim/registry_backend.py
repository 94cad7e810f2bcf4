"""The backing CNCF distribution registry: subprocess + config, and the /v2/ proxy.

Like Harbor's core, the sim fronts the registry: clients talk to the sim's /v2/, the sim
streams to the registry. The registry itself uses token auth (realm = the sim's
/service/token) and posts its events to the sim's /service/notifications.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request

LOG = logging.getLogger("harbor_sim.registry")
REGISTRY_BIN = "/usr/bin/docker-registry"
NOTIFY_SECRET_FILE = ("secret", "registry", "notify_secret")
SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notification_secret(data_dir: str) -> str:
    """Shared secret the registry sends in its notification requests (kept across restarts)."""
    path = os.path.join(data_dir, *NOTIFY_SECRET_FILE)
    if os.path.exists(path):
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    value = secrets.token_hex(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def registry_config(data_dir, port, external_url, notify_url, notify_secret) -> dict:
    """distribution 2.8 configuration (JSON is valid YAML)."""
    return {
        "version": 0.1,
        "log": {"level": "info", "fields": {"service": "registry"}},
        "storage": {
            "filesystem": {"rootdirectory": os.path.join(data_dir, "registry", "storage")},
            "delete": {"enabled": True},
            # no blob descriptor cache: GC removes blobs under the running registry, and a cached
            # descriptor would claim a removed blob still exists (Harbor's GC clears the registry's
            # Redis cache for the same reason, distribution issue #2094)
            "maintenance": {"uploadpurging": {"enabled": False}},
            "redirect": {"disable": True},
        },
        "http": {
            "addr": f"127.0.0.1:{port}",
            # Location headers relative: the client reaches us through the sim's proxy
            "relativeurls": True,
            "secret": secrets.token_hex(16),
        },
        "auth": {"token": {
            "realm": external_url.rstrip("/") + "/service/token",
            "service": "harbor-registry",
            "issuer": "harbor-token-issuer",
            "rootcertbundle": os.path.join(data_dir, "secret", "registry", "root.crt"),
            "autoredirect": False,
        }},
        "notifications": {"endpoints": [{
            "name": "harbor",
            "disabled": False,
            "url": notify_url,
            "headers": {"Authorization": [f"Harbor-Secret {notify_secret}"]},
            "timeout": "3000ms",
            "threshold": 5,
            "backoff": "1s",
            "ignoredmediatypes": ["application/octet-stream"],
        }]},
    }


class RegistryProcess:
    """Runs /usr/bin/docker-registry for one sim (its own loopback port)."""

    def __init__(self, data_dir, external_url, notify_url, notify_ca_file=None):
        self.data_dir = data_dir
        self.external_url = external_url
        self.notify_url = notify_url
        self.notify_ca_file = notify_ca_file
        self.port = None
        self.proc = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> None:
        if not shutil.which(REGISTRY_BIN) and not os.path.exists(REGISTRY_BIN):
            raise RuntimeError(f"{REGISTRY_BIN} not found: install Debian's docker-registry "
                               "(scripts/host-packages.txt) or pass --registry-url")
        regdir = os.path.join(self.data_dir, "registry")
        os.makedirs(os.path.join(regdir, "storage"), exist_ok=True)
        self.port = _free_port()
        config = registry_config(self.data_dir, self.port, self.external_url, self.notify_url,
                                 notification_secret(self.data_dir))
        config_path = os.path.join(regdir, "config.yml")
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(config, fh, indent=2)
        self._log = open(os.path.join(regdir, "registry.log"), "ab")
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        if self.notify_ca_file:
            # the sim serves HTTPS with its own certificate: the registry (Go) must trust it to
            # deliver notifications; Go reads SSL_CERT_FILE instead of the system bundle
            env["SSL_CERT_FILE"] = self._ca_bundle(regdir)
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", config_path], stdout=self._log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited with {self.proc.returncode}; "
                                   f"see {regdir}/registry.log")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1):
                    LOG.info("docker-registry ready on %s", self.url)
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("docker-registry did not become ready in time")

    def _ca_bundle(self, regdir) -> str:
        bundle = os.path.join(regdir, "notify-ca.pem")
        parts = []
        for path in (SYSTEM_CA_BUNDLE, self.notify_ca_file):
            if path and os.path.exists(path):
                with open(path, encoding="utf-8") as fh:
                    parts.append(fh.read().strip() + "\n")
        with open(bundle, "w", encoding="utf-8") as fh:
            fh.write("".join(parts))
        return bundle

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None


# --- /v2/ request classification (used by the proxy to mint tokens for Basic callers) -------

_REPO_PATH = re.compile(r"^/v2/(?P<name>.+?)/(?P<kind>manifests|blobs|tags)(?:/(?P<rest>.*))?$")


def repository_of(path: str):
    match = _REPO_PATH.match(path)
    return match.group("name") if match else None


def manifest_reference(path: str):
    """The tag or digest of a /v2/<name>/manifests/<reference> path, else None."""
    match = _REPO_PATH.match(path)
    if match is None or match.group("kind") != "manifests":
        return None
    return match.group("rest") or None


def required_scope(method: str, path: str, query: dict | None = None):
    """The token scope a /v2/ request needs: list of (type, name, actions)."""
    if path.rstrip("/") == "/v2":
        return []
    if path.startswith("/v2/_catalog"):
        return [("registry", "catalog", ["*"])]
    repo = repository_of(path)
    if not repo:
        return []
    if method in ("GET", "HEAD"):
        actions = ["pull"]
    elif method == "DELETE":
        actions = ["delete"]
    else:
        actions = ["pull", "push"]
    scopes = [("repository", repo, actions)]
    mount_from = (query or {}).get("from")
    if method == "POST" and mount_from:
        scopes.append(("repository", mount_from, ["pull"]))
    return scopes
