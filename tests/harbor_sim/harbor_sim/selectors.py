"""Harbor's doublestar selectors for tags and repositories (src/lib/selector/selectors/doublestar),
shared by tag retention and immutable tag rules. A candidate is a dict with `repository` (the name
without the project), `namespace` and `tags`."""

from __future__ import annotations

import json

from .replication.filters import match as doublestar_match

MATCHES, EXCLUDES = "matches", "excludes"
REPO_MATCHES, REPO_EXCLUDES = "repoMatches", "repoExcludes"
NS_MATCHES, NS_EXCLUDES = "nsMatches", "nsExcludes"


def match(pattern: str, value: str) -> bool:
    """An empty pattern matches everything (selector.match); doublestar as replication filters use it."""
    return doublestar_match(pattern, value)


def _untagged(decoration: str, extras: str) -> bool:
    """New(): untagged artifacts are kept by `matches` and dropped by `excludes` unless extras say."""
    untagged = decoration != EXCLUDES
    if extras:
        try:
            untagged = bool(json.loads(extras).get("untagged"))
        except (ValueError, AttributeError):
            pass
    return untagged


def select(candidates, decoration: str, pattern: str, extras: str = ""):
    """selector.Select over a list of candidates."""
    out = []
    for cand in candidates:
        tags = cand.get("tags") or []
        if decoration == MATCHES:
            keep = any(match(pattern, t) for t in tags) if tags else _untagged(decoration, extras)
        elif decoration == EXCLUDES:
            keep = any(not match(pattern, t) for t in tags) if tags else _untagged(decoration, extras)
        elif decoration in (REPO_MATCHES, REPO_EXCLUDES):
            keep = match(pattern, cand["repository"]) != (decoration == REPO_EXCLUDES)
        elif decoration in (NS_MATCHES, NS_EXCLUDES):
            keep = match(pattern, cand["namespace"]) != (decoration == NS_EXCLUDES)
        else:
            keep = False
        if keep:
            out.append(cand)
    return out
