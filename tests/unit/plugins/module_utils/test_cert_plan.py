# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The "does the certificate need reissuing" decision of harbor_cert."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.harborops.ha.plugins.module_utils import _cert_plan as plan
from ansible_collections.harborops.ha.plugins.module_utils._cert_sans import normalise_sans

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
SANS = normalise_sans(['vip.lan', 'h1', 'h2', '10.0.0.10', '10.0.0.1', '10.0.0.2'])


def facts(**override):
    values = dict(sans=list(SANS), common_name='vip.lan', not_after=NOW + datetime.timedelta(days=200),
                  key_matches=True, issued_by_ca=True, is_server_cert=True)
    values.update(override)
    return plan.CertFacts(**values)


def reasons(existing, sans=SANS, cn='vip.lan', renew=30, **kwargs):
    return plan.reissue_reasons(existing, sans, cn, renew, NOW, **kwargs)


def test_unchanged_certificate_is_kept():
    assert reasons(facts()) == []


def test_san_order_is_irrelevant():
    assert reasons(facts(sans=list(reversed(SANS)))) == []


def test_missing_and_unreadable():
    assert reasons(None) == [plan.REASON_MISSING]
    assert reasons(None, unreadable=True) == [plan.REASON_UNREADABLE]


@pytest.mark.parametrize('extra', [['h3'], ['10.0.0.3']])
def test_added_san_reissues(extra):
    assert reasons(facts(), sans=normalise_sans(['vip.lan', 'h1', 'h2', '10.0.0.10', '10.0.0.1', '10.0.0.2'] + extra)) == [plan.REASON_SANS]


def test_removed_san_reissues():
    assert reasons(facts(), sans=SANS[1:]) == [plan.REASON_SANS]


def test_key_mismatch_ca_change_and_wrong_kind():
    assert reasons(facts(key_matches=False)) == [plan.REASON_KEY_MISMATCH]
    assert reasons(facts(issued_by_ca=False)) == [plan.REASON_CA_CHANGED]
    assert reasons(facts(is_server_cert=False)) == [plan.REASON_NOT_SERVER]


def test_new_key_is_the_reason_even_if_old_cert_matched_old_key():
    assert reasons(facts(key_matches=False), new_key=True) == [plan.REASON_NEW_KEY]


def test_common_name_change_reissues():
    assert reasons(facts(), cn='h1') == [plan.REASON_SUBJECT]


@pytest.mark.parametrize('days_left, renew, expected', [
    (200, 30, []),
    (31, 30, []),
    (30, 30, [plan.REASON_EXPIRING]),   # exactly at the threshold: renew
    (10, 30, [plan.REASON_EXPIRING]),
    (-1, 30, [plan.REASON_EXPIRING]),   # already expired
    (200, 365, [plan.REASON_EXPIRING]),  # renew window larger than the remaining validity
    (1, 0, []),
])
def test_expiry_window(days_left, renew, expected):
    existing = facts(not_after=NOW + datetime.timedelta(days=days_left))
    assert reasons(existing, renew=renew) == expected


def test_reasons_accumulate():
    existing = facts(issued_by_ca=False, sans=SANS[:2], not_after=NOW)
    assert reasons(existing) == [plan.REASON_CA_CHANGED, plan.REASON_SANS, plan.REASON_EXPIRING]


def test_default_common_name_prefers_dns():
    assert plan.default_common_name(SANS) == 'h1'
    assert plan.default_common_name(normalise_sans(['10.0.0.2', '10.0.0.1'])) == '10.0.0.1'


def test_default_common_name_skips_names_too_long():
    long_name = 'a' * 60 + '.example.com'
    assert plan.default_common_name(normalise_sans([long_name, 'short.lan'])) == 'short.lan'
    assert plan.default_common_name(normalise_sans([long_name, '10.0.0.1'])) == '10.0.0.1'
    with pytest.raises(ValueError, match='common_name'):
        plan.default_common_name(normalise_sans([long_name]))


def test_certificate_ending_with_its_ca_is_not_renewed_forever():
    ca_end = NOW + datetime.timedelta(days=10)
    assert reasons(facts(not_after=ca_end), ca_not_after=ca_end) == []
    # The CA was renewed meanwhile: now a new certificate can last longer, so renew.
    later = NOW + datetime.timedelta(days=3000)
    assert reasons(facts(not_after=ca_end), ca_not_after=later) == [plan.REASON_EXPIRING]
