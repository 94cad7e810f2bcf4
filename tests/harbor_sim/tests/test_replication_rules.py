"""Pure replication rules: filters, namespace flattening (FACTS §3.2, §3.5), 6-field cron."""

import datetime

import pytest

from harbor_sim.replication import cron, filters, namespace


@pytest.mark.parametrize("count,expected", [
    (-1, "n/image"), (0, "n/a/b/c/image"), (1, "n/b/c/image"), (2, "n/c/image"), (3, "n/image"),
])
def test_replace_namespace_matches_harbor(count, expected):
    assert namespace.replace_namespace("a/b/c/image", "n", count) == expected


def test_replace_namespace_too_deep_and_empty():
    with pytest.raises(namespace.NamespaceError):
        namespace.replace_namespace("a/b/c/image", "n", 4)
    assert namespace.replace_namespace("a/b", "", 2) == "a/b"
    assert namespace.replace_namespace("a/b", "n", None) == "n/b"


@pytest.mark.parametrize("pattern,value,hit", [
    ("library/**", "library/a/b", True),
    ("library/*", "library/a/b", False),
    ("library/*", "library/a", True),
    ("lib*/{a,b}", "library/b", True),
    ("lib*/{a,b}", "library/c", False),
    ("v1.?", "v1.2", True),
    ("v1.?", "v1.23", False),
    ("**", "anything/at/all", True),
    ("", "x", True),
    ("[ab]x", "bx", True),
])
def test_doublestar(pattern, value, hit):
    assert filters.match(pattern, value) is hit


def test_tag_filter_decorations():
    inc = [{"type": "tag", "value": "v*"}]
    exc = [{"type": "tag", "value": "v*", "decoration": "excludes"}]
    assert filters.select_tags(inc, ["v1", "latest"]) == ["v1"]
    assert filters.select_tags(exc, ["v1", "latest"]) == ["latest"]
    assert filters.select_tags(inc, ["latest"]) is None
    assert filters.select_tags([], ["a"]) == ["a"]


def test_name_resource_and_label_filters():
    fl = [{"type": "name", "value": "library/**"}, {"type": "resource", "value": "image"}]
    assert filters.repository_matches(fl, "library/x")
    assert not filters.repository_matches(fl, "other/x")
    assert filters.resource_type_matches(fl)
    lab = [{"type": "label", "value": ["prod"]}]
    assert not filters.labels_match(lab, [])
    assert filters.labels_match([{"type": "label", "value": ["prod"], "decoration": "excludes"}], [])


def test_cron_six_fields():
    every_5s = cron.Cron("*/5 * * * * *")
    assert every_5s.matches(datetime.datetime(2026, 11, 23, 10, 0, 10))
    assert not every_5s.matches(datetime.datetime(2026, 11, 23, 10, 0, 11))
    daily = cron.Cron("0 30 2 * * *")
    assert daily.matches(datetime.datetime(2026, 11, 23, 2, 30, 0))
    assert not daily.matches(datetime.datetime(2026, 11, 23, 2, 31, 0))
    sunday = cron.Cron("0 0 0 * * 0")
    assert sunday.matches(datetime.datetime(2026, 11, 22, 0, 0, 0))  # a Sunday
    assert not sunday.matches(datetime.datetime(2026, 11, 23, 0, 0, 0))
    for bad in ("* * * * *", "0 61 * * * *", "0 */0 * * * *"):
        with pytest.raises(cron.CronError):
            cron.Cron(bad)
