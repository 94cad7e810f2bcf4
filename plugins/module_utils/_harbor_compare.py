# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the collection: this file is not a public API. Only modules of
# harborops.ha may import it; its interface can change in any release.
"""Pure functions that bring desired and current Harbor objects to one comparable form.

Nothing here talks to Harbor: each function is unit-tested on its own
(tests/unit/plugins/module_utils/test_harbor_compare.py)."""

import re

from urllib.parse import urlsplit, urlunsplit


def normalize_url(url):
    """The URL as Harbor stores a registry URL (lib.ValidateHTTPURL): spaces and trailing '/'
    trimmed, ``http://`` added when there is no scheme, query and fragment dropped."""
    if url is None:
        return None
    url = url.strip().rstrip('/')
    if '://' not in url:
        url = 'http://' + url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path.rstrip('/'), '', ''))


def harbor_bool(value):
    """Harbor's project metadata holds booleans as the strings 'true'/'false'."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    text = str(value).strip()
    if text.lower() in ('true', 'yes', 'on', '1'):
        return 'true'
    if text.lower() in ('false', 'no', 'off', '0'):
        return 'false'
    return text


def changed_keys(current, desired):
    """Keys of ``desired`` (None = not managed) whose value differs from ``current``."""
    return sorted(k for k, v in desired.items() if v is not None and current.get(k) != v)


def diff_view(current, desired, keys):
    """before/after restricted to ``keys`` (the changed, non-secret ones); where both sides of a
    key are dicts (project metadata, a trigger), only their differing entries are shown."""
    before, after = {}, {}
    for key in keys:
        have = current.get(key)
        want = desired[key] if desired.get(key) is not None else have
        if isinstance(have, dict) and isinstance(want, dict):
            subkeys = [k for k in sorted(set(have) | set(want)) if k in want and have.get(k) != want[k]]
            have = dict((k, have.get(k)) for k in subkeys)
            want = dict((k, want[k]) for k in subkeys)
        before[key], after[key] = have, want
    return before, after


# Harbor's scheduler (robfig/cron with seconds): sec min hour dom month dow.
CRON_FIELDS = (('second', 0, 59), ('minute', 0, 59), ('hour', 0, 23),
               ('day of month', 1, 31), ('month', 1, 12), ('day of week', 0, 6))
CRON_NAMES = re.compile(r'^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$', re.I)


def cron_error(expr):
    """Why ``expr`` is not a cron Harbor accepts for a scheduled policy, or None when it is."""
    if not isinstance(expr, str) or not expr.strip():
        return 'a cron expression is required'
    fields = expr.split()
    if len(fields) != 6:
        return ('must have 6 space-separated fields (second minute hour day-of-month month day-of-week), '
                'got %d' % len(fields))
    if fields[0] != '0':
        return 'the first field (second) must be 0'
    if fields[1] == '*':
        return 'the minute field must not be * (Harbor refuses schedules that run every minute)'
    for text, (label, low, high) in zip(fields, CRON_FIELDS):
        problem = _cron_field_error(text, low, high)
        if problem:
            return 'invalid %s field %r: %s' % (label, text, problem)
    return None


def _cron_field_error(text, low, high):
    for item in text.split(','):
        if not item:
            return 'empty list item'
        base, _sep, step = item.partition('/')
        if _sep and (not step.isdigit() or int(step) == 0):
            return 'step must be a positive number'
        if base in ('*', '?'):
            continue
        bounds = base.split('-')
        if len(bounds) > 2:
            return 'malformed range'
        for bound in bounds:
            if CRON_NAMES.match(bound):
                continue
            if not bound.isdigit():
                return '%r is not a number' % bound
            if not low <= int(bound) <= high:
                return '%s is outside %d-%d' % (bound, low, high)
    return None


def canonical_filters(filters):
    """Replication filters as a sorted list, order and default decoration ironed out.

    Harbor stores ``decoration`` '' as "matches" for tag/label filters and returns label
    values as a list; GET returns ``null`` for no filters."""
    result = []
    for item in filters or []:
        ftype = item.get('type')
        value = item.get('value')
        if isinstance(value, (list, tuple)):
            value = sorted(str(v) for v in value)
        decoration = item.get('decoration') or ''
        if ftype in ('tag', 'label') and decoration == '':
            decoration = 'matches'
        result.append({'type': ftype, 'value': value, 'decoration': decoration})
    return sorted(result, key=lambda f: (str(f['type']), repr(f['value']), f['decoration']))


def permission_set(permissions):
    """Robot permissions as a set of (kind, namespace, resource, action, effect) tuples:
    Harbor returns them in map-iteration order."""
    result = set()
    for perm in permissions or []:
        for access in perm.get('access') or []:
            result.add((perm.get('kind'), perm.get('namespace'), access.get('resource'), access.get('action'),
                        access.get('effect') or 'allow'))
    return result


def permissions_from_set(perm_set):
    """Inverse of permission_set: Harbor's list shape, sorted for stable diffs."""
    grouped = {}
    for kind, namespace, resource, action, effect in sorted(perm_set):
        access = {'resource': resource, 'action': action}
        if effect != 'allow':
            access['effect'] = effect
        grouped.setdefault((kind, namespace), []).append(access)
    return [{'kind': k, 'namespace': n, 'access': a} for (k, n), a in sorted(grouped.items())]
