"""Registry events (/service/notifications) -> the artifact DB and event-based replication.

Harbor's equivalents: PUSH_ARTIFACT (manifest push, a tag push is also a retag), DELETE_ARTIFACT
(manifest delete); pulls only update pull counters, the jobservice's own pulls are not counted.
"""

from __future__ import annotations

import json
import logging

from .oci_client import MANIFEST_LIST_TYPES, MANIFEST_TYPES

LOG = logging.getLogger("harbor_sim.notifications")
MANIFEST_MEDIA_TYPES = MANIFEST_TYPES + MANIFEST_LIST_TYPES
JOBSERVICE_SUBJECT = "harbor#jobservice"


def process_events(dataplane, events):
    for event in events:
        try:
            process_event(dataplane, event)
        except Exception:  # one bad event must not drop the rest of the envelope
            LOG.exception("registry event not processed: %s", event.get("id"))


def process_event(dataplane, event):
    action = event.get("action")
    target = event.get("target") or {}
    repo, digest = target.get("repository"), target.get("digest")
    media_type = target.get("mediaType", "")
    if not repo or not digest:
        return
    if action == "push" and media_type in MANIFEST_MEDIA_TYPES:
        tag = target.get("tag") or None
        size, config_type, refs = artifact_details(dataplane, repo, digest)
        dataplane.artifacts.record_push(repo, digest, config_type or media_type, media_type, size,
                                        tag=tag, refs=refs)
        if tag:
            # untagged pushes are index children (or digest pushes): the tagged push follows
            dataplane.engine.on_artifact_event("copy", repo, digest, [tag])
    elif action == "pull" and media_type in MANIFEST_MEDIA_TYPES:
        if (event.get("actor") or {}).get("name") != JOBSERVICE_SUBJECT:
            dataplane.artifacts.record_pull(repo, digest)
    elif action == "delete":
        tags = dataplane.artifacts.remove_artifact(repo, digest)
        if tags is not None:
            dataplane.engine.on_artifact_event("deletion", repo, digest, tags)


def artifact_details(dataplane, repo, digest):
    """(size incl. blobs, config media type, child digests) read from the local registry."""
    with dataplane.engine.local_client() as client:
        body, media_type, _ = client.get_manifest(repo, digest)
    doc = json.loads(body)
    size = len(body)
    if "manifests" in doc:
        children = doc.get("manifests") or []
        size += sum(int(m.get("size") or 0) for m in children)
        return size, media_type, [m["digest"] for m in children]
    config = doc.get("config") or {}
    size += int(config.get("size") or 0) + sum(int(layer.get("size") or 0)
                                               for layer in doc.get("layers") or [])
    return size, config.get("mediaType", ""), []
