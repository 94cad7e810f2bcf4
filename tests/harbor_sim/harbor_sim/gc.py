"""The garbage-collection job against the sim's own registry storage (Harbor:
src/jobservice/job/impl/gc/garbage_collection.go).

Harbor's job: with `delete_untagged`, delete the untagged artifacts (top-level artifacts without a
tag; a dry run only pretends); mark the blobs no artifact references any more and whose
`update_time` is older than the time window (`GC_TIME_WINDOW_HOURS`, default 2 h); unless it is a
dry run, sweep them through registryctl (distribution's vacuum removes the blob directory) and
check in `{"freed_space", "purged_blobs", "purged_manifests"}`, which the GC controller copies into
the execution's extra attributes (src/controller/gc/callback.go `gcCheckIn`).

The sim marks with the registry's own `garbage-collect --dry-run` (distribution's mark phase over
its repositories) and sweeps the blob directories itself, like registryctl. The time window is read
from each blob's data file modification time (its upload). It needs the registry's storage: the
sim's own registry subprocess, or `--registry-storage` with `--registry-url`; without it the job fails
like Harbor's when registryctl is unreachable.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import re
import shutil
import subprocess
import time

from .oci_client import MANIFEST_LIST_TYPES, MANIFEST_TYPES
from .registry_backend import REGISTRY_BIN

LOG = logging.getLogger("harbor_sim.gc")
SOURCE = "/jobservice/job/impl/gc/garbage_collection.go"
ELIGIBLE = re.compile(r"^blob eligible for deletion: (sha256:[0-9a-f]{64})$", re.M)
MANIFEST_MEDIA_TYPES = set(MANIFEST_TYPES) | set(MANIFEST_LIST_TYPES)
DEFAULT_TIME_WINDOW_HOURS = 2  # src/common/const.go DefaultGCTimeWindowHours


class GCFailed(Exception):
    """The job ends in Error (its log says why)."""


def time_window_hours() -> int:
    """config.GetGCTimeWindow(): the GC_TIME_WINDOW_HOURS environment variable, else 2."""
    raw = os.environ.get("GC_TIME_WINDOW_HOURS")
    try:
        return int(raw) if raw is not None else DEFAULT_TIME_WINDOW_HOURS
    except ValueError:
        return DEFAULT_TIME_WINDOW_HOURS


class JobLog:
    """A job log in jobservice's format: `<time> [LEVEL] [<source>]: <message>`."""

    def __init__(self, source=SOURCE):
        self.lines = []
        self.source = source

    def _add(self, level, message):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.lines.append(f"{stamp} [{level}] [{self.source}]: {message}")

    def info(self, message):
        self._add("INFO", message)

    def warning(self, message):
        self._add("WARNING", message)

    def error(self, message):
        self._add("ERROR", message)

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


class BlobStorage:
    """The filesystem storage of a distribution registry (its `rootdirectory`), as registryctl sees it."""

    def __init__(self, root, work_dir):
        self.root = root
        self.work_dir = work_dir

    def blob_dir(self, digest):
        algo, hexpart = digest.split(":", 1)
        return os.path.join(self.root, "docker", "registry", "v2", "blobs", algo, hexpart[:2], hexpart)

    def data_path(self, digest):
        return os.path.join(self.blob_dir(digest), "data")

    def exists(self, digest):
        return os.path.exists(self.data_path(digest))

    def size(self, digest):
        return os.path.getsize(self.data_path(digest))

    def age_seconds(self, digest):
        return time.time() - os.path.getmtime(self.data_path(digest))

    def read(self, digest, limit=4 * 1024 * 1024):
        with open(self.data_path(digest), "rb") as fh:
            return fh.read(limit)

    def is_manifest(self, digest):
        """Harbor's blob.IsManifest() looks at the stored content type; the registry keeps none,
        so the content tells: a JSON document with a manifest media type (or schemaVersion)."""
        if self.size(digest) > 4 * 1024 * 1024:
            return False
        try:
            doc = json.loads(self.read(digest))
        except ValueError:
            return False
        return isinstance(doc, dict) and (doc.get("mediaType") in MANIFEST_MEDIA_TYPES
                                          or "schemaVersion" in doc)

    def referenced(self, digest):
        """The blobs an artifact holds (blobMgr.GetByArt): its manifest, config, layers or children."""
        out = [digest]
        if not self.exists(digest):
            return []
        try:
            doc = json.loads(self.read(digest))
        except ValueError:
            return out
        config = doc.get("config") or {}
        out += [config["digest"]] if config.get("digest") else []
        out += [d["digest"] for d in (doc.get("layers") or []) + (doc.get("manifests") or [])
                if d.get("digest")]
        return out

    def unreferenced(self):
        """distribution's mark phase: `garbage-collect --dry-run` lists what nothing references
        (a registry that never stored a repository has nothing to collect; the command fails there)."""
        if not os.path.isdir(os.path.join(self.root, "docker", "registry", "v2", "repositories")):
            return []
        # garbage-collect needs only the storage section of a configuration
        config = os.path.join(self.work_dir, "gc-registry.json")
        with open(config, "w", encoding="utf-8") as fh:
            json.dump({"version": 0.1, "storage": {"filesystem": {"rootdirectory": self.root}}}, fh)
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        proc = subprocess.run([REGISTRY_BIN, "garbage-collect", "--dry-run", config],
                              capture_output=True, text=True, timeout=300, env=env, check=False)
        if proc.returncode != 0:
            raise GCFailed(f"failed to get gc candidate: {proc.stderr.strip()[-500:]}")
        return ELIGIBLE.findall(proc.stdout)

    def remove(self, digest):
        """registryctl's DeleteBlob: distribution's vacuum removes the blob's directory."""
        shutil.rmtree(self.blob_dir(digest), ignore_errors=True)


def storage_of(dataplane, settings):
    """The registry storage GC can reach: the sim's own registry's, or --registry-storage (the
    backing registry's storage mounted here, as registryctl has it); else None."""
    proc = getattr(dataplane, "registry_proc", None)
    work_dir = os.path.join(settings.data_dir, "registry")
    if proc is not None:
        return BlobStorage(os.path.join(proc.data_dir, "registry", "storage"), work_dir)
    if getattr(settings, "registry_storage", None):
        os.makedirs(work_dir, exist_ok=True)
        return BlobStorage(settings.registry_storage, work_dir)
    return None


def run(dataplane, settings, params: dict, log: JobLog) -> dict:
    """One GC run; returns the check-in `{"freed_space", "purged_blobs", "purged_manifests"}`."""
    # parseParams: delete_untagged and delete_tag default to true, dry_run to false, workers to 1
    delete_untagged = params.get("delete_untagged") is not False
    delete_tag = params.get("delete_tag") is not False
    dry_run = params.get("dry_run") is True
    window = params.get("time_window", DEFAULT_TIME_WINDOW_HOURS)
    workers = params.get("workers") if isinstance(params.get("workers"), int) and params["workers"] > 0 else 1
    storage = storage_of(dataplane, settings)
    if storage is None:
        log.error("failed to start gc as registry controller is unreachable: the registry storage is "
                  "not reachable from this node (--registry-url without --registry-storage)")
        raise GCFailed("registry controller is unreachable")
    # 2.15 added delete_tag to the policy and to this line (a 2.12 run has no such parameter)
    tag_part = f"delete_tag: {str(delete_tag).lower()}, " if "delete_tag" in params else ""
    log.info(f"Garbage Collection parameters: [delete_untagged: {str(delete_untagged).lower()}, {tag_part}"
             f"dry_run: {str(dry_run).lower()}, time_window: {window}, workers: {workers}]")
    log.info("start to run gc in job.")
    pretended = _untagged(dataplane, log, dry_run) if delete_untagged else []
    candidates = [d for d in storage.unreferenced()
                  if storage.exists(d) and storage.age_seconds(d) >= window * 3600]
    if dry_run:
        # uselessBlobs: a dry run adds every blob of the untagged artifacts it did not delete
        for digest in pretended:
            candidates += [d for d in storage.referenced(digest) if d not in candidates and storage.exists(d)]
    if not candidates:
        log.info("no need to execute GC as there is no non referenced artifacts.")
        log.info("success to run gc in job.")
        return {"freed_space": 0, "purged_blobs": 0, "purged_manifests": 0}
    manifests = {d for d in candidates if storage.is_manifest(d)}
    size = sum(storage.size(d) for d in candidates)
    for digest in candidates:
        log.info(f"blob eligible for deletion: {digest}")
    log.info(f"{len(candidates) - len(manifests)} blobs and {len(manifests)} manifests eligible for deletion")
    log.info(f"The GC could free up {size // 1024 // 1024} MB space, the size is a rough estimation.")
    if dry_run:
        log.info("success to run gc in job.")
        return {"freed_space": size, "purged_blobs": len(candidates) - len(manifests),
                "purged_manifests": len(manifests)}
    freed, blobs, mfs = 0, 0, 0
    for n, digest in enumerate(candidates, 1):
        if not storage.exists(digest):  # swept meanwhile by another node on the same storage
            continue
        blob_size = storage.size(digest)
        log.info(f"[{n}/{len(candidates)}] delete blob from storage: {digest}")
        storage.remove(digest)
        freed += blob_size
        if digest in manifests:
            mfs += 1
        else:
            blobs += 1
    log.info(f"{blobs} blobs and {mfs} manifests are actually deleted")
    log.info(f"The GC job actual frees up {freed // 1024 // 1024} MB space.")
    log.info("success to run gc in job.")
    return {"freed_space": freed, "purged_blobs": blobs, "purged_manifests": mfs}


def _untagged(dataplane, log, dry_run):
    """deletedArt: untagged top-level artifacts are deleted (events fired as for any artifact
    deletion); a dry run only lists them. Returns the digests a dry run pretended to delete."""
    log.info("start to delete untagged artifact (no actually deletion for dry-run mode)")
    store, pretended = dataplane.artifacts, []
    for repo in store.all_repositories():
        project = dataplane.host.project(repo["project_name"]) or {}
        for art in store.top_level_artifacts(repo["id"]):
            if store.tags_of(art["id"]):
                continue
            if dry_run:
                pretended.append(art["digest"])
            else:
                dataplane.delete_artifact(repo["name"], art["digest"])
            log.info(f"delete the untagged artifact: ProjectID:({project.get('project_id', 0)})-RepositoryName"
                     f"({repo['name']})-MediaType:({art['manifest_media_type']})-Digest:({art['digest']})")
    log.info("end to delete untagged artifact (no actually deletion for dry-run mode)")
    return pretended
