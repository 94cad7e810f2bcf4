# -*- coding: utf-8 -*-
# Copyright: (c) 2026, harborops maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the harborops.ha collection: no compatibility promise outside it.
"""Parse and normalise subjectAltName entries (pure functions, no cryptography needed)."""

import ipaddress
import re

_LABEL = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')
_DIGITS_AND_DOTS = re.compile(r'^[0-9.]+$')


class SanError(ValueError):
    """A subjectAltName entry is not a valid DNS name or IP address."""


def _normalise_ip(text, entry):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise SanError('%r is not a valid IP address' % (entry,))


def _normalise_dns(text, entry):
    name = text.strip().lower()
    if name.endswith('.'):
        name = name[:-1]
    if not name:
        raise SanError('%r is an empty DNS name' % (entry,))
    if len(name) > 253:
        raise SanError('%r is longer than 253 characters' % (entry,))
    # A dotted quad that ipaddress rejected (10.0.0.300) must not slip through as a "hostname":
    # no top-level domain is all digits.
    if _DIGITS_AND_DOTS.match(name):
        raise SanError('%r looks like an IP address but is not a valid one' % (entry,))
    labels = name.split('.')
    for index, label in enumerate(labels):
        if index == 0 and label == '*' and len(labels) > 2:
            continue  # wildcard only as the whole left-most label of a name with 2+ more labels
        try:
            label.encode('ascii')
        except UnicodeEncodeError:
            raise SanError('%r is not ASCII; give internationalised names in punycode (xn--)' % (entry,))
        if not _LABEL.match(label):
            raise SanError('%r is not a valid DNS name (bad label %r)' % (entry, label))
    return name


def normalise_san(entry):
    """Return ``(kind, value)`` with kind ``'DNS'`` or ``'IP'`` for one entry.

    Accepts ``DNS:name``, ``IP:address`` or a bare value (an IP address if it parses as one,
    else a DNS name). DNS names are lower-cased without a trailing dot; IP addresses are in
    their canonical compressed form, so equal names compare equal.
    """
    if not isinstance(entry, str):
        raise SanError('%r is not a string' % (entry,))
    text = entry.strip()
    prefix, sep, rest = text.partition(':')
    if sep and prefix.upper() == 'DNS':
        return 'DNS', _normalise_dns(rest, entry)
    if sep and prefix.upper() in ('IP', 'IP ADDRESS'):
        return 'IP', _normalise_ip(rest, entry)
    if not text:
        raise SanError('an entry is empty')
    try:
        return 'IP', str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if ':' in text:
        raise SanError('%r is neither a valid IP address nor a DNS name (use DNS: or IP: prefixes)' % (entry,))
    return 'DNS', _normalise_dns(text, entry)


def san_sort_key(san):
    kind, value = san
    if kind == 'IP':
        address = ipaddress.ip_address(value)
        return (1, address.version, int(address), value)
    return (0, 0, 0, value)


def normalise_sans(entries):
    """Normalise, de-duplicate and sort a list of entries: DNS names first, then IPs.

    Raises SanError naming every bad entry, or when the list is empty.
    """
    if not entries:
        raise SanError('the list is empty; give at least one DNS name or IP address')
    result = set()
    errors = []
    for entry in entries:
        try:
            result.add(normalise_san(entry))
        except SanError as exc:
            errors.append(str(exc))
    if errors:
        raise SanError('; '.join(errors))
    return sorted(result, key=san_sort_key)


def format_san(san):
    return '%s:%s' % san


def format_sans(sans):
    return [format_san(san) for san in sans]


def san_changes(before, after):
    """Return ``(added, removed)`` as sorted lists of ``KIND:value`` strings."""
    before_set, after_set = set(before), set(after)
    added = sorted(after_set - before_set, key=san_sort_key)
    removed = sorted(before_set - after_set, key=san_sort_key)
    return format_sans(added), format_sans(removed)
