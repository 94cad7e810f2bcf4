"""The sim's data plane wired into aiohttp: /service/token, the /v2/ proxy and
/service/notifications. Everything the control plane owns (users, projects, policies,
registries, faults, the database) is reached through `host` (see dataplane_host.py).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hmac
import json
import logging

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from . import errors, immutable, notifications, oci_client, registry_backend, token
from .artifact_store import ArtifactStore
from .jobqueue import make_queue
from .replication.engine import ReplicationEngine
from .replication.store import ExecutionStore

LOG = logging.getLogger("harbor_sim.dataplane")
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "host", "content-length"}
DATAPLANE_KEY = web.AppKey("harbor_sim_dataplane", object)
PRINCIPAL_KEY = "harbor_sim_principal"  # where the sim's middleware leaves the Basic-auth login
RECORD_WAIT_SECONDS = 10


def _registry_error(status, code, message, challenge=None):
    body = json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}) + "\n"
    headers = {"Docker-Distribution-Api-Version": "registry/2.0"}
    if challenge:
        headers["WWW-Authenticate"] = challenge
    return web.Response(status=status, text=body, content_type="application/json", headers=headers)


def _basic_credentials(request):
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")
    except Exception:
        return ("", "")
    return user, password


def robot_registry_actions(permissions):
    """Robot permissions ('resource:action') -> registry token actions."""
    perms = set(permissions or ())
    actions = set()
    if "repository:pull" in perms:
        actions.add("pull")
    if "repository:push" in perms:
        actions.add("push")
    if perms & {"repository:delete", "artifact:delete"}:
        actions.add("delete")
    return actions


class Dataplane:
    def __init__(self, host, data_dir, external_url, notify_url, registry_url=None,
                 redis_url=None):
        self.host = host
        self.data_dir = data_dir
        self._events = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                             thread_name_prefix="harbor-sim-events")
        self.external_url = external_url.rstrip("/")
        self.keys = token.TokenKeys(data_dir)
        self.notify_secret = registry_backend.notification_secret(data_dir)
        self.registry_proc = None
        self.registry_url = registry_url.rstrip("/") if registry_url else None
        self.notify_url = notify_url
        self.artifacts = ArtifactStore(host.db())
        self.executions = ExecutionStore(host.db())
        self.queue = make_queue(redis_url)
        self.engine = ReplicationEngine(self.executions, self, self.queue)
        self._session = None
        oci_client.set_faults_getter(host.faults)

    # -- what the engine needs from us (policies etc. are delegated to the host) ---------
    def token_keys(self):
        return self.keys

    def local_registry_url(self):
        return self.registry_url

    def policies(self):
        return self.host.policies()

    def policy(self, policy_id):
        return self.host.policy(policy_id)

    def registry(self, registry_id):
        return self.host.registry(registry_id)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self):
        self.artifacts.create_schema()
        self.executions.create_schema()
        if not self.registry_url:
            self.registry_proc = registry_backend.RegistryProcess(
                self.data_dir, self.external_url, self.notify_url,
                notify_ca_file=self._notify_ca_file())
            self.registry_proc.start()
            self.registry_url = self.registry_proc.url
        self.queue.start(self.run_job, workers=2)
        self.engine.start_scheduler()

    def _notify_ca_file(self):
        """The sim's own TLS certificate when it serves HTTPS (the registry must trust it)."""
        if not self.notify_url.startswith("https://"):
            return None
        getter = getattr(self.host, "tls_cert_file", None)
        if getter is not None:
            return getter()
        settings = getattr(getattr(self.host, "sim", None), "settings", None)
        return getattr(settings, "tls_cert", None)

    def stop(self):
        self._events.shutdown(wait=True)
        self.engine.stop()
        self.queue.stop()
        if self.registry_proc:
            self.registry_proc.stop()

    async def on_startup(self, app):
        await asyncio.get_running_loop().run_in_executor(None, self.start)
        self._session = aiohttp.ClientSession(auto_decompress=False,
                                              timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))

    async def on_cleanup(self, app):
        if self._session:
            await self._session.close()
        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    def run_job(self, job):
        if job.get("kind") == "replication":
            self.engine.run_job(job)

    def add_routes(self, app):
        app[DATAPLANE_KEY] = self
        app.router.add_get("/service/token", self.handle_token)
        app.router.add_post("/service/notifications", self.handle_notifications)
        app.router.add_route("*", "/v2/{tail:.*}", self.handle_v2)
        app.router.add_route("*", "/v2", self.handle_v2)
        app.on_startup.append(self.on_startup)
        app.on_cleanup.append(self.on_cleanup)

    async def _blocking(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    # -- token service -------------------------------------------------------------------
    def _principal_from_basic(self, creds):
        """None = anonymous; False = wrong credentials; else the host's principal."""
        if creds is None:
            return None
        principal = self.host.authenticate(creds[0], creds[1])
        return principal if principal is not None else False

    async def _request_principal(self, request, creds):
        """Like _principal_from_basic, reusing the middleware's login when it already ran."""
        if creds is None:
            return None
        if PRINCIPAL_KEY in request:
            principal = request[PRINCIPAL_KEY]
            return principal if principal is not None else False
        return await self._blocking(self._principal_from_basic, creds)

    def _access_for(self, principal, scopes):
        access = []
        for scope in scopes:
            if scope.type == "registry" and scope.name == "catalog":
                allowed = ["*"] if principal and self.host.is_sysadmin(principal) else []
                access.append({"type": "registry", "name": "catalog", "actions": allowed})
                continue
            if scope.type != "repository":
                continue
            project = self.host.project(scope.name.split("/")[0]) if "/" in scope.name else None
            if project is None:
                actions = []
            elif principal and self.host.is_sysadmin(principal):
                actions = token.allowed_repository_actions(scope.actions, is_admin=True)
            elif principal and self.host.is_robot(principal):
                actions = token.allowed_repository_actions(
                    scope.actions, public=project["public"],
                    robot_actions=robot_registry_actions(self.host.robot_actions(principal, project)))
            else:
                role = self.host.project_role(principal, project) if principal else None
                actions = token.allowed_repository_actions(scope.actions, role=role,
                                                           public=project["public"])
            access.append({"type": "repository", "name": scope.name, "actions": actions})
        return access

    def _subject(self, principal):
        return self.host.principal_name(principal) if principal else ""

    async def handle_token(self, request):
        creds = _basic_credentials(request)
        principal = await self._request_principal(request, creds)
        if principal is False:
            return web.json_response(
                {"errors": [{"code": "UNAUTHORIZED", "message": "invalid credentials"}]}, status=401)
        scopes = token.parse_scopes(request.query.getall("scope", []))
        access = await self._blocking(self._access_for, principal, scopes)
        body = token.make_token(self.keys, self._subject(principal), access)
        return web.json_response(body)

    # -- /v2/ proxy ----------------------------------------------------------------------
    def _challenge(self, scope=None):
        value = f'Bearer realm="{self.external_url}/service/token",service="{token.SERVICE}"'
        if scope:
            value += f',scope="{scope}"'
        return value

    async def handle_v2(self, request):
        path = request.path
        # a multidict: clients send several Accept headers and the registry negotiates on all
        headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP)
        needed = registry_backend.required_scope(request.method, path, dict(request.query))
        creds = _basic_credentials(request)
        if creds is not None:
            # Harbor also accepts Basic on /v2/: check it here, hand the registry a token
            principal = await self._request_principal(request, creds)
            if principal is False:
                return _registry_error(401, "UNAUTHORIZED", "authentication required",
                                       self._challenge())
            scopes = [token.Scope(t, n, list(a)) for t, n, a in needed]
            access = await self._blocking(self._access_for, principal, scopes)
            minted = token.make_token(self.keys, self._subject(principal), access, ttl=300)
            headers["Authorization"] = "Bearer " + minted["token"]  # replaces Basic
        repo = registry_backend.repository_of(path)
        if repo is not None:
            project_name = repo.split("/")[0]
            project = await self._blocking(self.host.project, project_name) if "/" in repo else None
            if project is None:
                msg = f"project {project_name} not found: project {project_name} not found"
                return _registry_error(404 if request.method in ("GET", "HEAD") else 401,
                                       "NOT_FOUND" if request.method in ("GET", "HEAD") else "UNAUTHORIZED",
                                       msg, None if request.method in ("GET", "HEAD") else self._challenge())
            refusal = await self._blocking(immutable.registry_refusal, self.host.db(), self.artifacts,
                                           project["project_id"], request.method, path)
            if refusal:  # immutable tag rules (Harbor's immutable middleware / tag controller)
                return errors.error_response(412, "PRECONDITION", refusal)
        target = self.registry_url + path + (("?" + request.query_string) if request.query_string else "")
        body = None
        if request.body_exists:
            body = request.content
            if request.content_length is not None:
                headers["Content-Length"] = str(request.content_length)
        try:
            upstream = await self._session.request(request.method, target, headers=headers,
                                                   data=body, allow_redirects=False)
        except aiohttp.ClientError as exc:
            LOG.error("registry unreachable: %s", exc)
            return _registry_error(503, "UNAVAILABLE", "registry unavailable")
        try:
            if request.method == "PUT" and upstream.status == 201 and repo is not None:
                await self._recorded(path, repo)
            out_headers = CIMultiDict((k, v) for k, v in upstream.headers.items()
                                      if k.lower() not in HOP_BY_HOP or k.lower() == "content-length")
            response = web.StreamResponse(status=upstream.status, headers=out_headers)
            if upstream.headers.get("Content-Length") is None and request.method != "HEAD":
                response.enable_chunked_encoding()
            await response.prepare(request)
            if request.method != "HEAD":
                async for chunk in upstream.content.iter_chunked(256 * 1024):
                    await response.write(chunk)
            await response.write_eof()
            return response
        finally:
            upstream.release()

    async def _recorded(self, path, repo):
        """Answer a manifest push only once its artifact (and tag) is in the database, as Harbor's
        putManifest records it before the 201 reaches the client (src/server/registry/manifest.go:
        artifact.Ctl.Ensure after the proxied PUT): an API read right after `docker push` sees it.
        The sim records it from the registry's event, so wait for that event (bounded)."""
        match = registry_backend.manifest_reference(path)
        if match is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RECORD_WAIT_SECONDS
        while await self._blocking(self.artifacts.artifact, repo, match) is None:
            if loop.time() >= deadline:
                LOG.warning("manifest %s@%s pushed but not recorded after %ss", repo, match,
                            RECORD_WAIT_SECONDS)
                return
            await asyncio.sleep(0.05)

    # -- registry events -----------------------------------------------------------------
    async def handle_notifications(self, request):
        expected = f"Harbor-Secret {self.notify_secret}"
        if not hmac.compare_digest(request.headers.get("Authorization", ""), expected):
            return web.json_response({"errors": [{"code": "UNAUTHORIZED", "message": "unauthorized"}]},
                                     status=401)
        try:
            envelope = json.loads(await request.read())
        except ValueError:
            return web.json_response({"errors": [{"code": "BAD_REQUEST", "message": "invalid events"}]},
                                     status=400)
        events = envelope.get("events") or []
        # answer at once: a slow answer makes the registry's sink time out and resend the batch
        # (duplicate events); one thread keeps the events in the order the registry sent them
        asyncio.get_running_loop().run_in_executor(self._events, self.process_events, events)
        return web.Response(status=200)

    def process_events(self, events):
        notifications.process_events(self, events)

    # -- used by the API modules ---------------------------------------------------------
    def delete_repository(self, repository):
        """Delete every artifact of a repository WITHOUT artifact events: as in Harbor, a
        repository deletion is not replicated (issue #14812). The rows go first, so the
        registry's delete notifications that follow find nothing to report."""
        row = self.artifacts.repository(repository)
        if row is None:
            return
        top = [a["digest"] for a in self.artifacts.top_level_artifacts(row["id"])]
        every = [a["digest"] for a in self.artifacts.db.query(
            "SELECT digest FROM simdata_artifact WHERE repository_id = ?", (row["id"],))]
        digests = top + [d for d in every if d not in top]  # indexes before their children
        self.artifacts.remove_repository(repository)
        with self.engine.local_client() as client:
            for digest in digests:
                client.delete_manifest(repository, digest)

    def delete_artifact(self, repository, digest):
        """Delete in the registry, forget it, and fire DELETE_ARTIFACT (event replication)."""
        with self.engine.local_client() as client:
            client.delete_manifest(repository, digest)
        tags = self.artifacts.remove_artifact(repository, digest)
        if tags is not None:
            self.engine.on_artifact_event("deletion", repository, digest, tags)
