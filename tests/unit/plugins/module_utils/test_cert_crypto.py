# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates built by harbor_cert's crypto helpers carry the profile a TLS server needs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.harborops.ha.plugins.module_utils import _cert_crypto as crypto
from ansible_collections.harborops.ha.plugins.module_utils._cert_sans import normalise_sans

NOW = crypto.utcnow()
SANS = normalise_sans(['vip.lan', 'h1', '10.0.0.1', '2001:db8::1'])


@pytest.fixture(scope='module')
def ca():
    key = crypto.generate_private_key('ecdsa', curve='secp256r1')
    return key, crypto.build_ca_certificate(key, 'test CA', 10, NOW)


def ext(cert, cls):
    return cert.extensions.get_extension_for_class(cls)


def test_ca_profile(ca):
    key, cert = ca
    constraints = ext(cert, x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert crypto.is_ca_certificate(cert) and not crypto.is_server_certificate(cert)
    assert crypto.issued_by(cert, cert)


@pytest.mark.parametrize('key_type, encipherment', [('rsa', True), ('ecdsa', False)])
def test_server_profile(ca, key_type, encipherment):
    ca_key, ca_cert = ca
    key = crypto.generate_private_key(key_type, 2048, 'secp384r1')
    cert = crypto.build_server_certificate(key, ca_cert, ca_key, SANS, 'vip.lan', 5, NOW)
    constraints = ext(cert, x509.BasicConstraints)
    assert constraints.critical and not constraints.value.ca
    usage = ext(cert, x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature
    assert usage.value.key_encipherment is encipherment
    assert not usage.value.key_cert_sign
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]
    aki = ext(cert, x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == ext(ca_cert, x509.SubjectKeyIdentifier).value.digest
    assert ext(cert, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    assert crypto.certificate_sans(cert) == SANS
    assert crypto.common_name(cert) == 'vip.lan'
    assert crypto.is_server_certificate(cert)
    assert crypto.issued_by(cert, ca_cert)
    assert not crypto.is_client_certificate(cert)


def test_server_profile_with_client_auth(ca):
    ca_key, ca_cert = ca
    key = crypto.generate_private_key('ecdsa', 2048, 'secp256r1')
    cert = crypto.build_server_certificate(key, ca_cert, ca_key, SANS, 'db1', 5, NOW, client_auth=True)
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    assert crypto.is_server_certificate(cert) and crypto.is_client_certificate(cert)
    assert crypto.same_public_key(cert.public_key(), key.public_key())
    assert crypto.not_before(cert) < NOW


def test_server_certificate_never_outlives_the_ca(ca):
    ca_key, ca_cert = ca
    key = crypto.generate_private_key('ecdsa')
    cert = crypto.build_server_certificate(key, ca_cert, ca_key, SANS, 'vip.lan', 3650, NOW)
    assert crypto.not_after(cert) == crypto.not_after(ca_cert)
    short = crypto.build_server_certificate(key, ca_cert, ca_key, SANS, 'vip.lan', 2, NOW)
    assert crypto.not_after(short) - NOW < datetime.timedelta(days=2, seconds=1)


def test_issued_by_rejects_another_ca_with_the_same_name(ca):
    ca_key, ca_cert = ca
    other_key = crypto.generate_private_key('ecdsa')
    other_ca = crypto.build_ca_certificate(other_key, 'test CA', 10, NOW)
    key = crypto.generate_private_key('ecdsa')
    cert = crypto.build_server_certificate(key, other_ca, other_key, SANS, 'vip.lan', 5, NOW)
    assert not crypto.issued_by(cert, ca_cert)
    assert crypto.issued_by(cert, other_ca)


def test_key_round_trip_and_description():
    key = crypto.generate_private_key('rsa', 3072)
    assert crypto.describe_key(key) == ('rsa', 3072)
    pem = crypto.private_key_pem(key, 'secret')
    assert b'ENCRYPTED' in pem
    loaded = crypto.load_private_key(pem, '/x/ca.key', 'secret')
    assert crypto.same_public_key(loaded.public_key(), key.public_key())
    with pytest.raises(crypto.CertCryptoError, match='/x/ca.key'):
        crypto.load_private_key(pem, '/x/ca.key')
    with pytest.raises(crypto.CertCryptoError, match='wrong passphrase'):
        crypto.load_private_key(pem, '/x/ca.key', 'nope')
    assert crypto.describe_key(crypto.generate_private_key('ecdsa', curve='secp521r1')) == ('ecdsa', 'secp521r1')


def test_garbage_is_reported_with_its_path():
    with pytest.raises(crypto.CertCryptoError, match='/x/server.crt'):
        crypto.load_certificate(b'-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n', '/x/server.crt')
    with pytest.raises(crypto.CertCryptoError, match='/x/server.key'):
        crypto.load_private_key(b'garbage', '/x/server.key')


def test_serial_hex_is_colon_separated_even_length(ca):
    text = crypto.serial_hex(ca[1])
    assert all(len(part) == 2 for part in text.split(':'))
    assert int(text.replace(':', ''), 16) == ca[1].serial_number
