# -*- coding: utf-8 -*-
# Copyright: (c) 2026, harborops maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the harborops.ha collection: no compatibility promise outside it.
"""Decide whether the server certificate must be (re)issued (pure functions)."""

import datetime

# Each reason is a stable string: the module returns them so a playbook can tell why it changed.
REASON_MISSING = 'certificate file missing'
REASON_UNREADABLE = 'certificate file unreadable'
REASON_NEW_KEY = 'new private key'
REASON_KEY_MISMATCH = 'certificate does not match the private key'
REASON_CA_CHANGED = 'certificate not issued by the current CA'
REASON_SANS = 'subjectAltName set differs'
REASON_SUBJECT = 'common name differs'
REASON_EXPIRING = 'expires within renew_before_days'
REASON_NOT_SERVER = 'certificate is not a TLS server certificate'

# X.520 upper bound for commonName; longer names live only in subjectAltName.
MAX_COMMON_NAME = 64


class CertFacts(object):
    """What the module read from an existing certificate, reduced to what the decision needs."""

    def __init__(self, sans, common_name, not_after, key_matches, issued_by_ca, is_server_cert=True):
        self.sans = sans
        self.common_name = common_name
        self.not_after = not_after
        self.key_matches = key_matches
        self.issued_by_ca = issued_by_ca
        self.is_server_cert = is_server_cert


def reissue_reasons(existing, wanted_sans, wanted_common_name, renew_before_days, now,
                    new_key=False, unreadable=False, ca_not_after=None):
    """Return the list of reasons to issue a new certificate; empty means keep the current one.

    ``existing`` is a CertFacts or None (no file). ``wanted_sans`` and ``existing.sans`` are
    normalised ``(kind, value)`` lists; order does not matter. ``now``, ``existing.not_after``
    and ``ca_not_after`` are timezone-aware datetimes. A certificate never outlives its CA, so
    one that already ends with the CA is not renewed for expiry: a new one could not last longer,
    and reissuing it on every run would break idempotency.
    """
    if unreadable:
        return [REASON_UNREADABLE]
    if existing is None:
        return [REASON_MISSING]
    reasons = []
    if new_key:
        reasons.append(REASON_NEW_KEY)
    elif not existing.key_matches:
        reasons.append(REASON_KEY_MISMATCH)
    if not existing.issued_by_ca:
        reasons.append(REASON_CA_CHANGED)
    if not existing.is_server_cert:
        reasons.append(REASON_NOT_SERVER)
    if set(existing.sans) != set(wanted_sans):
        reasons.append(REASON_SANS)
    if existing.common_name != wanted_common_name:
        reasons.append(REASON_SUBJECT)
    if existing.not_after - now <= datetime.timedelta(days=renew_before_days):
        if ca_not_after is None or existing.not_after < ca_not_after:
            reasons.append(REASON_EXPIRING)
    return reasons


def default_common_name(sans):
    """The first DNS name, else the first IP address: a CN must name the server, and SAN order is stable."""
    fitting = [san for san in sans if len(san[1]) <= MAX_COMMON_NAME]
    for kind, value in fitting:
        if kind == 'DNS':
            return value
    if fitting:
        return fitting[0][1]
    raise ValueError('no subjectAltName is short enough (%d characters) to be the common name; '
                     'set common_name' % MAX_COMMON_NAME)
