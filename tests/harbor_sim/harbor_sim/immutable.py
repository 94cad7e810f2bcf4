"""Immutable tag rules: storage and the matcher (src/pkg/immutable/match/rule/match.go), used by
the immutable-rule API, the /v2/ proxy (push over an immutable tag), artifact deletion and tag
retention (an immutable artifact is never deleted)."""

from __future__ import annotations

import json
import re

from . import selectors

_MANIFEST_PATH = re.compile(r"^/v2/(?P<name>.+?)/manifests/(?P<reference>[^/]+)$")


def rules(db, project_id, enabled_only=False):
    """The project's rules (rows with the rule JSON decoded as `rule`), by id."""
    rows = db.query("SELECT * FROM core_immutable_rule WHERE project_id = ? ORDER BY id", (project_id,))
    out = []
    for row in rows:
        if enabled_only and row["disabled"]:
            continue
        out.append(dict(row, rule=json.loads(row["tag_filter"])))
    return out


def matches(db, project_id, repository, tags) -> bool:
    """Matcher.Match: an enabled rule whose first repository selector selects `repository` (the
    name without the project) and whose first tag selector (untagged: false) selects the artifact's
    tags makes it immutable; a rule without selectors never matches."""
    candidate = [{"repository": repository, "namespace": "", "tags": list(tags)}]
    for row in rules(db, project_id, enabled_only=True):
        rule = row["rule"]
        repo_sels = (rule.get("scope_selectors") or {}).get("repository") or []
        tag_sels = rule.get("tag_selectors") or []
        if not repo_sels or not selectors.select(candidate, repo_sels[0].get("decoration", ""),
                                                  repo_sels[0].get("pattern", "")):
            continue
        if tag_sels and selectors.select(candidate, tag_sels[0].get("decoration", ""),
                                         tag_sels[0].get("pattern", ""), '{"untagged": false}'):
            return True
    return False


def _repo_name(repository):
    return repository.split("/", 1)[1] if "/" in repository else repository


def tag_immutable(db, project_id, repository, tag) -> bool:
    """The tag's `immutable` status (tag controller populateImmutableStatus: the tag alone)."""
    return matches(db, project_id, _repo_name(repository), [tag])


def push_refusal(db, store, project_id, repository, reference):
    """The immutable middleware on PUT /v2/<repo>/manifests/<tag>: moving an existing immutable
    tag is refused (src/server/middleware/immutable/pushmf.go); None when allowed."""
    if reference.startswith("sha256:") or store.artifact(repository, reference) is None:
        return None
    if tag_immutable(db, project_id, repository, reference):
        return f"Failed to process request due to '{_repo_name(repository)}:{reference}' configured as immutable."
    return None


def delete_refusal(db, store, project_id, repository, reference):
    """Deleting an artifact deletes its tags, each checked (tag controller Delete); None when allowed."""
    art = store.artifact(repository, reference)
    if art is None:
        return None
    for tag in store.tags_of(art["id"]):
        if tag_immutable(db, project_id, repository, tag["name"]):
            return f"the tag {tag['name']} configured as immutable, cannot be deleted"
    return None


def registry_refusal(db, store, project_id, method, path):
    """What the /v2/ proxy refuses with 412: a manifest PUT over an immutable tag, a manifest DELETE
    of an artifact holding one."""
    match = _MANIFEST_PATH.match(path)
    if match is None or method not in ("PUT", "DELETE"):
        return None
    refuse = push_refusal if method == "PUT" else delete_refusal
    return refuse(db, store, project_id, match.group("name"), match.group("reference"))
