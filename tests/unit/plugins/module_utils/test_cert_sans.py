# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""subjectAltName parsing and normalisation used by harbor_cert."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.harborops.ha.plugins.module_utils._cert_sans import (
    SanError,
    format_sans,
    normalise_san,
    normalise_sans,
    san_changes,
)


@pytest.mark.parametrize('entry, expected', [
    ('harbor.example.com', ('DNS', 'harbor.example.com')),
    ('Harbor.Example.COM.', ('DNS', 'harbor.example.com')),
    ('DNS:Node1', ('DNS', 'node1')),
    ('dns:node-2.lan', ('DNS', 'node-2.lan')),
    ('*.harbor.example.com', ('DNS', '*.harbor.example.com')),
    ('10.0.0.1', ('IP', '10.0.0.1')),
    ('IP:10.0.0.1', ('IP', '10.0.0.1')),
    (' 10.0.0.1 ', ('IP', '10.0.0.1')),
    ('2001:DB8:0:0::1', ('IP', '2001:db8::1')),
    ('IP:2001:db8:0000::0001', ('IP', '2001:db8::1')),
    ('xn--bcher-kva.example', ('DNS', 'xn--bcher-kva.example')),
])
def test_normalise_san_accepts(entry, expected):
    assert normalise_san(entry) == expected


@pytest.mark.parametrize('entry, fragment', [
    ('10.0.0.300', 'looks like an IP address'),
    ('IP:10.0.0.300', 'not a valid IP address'),
    ('IP:harbor', 'not a valid IP address'),
    ('', 'empty'),
    ('DNS:', 'empty DNS name'),
    ('-harbor', 'bad label'),
    ('harbor-.lan', 'bad label'),
    ('har_bor', 'bad label'),
    ('a..b', 'bad label'),
    ('*.com', 'bad label'),          # a wildcard needs at least two labels after it
    ('foo.*.example.com', 'bad label'),
    ('bücher.example', 'not ASCII'),
    ('fe80::1::2', 'neither a valid IP address nor a DNS name'),
    ('a' * 64 + '.example', 'bad label'),
    ('.'.join(['abcdefgh'] * 30), 'longer than 253'),
])
def test_normalise_san_rejects(entry, fragment):
    with pytest.raises(SanError) as caught:
        normalise_san(entry)
    assert fragment in str(caught.value)


def test_normalise_sans_dedupes_and_sorts_dns_before_ip():
    sans = normalise_sans(['10.0.0.2', 'b.lan', 'IP:10.0.0.10', 'A.lan', 'a.lan.', '::1', '10.0.0.2', 'DNS:b.lan'])
    assert sans == [('DNS', 'a.lan'), ('DNS', 'b.lan'), ('IP', '10.0.0.2'), ('IP', '10.0.0.10'), ('IP', '::1')]


def test_normalise_sans_order_does_not_matter():
    assert normalise_sans(['x.lan', '10.0.0.1', 'y.lan']) == normalise_sans(['y.lan', '10.0.0.1', 'x.lan'])


def test_normalise_sans_rejects_empty_list():
    with pytest.raises(SanError, match='empty'):
        normalise_sans([])


def test_normalise_sans_names_every_bad_entry():
    with pytest.raises(SanError) as caught:
        normalise_sans(['good.lan', '10.0.0.256', 'IP:nope'])
    message = str(caught.value)
    assert "'10.0.0.256'" in message and "'IP:nope'" in message and 'good.lan' not in message


def test_format_and_changes():
    old = normalise_sans(['h1', '10.0.0.1', 'vip.lan'])
    new = normalise_sans(['h1', 'h3', '10.0.0.1', '10.0.0.3', 'vip.lan'])
    assert format_sans(new) == ['DNS:h1', 'DNS:h3', 'DNS:vip.lan', 'IP:10.0.0.1', 'IP:10.0.0.3']
    assert san_changes(old, new) == (['DNS:h3', 'IP:10.0.0.3'], [])
    assert san_changes(new, old) == ([], ['DNS:h3', 'IP:10.0.0.3'])
    assert san_changes(old, old) == ([], [])
