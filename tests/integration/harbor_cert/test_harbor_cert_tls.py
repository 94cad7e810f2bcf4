# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real TLS handshake against Debian's nginx serving the certificate harbor_cert issued.

Every DNS and IP subjectAltName must verify against the CA; a name not in the list must fail
with a hostname mismatch.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ssl
import subprocess

import pytest

from cert_tls import handshake, nginx_serving

pytestmark = pytest.mark.integration

SANS = ['harbor.lab.example', 'harbor1', 'harbor1.lab.example', '172.30.5.11', '172.30.5.100', '2001:db8::11']


@pytest.fixture
def nginx_with_cert(pki, tmp_path):
    issued = pki.run(subject_alt_names=SANS, common_name='harbor.lab.example', key_type='ecdsa')
    assert issued['changed'] and not issued.get('failed'), issued
    with nginx_serving(pki.cert, pki.key, tmp_path) as port:
        yield issued, port


def test_every_san_verifies_and_other_names_fail(pki, nginx_with_cert):
    issued, port = nginx_with_cert
    assert issued['subject_alt_names'] == ['DNS:harbor.lab.example', 'DNS:harbor1', 'DNS:harbor1.lab.example',
                                           'IP:172.30.5.11', 'IP:172.30.5.100', 'IP:2001:db8::11']
    for entry in issued['subject_alt_names']:
        name = entry.split(':', 1)[1]
        reply = handshake(port, name, str(pki.ca_cert))
        assert 'harbor-cert-ok' in reply, (name, reply)

    for stranger in ('harbor2', 'evil.example', '172.30.5.12', 'harbor.lab.example.evil'):
        with pytest.raises(ssl.SSLCertVerificationError) as caught:
            handshake(port, stranger, str(pki.ca_cert))
        assert 'mismatch' in caught.value.verify_message, (stranger, caught.value.verify_message)


def test_another_ca_is_not_trusted(pki, nginx_with_cert, tmp_path):
    _issued, port = nginx_with_cert
    other = tmp_path / 'other-ca.crt'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                    '-keyout', str(tmp_path / 'other-ca.key'), '-out', str(other), '-days', '2', '-noenc',
                    '-subj', '/CN=harborops.ha CA'], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with pytest.raises(ssl.SSLCertVerificationError) as caught:
        handshake(port, 'harbor1', str(other))
    assert 'unable to get local issuer certificate' in caught.value.verify_message or \
        'signature' in caught.value.verify_message, caught.value.verify_message
