"""Replication filters (src/pkg/reg/filter): doublestar name/tag patterns, decorations."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def _pattern_regex(pattern: str):
    """doublestar: ** any chars incl. '/', * and ? within one segment, {a,b}, [..]."""
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                # '**/' also matches zero directories
                if pattern.startswith("**/", i):
                    out.append("(?:.*/)?")
                    i += 3
                    continue
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
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$")


def match(pattern: str, value: str) -> bool:
    if pattern in ("", "**"):
        return True
    return bool(_pattern_regex(pattern).match(value))


def _by_type(filters, kind):
    return [f for f in (filters or []) if f.get("type") == kind]


def repository_matches(filters, repository: str) -> bool:
    return all(match(str(f.get("value") or ""), repository) for f in _by_type(filters, "name"))


def resource_type_matches(filters, resource_type: str = "image") -> bool:
    # every OCI artifact is replicated as 'image' by the sim; 'artifact' also selects it
    return all(str(f.get("value") or "") in ("", "image", "artifact", resource_type)
               for f in _by_type(filters, "resource"))


def select_tags(filters, tags):
    """Tags of one artifact that pass the tag filters; None when the artifact is excluded.

    An untagged artifact passes only when no tag filter excludes everything (Harbor
    matches the empty tag against the pattern).
    """
    tag_filters = _by_type(filters, "tag")
    if not tag_filters:
        return list(tags)
    candidates = list(tags) or [""]
    kept = []
    for tag in candidates:
        ok = True
        for f in tag_filters:
            hit = match(str(f.get("value") or ""), tag) if tag else str(f.get("value") or "") in ("", "**", "*")
            if (f.get("decoration") or "matches") == "excludes":
                hit = not hit
            if not hit:
                ok = False
                break
        if ok:
            kept.append(tag)
    if not kept:
        return None
    return [t for t in kept if t]


def labels_match(filters, labels) -> bool:
    """Label filters: the sim's artifacts carry no labels; 'matches' then fails, 'excludes' passes."""
    names = set(labels or ())
    for f in _by_type(filters, "label"):
        wanted = set(f.get("value") or [])
        if not wanted:
            continue
        hit = wanted.issubset(names)
        if (f.get("decoration") or "matches") == "excludes":
            hit = not (wanted & names)
        if not hit:
            return False
    return True
