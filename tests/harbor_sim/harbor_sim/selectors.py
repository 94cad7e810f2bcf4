"""Harbor's doublestar selectors for tags and repositories (src/lib/selector/selectors/doublestar),
shared by tag retention and immutable tag rules. A candidate is a dict with `repository` (the name
without the project), `namespace` and `tags`."""

from __future__ import annotations

import functools
import json
import re

MATCHES, EXCLUDES = "matches", "excludes"
REPO_MATCHES, REPO_EXCLUDES = "repoMatches", "repoExcludes"
NS_MATCHES, NS_EXCLUDES = "nsMatches", "nsExcludes"


@functools.lru_cache(maxsize=512)
def _regex(pattern: str):
    """bmatcuk/doublestar: `**` crosses `/`, `*` and `?` do not, `{a,b}` alternatives, `[...]` classes."""
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise ValueError("syntax error in pattern")
            body = pattern[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith(("!", "^")) else body) + "]")
            i = end
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        raise ValueError("syntax error in pattern")
    return re.compile("".join(out) + r"\Z", re.S)


def match(pattern: str, value: str) -> bool:
    """An empty pattern matches everything (selector.match)."""
    return not pattern or bool(_regex(pattern).match(value))


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
