"""Outgoing OCI distribution client (what Harbor's replication adapters and health checks do).

Synchronous (requests); replication runs it in worker threads, the aiohttp server calls
`ping` through an executor. Every connection honours the sim's faults:
`blocked_hosts` (host:port refused before any socket is opened) and `transfer_kbps`
(throttles blob bodies), read through the getter installed with `set_faults_getter`.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import os
import re
import tempfile
import threading
import time
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

MANIFEST_LIST_TYPES = (
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
)
ACCEPT = ", ".join(MANIFEST_LIST_TYPES + MANIFEST_TYPES)
CHUNK = 1024 * 1024
TIMEOUT = (5, 120)  # connect, read

_faults_getter = lambda: {}  # noqa: E731  replaced by the server at start-up


def set_faults_getter(getter) -> None:
    """getter() -> {"blocked_hosts": ["host:port"], "transfer_kbps": int}"""
    global _faults_getter
    _faults_getter = getter


_trust_bundle = None  # CA file for verified TLS without a per-endpoint CA; None: the system store


def install_trust(ca_dir, out_path):
    """What Harbor's containers do at start (make/photon/common/install_cert.sh): the system CA bundle
    plus every *.crt, *.ca, *.ca-bundle and *.pem file of /harbor_cust_cert (prepare's
    trust-certificates directory) becomes the trust store of outgoing TLS. Returns the bundle path."""
    global _trust_bundle
    if not ca_dir:
        _trust_bundle = None
        return None
    parts = [_system_bundle_text()]
    if os.path.isdir(ca_dir):
        for name in sorted(os.listdir(ca_dir)):
            path = os.path.join(ca_dir, name)
            if name.endswith((".crt", ".ca", ".ca-bundle", ".pem")) and os.path.isfile(path):
                parts.append(_read(path))
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path + ".tmp", "w", encoding="ascii", errors="replace") as fh:
        fh.write("\n".join(p.strip() + "\n" for p in parts if p.strip()))
    os.replace(out_path + ".tmp", out_path)
    _trust_bundle = out_path
    return out_path


def trust_store_file() -> str:
    """The CA file of the trust store Harbor's Go code verifies with when no CA is given: the bundle
    install_trust made, else the system one."""
    return _trust_bundle or _system_bundle_file()


def _system_bundle_file() -> str:
    import ssl

    path = ssl.get_default_verify_paths().cafile
    if not path:
        import certifi

        path = certifi.where()
    return path


def _system_bundle_text() -> str:
    return _read(_system_bundle_file())


def _read(path) -> str:
    with open(path, encoding="ascii", errors="replace") as fh:
        return fh.read()


def current_faults() -> dict:
    try:
        return _faults_getter() or {}
    except Exception:  # a broken getter must not break replication
        return {}


class OCIError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class TransferCancelled(OCIError):
    pass


def host_port(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


class _FaultAdapter(HTTPAdapter):
    """Refuses connections to blocked host:port like a closed port would."""

    def send(self, request, **kwargs):
        target = host_port(request.url)
        if target in set(current_faults().get("blocked_hosts") or ()):
            raise requests.ConnectionError(
                f"dial tcp {target}: connect: connection refused (blocked by /_sim/faults)")
        return super().send(request, **kwargs)


class _Throttle:
    """Shared byte budget: the lowest non-zero of policy speed and fault transfer_kbps."""

    def __init__(self, speed_kbps: int = 0):
        self.speed_kbps = speed_kbps or 0
        self.start = time.monotonic()
        self.sent = 0

    def limit(self) -> int:
        limits = [x for x in (self.speed_kbps, int(current_faults().get("transfer_kbps") or 0)) if x > 0]
        return min(limits) if limits else 0

    def account(self, nbytes: int) -> None:
        self.sent += nbytes
        kbps = self.limit()
        if kbps <= 0:
            self.start, self.sent = time.monotonic(), 0
            return
        wanted = self.sent / (kbps * 1024.0)
        elapsed = time.monotonic() - self.start
        if wanted > elapsed:
            time.sleep(wanted - elapsed)


def _parse_challenge(header: str):
    scheme, _, rest = header.partition(" ")
    params = dict(re.findall(r'(\w+)="([^"]*)"', rest))
    return scheme.lower(), params


class RegistryClient:
    """A client for one registry endpoint (base URL, optional Basic credentials).

    token_provider(scopes) -> token lets the sim talk to its own registry without a
    challenge round-trip (it mints the token itself).
    """

    def __init__(self, url, username=None, password=None, insecure=False, ca_pem=None,
                 speed_kbps=0, token_provider=None):
        self.base = url.rstrip("/")
        self.username = username or None
        self.password = password or ""
        self.token_provider = token_provider
        self.session = requests.Session()
        self.session.trust_env = False  # never route test traffic through a proxy
        # no cookie jar: a Harbor `sid` cookie replayed on a write triggers its CSRF check
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        adapter = _FaultAdapter(pool_maxsize=8)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._ca_file = None
        # Harbor's GetHTTPTransport (src/common/http/transport.go, 2.15): an endpoint CA first (the
        # system pool plus that CA, insecure then unused), else insecure, else the system pool.
        if ca_pem:
            fd, self._ca_file = tempfile.mkstemp(prefix="simdata-ca-", suffix=".pem")
            with os.fdopen(fd, "w") as fh:
                base = _read(_trust_bundle) if _trust_bundle else _system_bundle_text()
                fh.write(base.strip() + "\n" + ca_pem.strip() + "\n")
            self.session.verify = self._ca_file
        elif insecure:
            self.session.verify = False
        elif _trust_bundle:
            self.session.verify = _trust_bundle
        self.throttle = _Throttle(speed_kbps)
        self.cancel_check = None  # callable -> True when the transfer must stop (execution stopped)
        self._tokens = {}
        self._basic = False
        self._lock = threading.Lock()

    def close(self):
        self.session.close()
        if self._ca_file:
            try:
                os.unlink(self._ca_file)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- auth --------------------------------------------------------------------------------
    def _fetch_token(self, params: dict, scopes: list) -> str:
        realm = params.get("realm")
        if not realm:
            raise OCIError("bearer challenge without realm")
        query = [("service", params.get("service", ""))] + [("scope", s) for s in scopes]
        auth = (self.username, self.password) if self.username else None
        resp = self.session.get(realm, params=query, auth=auth, timeout=TIMEOUT)
        if resp.status_code != 200:
            raise OCIError(f"token request to {realm} failed: {resp.status_code}", resp.status_code)
        body = resp.json()
        token = body.get("token") or body.get("access_token")
        if not token:
            raise OCIError("token response without token")
        return token

    def _auth_header(self, scopes: list):
        key = " ".join(scopes)
        if self.token_provider is not None:
            return {"Authorization": "Bearer " + self.token_provider(scopes)}
        if key in self._tokens:
            return {"Authorization": "Bearer " + self._tokens[key]}
        if self._basic and self.username:
            return {}
        return {}

    def request(self, method, path, scopes=(), headers=None, allow_status=(), **kwargs):
        """One request with challenge handling; raises OCIError on unexpected status."""
        scopes = list(scopes)
        url = path if path.startswith("http") else self.base + path
        hdrs = dict(headers or {})
        hdrs.update(self._auth_header(scopes))
        kwargs.setdefault("timeout", TIMEOUT)
        auth = (self.username, self.password) if (self._basic and self.username) else None
        resp = self.session.request(method, url, headers=hdrs, auth=auth, **kwargs)
        if resp.status_code == 401 and self.token_provider is None:
            scheme, params = _parse_challenge(resp.headers.get("WWW-Authenticate", ""))
            resp.close()
            if scheme == "bearer":
                wanted = list(scopes)
                if params.get("scope") and params["scope"] not in wanted:
                    wanted.append(params["scope"])
                token = self._fetch_token(params, wanted)
                self._tokens[" ".join(scopes)] = token
                hdrs["Authorization"] = "Bearer " + token
                auth = None
            elif scheme == "basic" and self.username:
                self._basic = True
                auth = (self.username, self.password)
            else:
                raise OCIError(f"{method} {url}: unauthorized", 401)
            data = kwargs.get("data")
            if data is not None and not isinstance(data, (bytes, str)):
                raise OCIError("cannot replay a streamed body after a challenge", 401)
            resp = self.session.request(method, url, headers=hdrs, auth=auth, **kwargs)
        if resp.status_code >= 400 and resp.status_code not in allow_status:
            text = resp.text[:300]
            resp.close()
            raise OCIError(f"{method} {url}: {resp.status_code} {text}", resp.status_code)
        return resp

    # -- registry operations -----------------------------------------------------------------
    def ping(self) -> bool:
        """GET /v2/ (+ a token for the catalog scope when challenged); True when usable."""
        try:
            resp = self.session.get(self.base + "/v2/", timeout=(5, 15))
            if resp.status_code == 200:
                return True
            if resp.status_code != 401:
                return False
            scheme, params = _parse_challenge(resp.headers.get("WWW-Authenticate", ""))
            if scheme == "bearer":
                token = self._fetch_token(params, [])
                check = self.session.get(self.base + "/v2/", timeout=(5, 15),
                                         headers={"Authorization": "Bearer " + token})
                return check.status_code == 200
            if scheme == "basic" and self.username:
                check = self.session.get(self.base + "/v2/", timeout=(5, 15),
                                         auth=(self.username, self.password))
                return check.status_code == 200
            return False
        except (requests.RequestException, OCIError, ValueError):
            return False

    def catalog(self) -> list:
        repos, url = [], "/v2/_catalog?n=1000"
        while url:
            resp = self.request("GET", url, scopes=["registry:catalog:*"])
            repos.extend(resp.json().get("repositories") or [])
            url = _next_link(resp)
        return repos

    def list_tags(self, repo: str) -> list:
        tags, url = [], f"/v2/{repo}/tags/list?n=1000"
        while url:
            resp = self.request("GET", url, scopes=[f"repository:{repo}:pull"],
                                allow_status=(404,))
            if resp.status_code == 404:
                return []
            tags.extend(resp.json().get("tags") or [])
            url = _next_link(resp)
        return tags

    def head_manifest(self, repo: str, ref: str):
        """Digest of the manifest, or None when absent."""
        resp = self.request("HEAD", f"/v2/{repo}/manifests/{ref}", scopes=[f"repository:{repo}:pull"],
                            headers={"Accept": ACCEPT}, allow_status=(404,))
        if resp.status_code == 404:
            return None
        return resp.headers.get("Docker-Content-Digest")

    def get_manifest(self, repo: str, ref: str):
        """(body bytes, media type, digest)."""
        resp = self.request("GET", f"/v2/{repo}/manifests/{ref}", scopes=[f"repository:{repo}:pull"],
                            headers={"Accept": ACCEPT})
        body = resp.content
        digest = resp.headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(body).hexdigest()
        media_type = resp.headers.get("Content-Type", "").split(";")[0].strip()
        return body, media_type, digest

    def put_manifest(self, repo: str, ref: str, body: bytes, media_type: str) -> str:
        resp = self.request("PUT", f"/v2/{repo}/manifests/{ref}",
                            scopes=[f"repository:{repo}:pull,push"],
                            headers={"Content-Type": media_type}, data=body)
        return resp.headers.get("Docker-Content-Digest", "")

    def delete_manifest(self, repo: str, ref: str) -> bool:
        """Delete by digest (a tag is resolved first); False when already absent."""
        digest = ref if ref.startswith("sha256:") else self.head_manifest(repo, ref)
        if not digest:
            return False
        resp = self.request("DELETE", f"/v2/{repo}/manifests/{digest}",
                            scopes=[f"repository:{repo}:delete"], allow_status=(404,))
        return resp.status_code == 202

    def blob_exists(self, repo: str, digest: str) -> bool:
        resp = self.request("HEAD", f"/v2/{repo}/blobs/{digest}", scopes=[f"repository:{repo}:pull"],
                            allow_status=(404,))
        return resp.status_code == 200

    def mount_blob(self, repo: str, digest: str, from_repo: str) -> bool:
        resp = self.request("POST", f"/v2/{repo}/blobs/uploads/?mount={digest}&from={from_repo}",
                            scopes=[f"repository:{repo}:pull,push", f"repository:{from_repo}:pull"],
                            data=b"")
        if resp.status_code == 201:
            return True
        # 202: the registry started an upload instead; cancel it
        loc = resp.headers.get("Location")
        if loc:
            self.request("DELETE", urljoin(self.base + "/", loc), scopes=[f"repository:{repo}:pull,push"],
                         allow_status=(404, 405))
        return False

    def get_blob(self, repo: str, digest: str):
        return self.request("GET", f"/v2/{repo}/blobs/{digest}", scopes=[f"repository:{repo}:pull"],
                            stream=True)

    def upload_blob(self, repo: str, digest: str, chunks, size: int, chunked: bool = False) -> None:
        """POST an upload then PUT the data (monolithic), or PATCH it in pieces (chunked)."""
        scopes = [f"repository:{repo}:pull,push"]
        resp = self.request("POST", f"/v2/{repo}/blobs/uploads/", scopes=scopes, data=b"")
        location = urljoin(self.base + "/", resp.headers["Location"])
        if chunked:
            offset = 0
            for piece in chunks:
                if not piece:
                    continue
                resp = self.request("PATCH", location, scopes=scopes, data=piece, headers={
                    "Content-Type": "application/octet-stream",
                    "Content-Range": f"{offset}-{offset + len(piece) - 1}"})
                offset += len(piece)
                location = urljoin(self.base + "/", resp.headers["Location"])
            body, hdrs = b"", {"Content-Length": "0"}
        else:
            # a sized iterable: requests then sends Content-Length instead of chunked encoding
            body = _SizedStream(chunks, size) if size else chunks
            hdrs = {"Content-Type": "application/octet-stream"}
        sep = "&" if "?" in location else "?"
        self.request("PUT", f"{location}{sep}digest={digest}", scopes=scopes, data=body, headers=hdrs)

    def throttled(self, resp):
        next_check = time.monotonic() + 0.5
        try:
            for piece in resp.iter_content(CHUNK if not self.throttle.limit() else 16 * 1024):
                self.throttle.account(len(piece))
                if self.cancel_check and time.monotonic() >= next_check:
                    next_check = time.monotonic() + 0.5
                    if self.cancel_check():
                        raise TransferCancelled("transfer stopped")
                yield piece
        finally:
            resp.close()


class _SizedStream:
    def __init__(self, chunks, size):
        self._chunks, self._size = chunks, size

    def __iter__(self):
        return iter(self._chunks)

    def __len__(self):
        return self._size


def _next_link(resp):
    link = resp.headers.get("Link", "")
    match = re.search(r'<([^>]+)>;\s*rel="next"', link)
    return match.group(1) if match else None


def ping(url, insecure=False, access_key=None, access_secret=None, ca_pem=None, registry_type=None):
    """Health check of a remote registry as Harbor does on registry create/update/ping."""
    with RegistryClient(url, access_key, access_secret, insecure=insecure, ca_pem=ca_pem) as client:
        return "healthy" if client.ping() else "unhealthy"


def _same_registry(a: RegistryClient, b: RegistryClient) -> bool:
    return a.base == b.base


def copy_blob(src, src_repo, dst, dst_repo, digest, size, chunked=False) -> str:
    """Copy one blob; returns how: 'exists', 'mounted' or 'uploaded'."""
    if dst.blob_exists(dst_repo, digest):
        return "exists"
    if _same_registry(src, dst) and src_repo != dst_repo and dst.mount_blob(dst_repo, digest, src_repo):
        return "mounted"
    resp = src.get_blob(src_repo, digest)
    total = int(resp.headers.get("Content-Length") or size or 0)
    if chunked:
        pieces = _rechunk(dst.throttled(resp), 10 * CHUNK)
    else:
        pieces = dst.throttled(resp)
    dst.upload_blob(dst_repo, digest, pieces, total, chunked=chunked)
    return "uploaded"


def _rechunk(stream, size):
    buf = b""
    for piece in stream:
        buf += piece
        while len(buf) >= size:
            yield buf[:size]
            buf = buf[size:]
    if buf:
        yield buf


def copy_manifest(src, src_repo, ref, dst, dst_repo, dst_ref, chunked=False, log=None):
    """Copy a manifest (recursively for lists/indexes) and its blobs; returns its digest."""
    import json

    body, media_type, digest = src.get_manifest(src_repo, ref)
    doc = json.loads(body)
    media_type = media_type or doc.get("mediaType", "")
    if media_type in MANIFEST_LIST_TYPES or "manifests" in doc:
        for child in doc.get("manifests") or []:
            copy_manifest(src, src_repo, child["digest"], dst, dst_repo, child["digest"],
                          chunked=chunked, log=log)
    else:
        blobs = [doc.get("config")] + list(doc.get("layers") or [])
        for blob in blobs:
            if not blob or blob.get("urls"):  # foreign layers stay where they are
                continue
            how = copy_blob(src, src_repo, dst, dst_repo, blob["digest"], blob.get("size", 0), chunked)
            if log:
                log(f"blob {blob['digest']} ({blob.get('size', 0)} bytes): {how}")
    dst.put_manifest(dst_repo, dst_ref, body, media_type)
    if log:
        log(f"manifest {digest} pushed as {dst_repo}:{dst_ref}")
    return digest


def ensure_harbor_project(client: RegistryClient, project: str) -> bool:
    """Harbor adapter's PrepareForPush: create the destination project when missing.

    Returns True when it was created. Uses the endpoint's Basic credentials on the API.
    """
    auth = (client.username, client.password) if client.username else None
    api = client.base + "/api/v2.0/projects"
    resp = client.session.head(api, params={"project_name": project}, auth=auth, timeout=TIMEOUT)
    if resp.status_code == 200:
        return False
    resp = client.session.post(api, json={"project_name": project, "metadata": {"public": "false"}},
                               auth=auth, timeout=TIMEOUT)
    if resp.status_code == 201:
        return True
    if resp.status_code == 409:
        return False
    raise OCIError(f"cannot create project {project} on {client.base}: {resp.status_code} "
                   f"{resp.text[:200]}", resp.status_code)
