"""Harbor's doublestar selectors (src/lib/selector/selectors/doublestar/selector.go) as retention and
immutable tag rules use them (harbor_sim/selectors.py)."""

from __future__ import annotations

from harbor_sim import selectors


def cand(repo, *tags):
    return {"repository": repo, "namespace": "team", "tags": list(tags)}


def names(items):
    return [(c["repository"], tuple(c["tags"])) for c in items]


def test_tag_decorations_and_untagged_artifacts():
    items = [cand("app", "v1", "latest"), cand("app", "dev"), cand("app")]
    # matches: any tag matches; an untagged artifact is kept unless extras say otherwise
    assert names(selectors.select(items, "matches", "v*")) == [("app", ("v1", "latest")), ("app", ())]
    assert names(selectors.select(items, "matches", "v*", '{"untagged": false}')) == [("app", ("v1", "latest"))]
    # excludes: any tag does not match; untagged artifacts are dropped by default
    assert names(selectors.select(items, "excludes", "v*")) == [("app", ("v1", "latest")), ("app", ("dev",))]
    assert names(selectors.select(items, "excludes", "v*", '{"untagged": true}'))[-1] == ("app", ())


def test_repository_decorations_and_doublestar():
    items = [cand("app"), cand("tools/app"), cand("web")]
    assert names(selectors.select(items, "repoMatches", "*")) == [("app", ()), ("web", ())]  # * stops at /
    assert len(selectors.select(items, "repoMatches", "**")) == 3
    assert names(selectors.select(items, "repoExcludes", "{app,web}")) == [("tools/app", ())]
    assert names(selectors.select(items, "nsMatches", "team")) == names(items)
    assert selectors.select(items, "unknown", "**") == []
    assert selectors.match("", "anything")
