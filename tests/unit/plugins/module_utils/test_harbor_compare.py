"""Pure comparison/normalisation helpers of module_utils/_harbor_compare.py."""

import pytest

from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import (
    canonical_filters, changed_keys, cron_error, diff_view, harbor_bool, normalize_url, permission_set,
    permissions_from_set)


@pytest.mark.parametrize('given, stored', [
    ('https://harbor-b.example.com/', 'https://harbor-b.example.com'),
    ('  https://harbor-b.example.com//  ', 'https://harbor-b.example.com'),
    ('harbor-b.example.com:8443', 'http://harbor-b.example.com:8443'),
    ('HTTPS://h.example.com/path/?x=1', 'https://h.example.com/path'),
    ('http://127.0.0.1:5000', 'http://127.0.0.1:5000'),
])
def test_normalize_url_matches_harbor(given, stored):
    assert normalize_url(given) == stored


def test_normalize_url_none():
    assert normalize_url(None) is None


@pytest.mark.parametrize('value, text', [
    (True, 'true'), (False, 'false'), ('yes', 'true'), ('False', 'false'), ('high', 'high'), (-1, '-1')])
def test_harbor_bool(value, text):
    assert harbor_bool(value) == text


def test_changed_keys_ignores_unmanaged():
    current = {'a': 1, 'b': 'x', 'c': True}
    assert changed_keys(current, {'a': 1, 'b': 'y', 'c': None}) == ['b']
    assert changed_keys(current, {'a': None}) == []


def test_diff_view_restricted_to_keys():
    before, after = diff_view({'a': 1, 'b': 2, 'secret': 's'}, {'a': 3, 'b': None}, ['a', 'b'])
    assert before == {'a': 1, 'b': 2}
    assert after == {'a': 3, 'b': 2}


@pytest.mark.parametrize('expr', ['0 0 2 * * *', '0 */15 * * * *', '0 0 0 1 1 ?', '0 5,35 8-18 * * 1-5',
                                  '0 0 3 * * MON', '0 0 0 * JAN-MAR *'])
def test_cron_accepts_harbor_schedules(expr):
    assert cron_error(expr) is None


@pytest.mark.parametrize('expr, fragment', [
    ('0 0 2 * *', '6 space-separated fields'),
    ('* 0 2 * * *', 'second'),
    ('5 0 2 * * *', 'second'),
    ('0 * 2 * * *', 'minute'),
    ('0 61 2 * * *', 'outside 0-59'),
    ('0 0 24 * * *', 'outside 0-23'),
    ('0 0 2 0 * *', 'outside 1-31'),
    ('0 0 2 * 13 *', 'outside 1-12'),
    ('0 0 2 * * 7', 'outside 0-6'),
    ('0 0 2 * * x', 'not a number'),
    ('0 */0 * * * *', 'step'),
    ('', 'required'),
    (None, 'required'),
])
def test_cron_rejects(expr, fragment):
    assert fragment in cron_error(expr)


def test_filters_order_and_default_decoration():
    mine = [{'type': 'tag', 'value': 'v*'}, {'type': 'name', 'value': 'library/**'},
            {'type': 'label', 'value': ['b', 'a']}]
    theirs = [{'type': 'label', 'value': ['a', 'b'], 'decoration': 'matches'},
              {'type': 'name', 'value': 'library/**'}, {'type': 'tag', 'value': 'v*', 'decoration': 'matches'}]
    assert canonical_filters(mine) == canonical_filters(theirs)


def test_filters_differ_on_decoration_and_none():
    assert canonical_filters([{'type': 'tag', 'value': 'v*', 'decoration': 'excludes'}]) != \
        canonical_filters([{'type': 'tag', 'value': 'v*'}])
    assert canonical_filters(None) == canonical_filters([]) == []


def test_permissions_compared_as_sets():
    a = [{'kind': 'project', 'namespace': 'p', 'access': [{'resource': 'repository', 'action': 'push'},
                                                          {'resource': 'repository', 'action': 'pull'}]}]
    b = [{'kind': 'project', 'namespace': 'p', 'access': [{'resource': 'repository', 'action': 'pull'},
                                                          {'resource': 'repository', 'action': 'push',
                                                           'effect': 'allow'}]}]
    assert permission_set(a) == permission_set(b)
    assert permission_set(a) != permission_set(b[:0])


def test_permissions_round_trip_sorted():
    perms = [{'kind': 'system', 'namespace': '/', 'access': [{'resource': 'project', 'action': 'list'}]},
             {'kind': 'project', 'namespace': '*', 'access': [{'resource': 'repository', 'action': 'pull'}]}]
    shaped = permissions_from_set(permission_set(perms))
    assert shaped[0]['kind'] == 'project'
    assert permission_set(shaped) == permission_set(perms)


def test_diff_view_shows_only_differing_entries_of_dicts():
    before, after = diff_view({'metadata': {'public': 'false', 'auto_scan': 'true'}},
                              {'metadata': {'public': 'true', 'auto_scan': 'true'}}, ['metadata'])
    assert before == {'metadata': {'public': 'false'}} and after == {'metadata': {'public': 'true'}}
    before, after = diff_view({}, {'metadata': {'public': 'true'}}, ['metadata'])
    assert before == {'metadata': None} and after == {'metadata': {'public': 'true'}}
