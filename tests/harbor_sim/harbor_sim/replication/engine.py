"""Replication engine (Harbor's jobservice replication flow), run in job-queue worker threads.

An execution is one job: list the source resources (or take the event's one), create the
tasks, run them one after the other, then set the execution's final status. As in Harbor,
nothing is retried: a failed task stays Failed, and a later manual execution brings the
destination level.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time

from .. import oci_client
from ..token import make_token, parse_scopes
from . import filters
from .cron import Cron, CronError
from .namespace import NamespaceError, replace_namespace

LOG = logging.getLogger("harbor_sim.replication")


class StopRequested(Exception):
    pass


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _resource_text(repo, tags, digest):
    return f"{repo}:[{','.join(tags)}]" if tags else f"{repo}@{digest}"


class ReplicationEngine:
    """store: replication.store.ExecutionStore; host: dataplane host (policies, registries,
    local registry URL, token keys); queue: jobqueue.*Queue."""

    def __init__(self, store, host, queue):
        self.store = store
        self.host = host
        self.queue = queue
        self._sched_thread = None
        self._stopping = threading.Event()

    # -- clients -------------------------------------------------------------------------
    def local_client(self, speed=0):
        keys = self.host.token_keys()

        def provider(scopes):
            access = [s.as_access() for s in parse_scopes(scopes)]
            for a in access:
                if a["type"] == "repository":
                    a["actions"] = sorted(set(a["actions"]) | {"pull", "push", "delete"})
            return make_token(keys, "harbor#jobservice", access, ttl=600)["token"]

        return oci_client.RegistryClient(self.host.local_registry_url(), speed_kbps=speed,
                                         token_provider=provider)

    def remote_client(self, registry, speed=0):
        # the host gives the flat form (access_key/access_secret, real secret); the API form nests it
        cred = registry.get("credential") or registry
        return oci_client.RegistryClient(
            registry["url"], cred.get("access_key"), cred.get("access_secret"),
            insecure=bool(registry.get("insecure")), ca_pem=registry.get("ca_certificate"),
            speed_kbps=speed)

    def _clients(self, policy):
        speed = max(0, int(policy.get("speed") or 0))
        src_id = int((policy.get("src_registry") or {}).get("id") or 0)
        dst_id = int((policy.get("dest_registry") or {}).get("id") or 0)
        src = self.local_client(speed) if src_id == 0 else self.remote_client(self.host.registry(src_id), speed)
        dst_reg = None if dst_id == 0 else self.host.registry(dst_id)
        dst = self.local_client(speed) if dst_id == 0 else self.remote_client(dst_reg, speed)
        return src, dst, dst_reg

    # -- triggers --------------------------------------------------------------------------
    def start_execution(self, policy, trigger="manual", resources=None):
        exec_id = self.store.create_execution(policy["id"], trigger)
        self.queue.submit({"kind": "replication", "execution_id": exec_id,
                           "policy_id": policy["id"], "resources": resources})
        return exec_id

    def on_artifact_event(self, op, repository, digest, tags):
        """op 'copy' (PUSH_ARTIFACT) or 'deletion' (DELETE_ARTIFACT): fire event_based policies."""
        started = []
        for policy in self.host.policies():
            trigger = (policy.get("trigger") or {}).get("type")
            if trigger != "event_based" or not policy.get("enabled"):
                continue
            if int((policy.get("src_registry") or {}).get("id") or 0) != 0:
                continue  # only push-mode (local source) policies fire on events
            if op == "deletion" and not policy.get("deletion"):
                continue
            fl = policy.get("filters") or []
            if not (filters.repository_matches(fl, repository) and filters.resource_type_matches(fl)
                    and filters.labels_match(fl, [])):
                continue
            kept = filters.select_tags(fl, tags)
            if kept is None:
                continue
            res = [{"repository": repository, "digest": digest, "tags": kept, "op": op}]
            started.append(self.start_execution(policy, "event_based", res))
        return started

    # -- the job ---------------------------------------------------------------------------
    def run_job(self, job):
        exec_id = job["execution_id"]
        execution = self.store.get_execution(exec_id)
        if execution is None or execution["status"] != "InProgress":
            return
        try:
            policy = self.host.policy(job["policy_id"])
            if policy is None:
                raise RuntimeError(f"replication policy {job['policy_id']} not found")
            src, dst, dst_reg = self._clients(policy)
        except Exception as exc:  # bad policy/registry: the execution fails, visibly
            self.store.finish_execution(exec_id, "Failed", f"failed to start: {exc}")
            return
        try:
            resources = job.get("resources")
            if resources is None:
                try:
                    resources = self._enumerate(src, policy)
                except Exception as exc:
                    self.store.finish_execution(exec_id, "Failed",
                                                f"failed to fetch source resources: {exc}")
                    return
            plan = []
            for res in resources:
                try:
                    dst_repo = replace_namespace(res["repository"], policy.get("dest_namespace") or "",
                                                 policy.get("dest_namespace_replace_count"))
                except NamespaceError as exc:
                    dst_repo, res = None, dict(res, error=str(exc))
                task_id = self.store.create_task(
                    exec_id, res.get("op", "copy"),
                    _resource_text(res["repository"], res.get("tags"), res["digest"]),
                    _resource_text(dst_repo or "?", res.get("tags"), res["digest"]))
                plan.append((task_id, res, dst_repo))
            stopped = False
            for task_id, res, dst_repo in plan:
                if stopped or self._stop_requested(exec_id):
                    stopped = True
                    self.store.finish_task(task_id, "Stopped")
                    continue
                stopped = not self._run_task(task_id, exec_id, res, dst_repo, src, dst, dst_reg, policy)
            tasks = self.store.list_tasks(exec_id)
            if stopped or self._stop_requested(exec_id):
                status = "Stopped"
            elif any(t["status"] == "Failed" for t in tasks):
                status = "Failed"
            else:
                status = "Succeed"
            self.store.finish_execution(exec_id, status, "")
        finally:
            src.close()
            dst.close()

    def _stop_requested(self, exec_id):
        execution = self.store.get_execution(exec_id)
        return execution is None or execution["status"] == "Stopped"

    def _run_task(self, task_id, exec_id, res, dst_repo, src, dst, dst_reg, policy):
        """Returns False when the execution was stopped during the task."""
        self.store.start_task(task_id)
        lines = []

        def log(msg):
            if self._stop_requested(exec_id):
                raise StopRequested()
            stamp = _now().strftime("%Y-%m-%dT%H:%M:%SZ")
            lines.append(f"{stamp} [INFO] {msg}")

        status = "Succeed"
        dst.cancel_check = lambda: self._stop_requested(exec_id)
        try:
            if res.get("error"):
                raise RuntimeError(res["error"])
            if res.get("op") == "deletion":
                self._delete(res, dst_repo, dst, log)
            else:
                self._copy(res, dst_repo, src, dst, dst_reg, policy, log)
        except (StopRequested, oci_client.TransferCancelled):
            status = "Stopped"
            lines.append("stopped by request")
        except Exception as exc:
            # a stop can surface as any transport error from inside an upload
            status = "Stopped" if self._stop_requested(exec_id) else "Failed"
            stamp = _now().strftime("%Y-%m-%dT%H:%M:%SZ")
            lines.append(f"{stamp} [ERROR] {exc}")
            LOG.warning("replication task %s failed: %s", task_id, exc)
        finally:
            dst.cancel_check = None
        self.store.finish_task(task_id, status, "\n".join(lines) + "\n")
        return status != "Stopped"

    def _copy(self, res, dst_repo, src, dst, dst_reg, policy, log):
        repo, digest, tags = res["repository"], res["digest"], list(res.get("tags") or [])
        log(f"copying {repo}@{digest} tags {tags} to {dst.base}/{dst_repo}")
        if dst_reg is not None and dst_reg.get("type") == "harbor":
            created = oci_client.ensure_harbor_project(dst, dst_repo.split("/")[0])
            if created:
                log(f"created project {dst_repo.split('/')[0]} on the destination")
        refs = tags or [digest]
        for ref in refs:
            existing = dst.head_manifest(dst_repo, ref)
            if existing == digest:
                log(f"{dst_repo}:{ref} already has {digest}, skipped")
                continue
            if existing and not policy.get("override"):
                log(f"{dst_repo}:{ref} exists ({existing}) and override is off, skipped")
                continue
            oci_client.copy_manifest(src, repo, digest, dst, dst_repo, ref,
                                     chunked=bool(policy.get("copy_by_chunk")), log=log)
        log("done")

    def _delete(self, res, dst_repo, dst, log):
        refs = list(res.get("tags") or []) or [res["digest"]]
        done = set()
        for ref in refs:
            digest = ref if ref.startswith("sha256:") else dst.head_manifest(dst_repo, ref)
            if not digest or digest in done:
                log(f"{dst_repo}:{ref} not found on the destination, nothing to delete")
                continue
            dst.delete_manifest(dst_repo, digest)
            done.add(digest)
            log(f"deleted {dst_repo}@{digest}")

    def _enumerate(self, src, policy):
        """All source artifacts that pass the policy's filters, grouped by digest."""
        fl = policy.get("filters") or []
        if not (filters.resource_type_matches(fl) and filters.labels_match(fl, [])):
            return []
        resources = []
        for repo in sorted(src.catalog()):
            if not filters.repository_matches(fl, repo):
                continue
            by_digest = {}
            for tag in sorted(src.list_tags(repo)):
                digest = src.head_manifest(repo, tag)
                if digest:
                    by_digest.setdefault(digest, []).append(tag)
            for digest, tags in by_digest.items():
                kept = filters.select_tags(fl, tags)
                if kept is None or not kept:
                    continue
                resources.append({"repository": repo, "digest": digest, "tags": kept, "op": "copy"})
        return resources

    # -- scheduler -------------------------------------------------------------------------
    def start_scheduler(self):
        self._sched_thread = threading.Thread(target=self._schedule_loop, daemon=True,
                                              name="harbor-sim-scheduler")
        self._sched_thread.start()

    def stop(self):
        self._stopping.set()
        if self._sched_thread:
            self._sched_thread.join(timeout=5)

    def _schedule_loop(self):
        last = int(time.time())
        while not self._stopping.is_set():
            time.sleep(0.2)
            now = int(time.time())
            for second in range(last + 1, now + 1):
                self._fire(second)
            last = max(last, now)

    def _fire(self, second):
        when = datetime.datetime.fromtimestamp(second, datetime.timezone.utc)
        try:
            policies = self.host.policies()
        except Exception as exc:
            LOG.warning("scheduler cannot read policies: %s", exc)
            return
        for policy in policies:
            trigger = policy.get("trigger") or {}
            cron = (trigger.get("trigger_settings") or {}).get("cron")
            if trigger.get("type") != "scheduled" or not policy.get("enabled") or not cron:
                continue
            try:
                if not Cron(cron).matches(when):
                    continue
            except CronError:
                continue
            # two sims on one Redis: only one fires this tick
            if self.queue.acquire_once(f"schedule:{policy['id']}:{second}", ttl=120):
                try:
                    self.start_execution(policy, "scheduled")
                except Exception:
                    LOG.exception("scheduled execution of policy %s failed to start", policy["id"])
