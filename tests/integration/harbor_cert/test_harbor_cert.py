# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""harborops.ha.harbor_cert through real ansible-playbook runs: lifecycle, renewal, CA, faults."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cert_playbook import ansible_playbook, shown_result

pytestmark = pytest.mark.integration

SANS = ['harbor.lab.example', '172.30.5.100', 'harbor1', 'harbor1.lab.example', '172.30.5.11',
        'harbor2', 'harbor2.lab.example', '172.30.5.12']
EXPECTED = ['DNS:harbor.lab.example', 'DNS:harbor1', 'DNS:harbor1.lab.example', 'DNS:harbor2',
            'DNS:harbor2.lab.example', 'IP:172.30.5.11', 'IP:172.30.5.12', 'IP:172.30.5.100']


def openssl_verify(pki):
    proc = subprocess.run(['openssl', 'verify', '-CAfile', str(pki.ca_cert), str(pki.cert)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip().endswith(': OK'), proc.stdout


def openssl_sans(pki):
    out = subprocess.run(['openssl', 'x509', '-in', str(pki.cert), '-noout', '-ext', 'subjectAltName'],
                         stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout
    return sorted(part.strip().replace('IP Address:', 'IP:') for part in out.splitlines()[1].split(','))


def load_cert(pki):
    return x509.load_pem_x509_certificate(pki.cert.read_bytes())


def test_create_check_mode_real_and_idempotent(pki):
    planned = pki.run(check=True, subject_alt_names=SANS, common_name='harbor.lab.example')
    assert planned['changed'] and planned['ca_created'] and planned['key_created'] and planned['reissued']
    assert planned['serial'] is None and planned['fingerprint'] is None
    assert list(pki.dir.iterdir()) == [], 'check mode must not write anything'

    created = pki.run(subject_alt_names=SANS, common_name='harbor.lab.example')
    assert created['changed'] and created['reissued'] and created['reissue_reasons'] == ['certificate file missing']
    assert created['subject_alt_names'] == EXPECTED
    assert created['sans_added'] == EXPECTED and created['sans_removed'] == []
    openssl_verify(pki)
    assert openssl_sans(pki) == sorted(EXPECTED)
    modes = {name: mode for name, (_mtime, mode, _data) in pki.snapshot().items()}
    assert modes == {'ca.crt': 0o644, 'ca.key': 0o600, 'server.crt': 0o644, 'server.key': 0o600}
    assert [p.name for p in pki.dir.iterdir() if p.name.startswith('.')] == [], 'no temp file left behind'
    cert = load_cert(pki)
    assert created['fingerprint'] == cert.fingerprint(__import__('cryptography.hazmat.primitives.hashes',
                                                                 fromlist=['SHA256']).SHA256()).hex(':').upper()
    assert created['serial'].replace(':', '') == '%X' % cert.serial_number or \
        created['serial'].replace(':', '') == '0%X' % cert.serial_number
    assert created['not_after'] == cert.not_valid_after_utc.isoformat()

    before = pki.snapshot()
    again = pki.run(subject_alt_names=list(reversed(SANS)), common_name='harbor.lab.example')
    assert not again['changed'] and not again['reissued'] and again['reissue_reasons'] == []
    assert again['fingerprint'] == created['fingerprint'] and again['serial'] == created['serial']
    assert pki.snapshot() == before
    checked = pki.run(check=True, diff=True, subject_alt_names=SANS, common_name='harbor.lab.example')
    assert not checked['changed'] and checked['fingerprint'] == created['fingerprint']
    assert pki.snapshot() == before


def test_added_node_reissues_with_the_same_key(pki):
    first = pki.run(subject_alt_names=SANS)
    key_before = pki.key.read_bytes()
    grown = SANS + ['harbor3', 'harbor3.lab.example', '172.30.5.13']

    planned = pki.run(check=True, diff=True, subject_alt_names=grown)
    assert planned['changed'] and planned['reissue_reasons'] == ['subjectAltName set differs']
    assert planned['sans_added'] == ['DNS:harbor3', 'DNS:harbor3.lab.example', 'IP:172.30.5.13']
    assert planned['diff']['before']['subject_alt_names'] == EXPECTED
    assert 'DNS:harbor3' in planned['diff']['after']['subject_alt_names']
    assert planned['diff']['after']['private_key'] == 'present'
    added_lines = [line[1:].strip() for line in pki.last_output.splitlines() if line.startswith('+ ')]
    assert '"DNS:harbor3",' in added_lines and '"IP:172.30.5.13",' in added_lines
    assert 'PRIVATE KEY' not in pki.last_output

    reissued = pki.run(diff=True, subject_alt_names=grown)
    assert reissued['changed'] and not reissued['key_created'] and not reissued['ca_created']
    assert reissued['serial'] != first['serial']
    assert pki.key.read_bytes() == key_before, 'the private key must be kept'
    cert = load_cert(pki)
    key = serialization.load_pem_private_key(key_before, None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert 'DNS:harbor3' in openssl_sans(pki) and 'IP:172.30.5.13' in openssl_sans(pki)
    openssl_verify(pki)
    assert 'PRIVATE KEY' not in pki.last_output

    shrunk = pki.run(subject_alt_names=SANS)
    assert shrunk['changed'] and shrunk['sans_removed'] == ['DNS:harbor3', 'DNS:harbor3.lab.example', 'IP:172.30.5.13']
    assert pki.key.read_bytes() == key_before


def test_renewal_near_expiry(pki):
    short = pki.run(subject_alt_names=SANS, validity_days=2, renew_before_days=1)
    key_before = pki.key.read_bytes()
    assert not pki.run(subject_alt_names=SANS, validity_days=2, renew_before_days=1)['changed']
    # Nothing changes but the window: the certificate now expires "within renew_before_days".
    renewed = pki.run(subject_alt_names=SANS, validity_days=2, renew_before_days=3)
    assert renewed['changed'] and renewed['reissue_reasons'] == ['expires within renew_before_days']
    assert renewed['serial'] != short['serial'] and pki.key.read_bytes() == key_before
    assert any('reissued on every run' in w for w in renewed.get('warnings', []))
    # With the default validity the new certificate lasts a year and the next run keeps it.
    yearly = pki.run(subject_alt_names=SANS)
    assert yearly['reissue_reasons'] == ['expires within renew_before_days']
    assert not pki.run(subject_alt_names=SANS)['changed']


def make_ca_with_openssl(directory, name, passphrase=None):
    key, cert = directory / (name + '.key'), directory / (name + '.crt')
    command = ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384',
               '-keyout', str(key), '-out', str(cert), '-days', '30', '-subj', '/CN=%s' % name,
               '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']
    command += ['-passout', 'pass:' + passphrase] if passphrase else ['-noenc']
    subprocess.run(command, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return cert, key


def test_supplied_ca(pki, tmp_path):
    operator = tmp_path / 'operator'
    operator.mkdir()
    ca_cert, ca_key = make_ca_with_openssl(operator, 'company-ca', passphrase='s3cret-pass')
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in operator.iterdir()}
    result = pki.run(subject_alt_names=SANS, ca_source='provided', ca_cert_path=str(ca_cert),
                     ca_key_path=str(ca_key), ca_key_passphrase='s3cret-pass', key_type='ecdsa')
    assert result['changed'] and not result['ca_created']
    assert 's3cret-pass' not in pki.last_output
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in operator.iterdir()} == before
    assert load_cert(pki).issuer.rfc4514_string() == 'CN=company-ca'
    subprocess.run(['openssl', 'verify', '-CAfile', str(ca_cert), str(pki.cert)], check=True, stdout=subprocess.PIPE)
    # The 30-day CA caps the certificate inside the 30-day renewal window: a warning, not a reissue per run.
    again = pki.run(subject_alt_names=SANS, ca_source='provided', ca_cert_path=str(ca_cert),
                    ca_key_path=str(ca_key), ca_key_passphrase='s3cret-pass', key_type='ecdsa')
    assert not again['changed'] and any('renew the CA' in w for w in again['warnings'])

    # The operator switches to another CA: the certificate is reissued under it, the key stays.
    key_before = pki.key.read_bytes()
    new_cert, new_key = make_ca_with_openssl(operator, 'new-ca')
    switched = pki.run(subject_alt_names=SANS, ca_source='provided', ca_cert_path=str(new_cert),
                       ca_key_path=str(new_key), key_type='ecdsa')
    assert switched['reissue_reasons'][0] == 'certificate not issued by the current CA'
    assert pki.key.read_bytes() == key_before
    subprocess.run(['openssl', 'verify', '-CAfile', str(new_cert), str(pki.cert)], check=True, stdout=subprocess.PIPE)

    wrong = pki.run(subject_alt_names=SANS, ca_source='provided', ca_cert_path=str(ca_cert),
                    ca_key_path=str(ca_key), ca_key_passphrase='not-the-passphrase-42', key_type='ecdsa')
    assert wrong['failed'] and 'wrong passphrase' in wrong['msg'] and str(ca_key) in wrong['msg']
    assert 'not-the-passphrase-42' not in pki.last_output


def test_corrupted_certificate_is_reissued(pki):
    pki.run(subject_alt_names=SANS)
    key_before = pki.key.read_bytes()
    pki.cert.write_text('-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n')
    result = pki.run(subject_alt_names=SANS)
    assert result['changed'] and result['reissue_reasons'] == ['certificate file unreadable']
    assert pki.key.read_bytes() == key_before
    openssl_verify(pki)


def test_corrupted_key_fails_until_regenerate_key(pki):
    first = pki.run(subject_alt_names=SANS)
    pki.key.write_bytes(pki.key.read_bytes()[:200])
    before = pki.snapshot()
    failed = pki.run(subject_alt_names=SANS)
    assert failed['failed'] and str(pki.key) in failed['msg'] and 'regenerate_key=true' in failed['msg']
    assert pki.snapshot() == before

    recovered = pki.run(subject_alt_names=SANS, regenerate_key=True)
    assert recovered['changed'] and recovered['key_created'] and recovered['reissue_reasons'] == ['new private key']
    assert recovered['ca_fingerprint'] == first['ca_fingerprint']
    openssl_verify(pki)
    cert = load_cert(pki)
    key = serialization.load_pem_private_key(pki.key.read_bytes(), None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert not pki.run(subject_alt_names=SANS)['changed']


def test_key_type_change_needs_regenerate_key(pki):
    pki.run(subject_alt_names=SANS)
    before = pki.snapshot()
    refused = pki.run(subject_alt_names=SANS, key_type='ecdsa')
    assert refused['failed'] and 'rsa 2048' in refused['msg'] and 'ecdsa secp256r1' in refused['msg']
    assert pki.snapshot() == before
    switched = pki.run(subject_alt_names=SANS, key_type='ecdsa', regenerate_key=True)
    assert switched['key_created'] and b'BEGIN PRIVATE KEY' in pki.key.read_bytes()
    assert not pki.run(subject_alt_names=SANS, key_type='ecdsa')['changed']


def test_loose_key_permissions_are_fixed(pki):
    pki.run(subject_alt_names=SANS)
    pki.key.chmod(0o644)
    fixed = pki.run(subject_alt_names=SANS)
    assert fixed['changed'] and not fixed['reissued']
    assert pki.key.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize('options, fragment', [
    (dict(subject_alt_names=['harbor1', '172.30.5.300']), "subject_alt_names: '172.30.5.300' looks like an IP"),
    (dict(subject_alt_names=['IP:harbor1']), "subject_alt_names: 'IP:harbor1' is not a valid IP address"),
    (dict(subject_alt_names=[]), 'subject_alt_names: the list is empty'),
    (dict(subject_alt_names=['harbor1'], validity_days=0), 'validity_days: must be at least 1'),
    (dict(subject_alt_names=['harbor1'], common_name='x' * 65), 'common_name: must be 1 to 64'),
])
def test_bad_input_changes_nothing(pki, options, fragment):
    pki.run(subject_alt_names=SANS)
    before = pki.snapshot()
    result = pki.run(**options)
    assert result['failed'] and fragment in result['msg'], result['msg']
    assert pki.snapshot() == before


def test_bad_input_on_a_fresh_directory_creates_nothing(pki):
    result = pki.run(subject_alt_names=['harbor1', 'IP:1.2.3'])
    assert result['failed'] and 'IP:1.2.3' in result['msg']
    assert list(pki.dir.iterdir()) == []


def test_ca_key_that_does_not_match_the_ca_cert(pki, tmp_path):
    pki.run(subject_alt_names=SANS)
    other = tmp_path / 'other'
    other.mkdir()
    _other_cert, other_key = make_ca_with_openssl(other, 'other-ca')
    pki.ca_key.write_bytes(other_key.read_bytes())
    before = pki.snapshot()
    for source in ('generate', 'provided'):
        result = pki.run(subject_alt_names=SANS + ['harbor3'], ca_source=source)
        assert result['failed'] and 'does not match the CA certificate' in result['msg'], result['msg']
        assert pki.snapshot() == before


def test_half_a_ca_is_never_replaced(pki):
    pki.run(subject_alt_names=SANS)
    pki.ca_key.unlink()
    before = pki.snapshot()
    result = pki.run(subject_alt_names=SANS)
    assert result['failed'] and 'ca_key_path' in result['msg'] and 'does not' in result['msg']
    assert pki.snapshot() == before
    missing = pki.run(subject_alt_names=SANS, ca_source='provided', ca_cert_path=str(pki.dir / 'nope.crt'),
                      ca_key_path=str(pki.dir / 'nope.key'))
    assert missing['failed'] and 'ca_source=provided' in missing['msg']
    assert pki.snapshot() == before


def test_missing_cryptography_gives_missing_required_lib(pki, tmp_path):
    bare = tmp_path / 'bare-venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip', str(bare)], check=True)
    probe = subprocess.run([str(bare / 'bin' / 'python'), '-c', 'import cryptography'], stderr=subprocess.PIPE, check=False)
    assert probe.returncode != 0, 'the bare venv unexpectedly has cryptography'
    _rc, output = ansible_playbook(tmp_path, 'harbor_cert_run.yml', dict(
        hc=pki.options(subject_alt_names=SANS), ansible_python_interpreter=str(bare / 'bin' / 'python')))
    result = shown_result(output)
    assert result['failed'] and 'Failed to import the required Python library (cryptography)' in result['msg']
    assert list(pki.dir.iterdir()) == []


def test_a_directory_it_cannot_write_fails_cleanly_before_any_write(pki):
    # /proc/sys takes no new files, not even from root: the CA certificate cannot be written there
    result = pki.run(subject_alt_names=SANS, ca_cert_path='/proc/sys/harborops-test-ca.crt')
    assert result['failed'] and result['msg'].startswith('ca_cert_path: '), result['msg']
    assert 'nothing was written' in result['msg'], result['msg']
    assert 'Traceback (most recent call last)' not in pki.last_output and 'MODULE FAILURE' not in pki.last_output
    assert list(pki.dir.iterdir()) == []


def test_a_ca_key_without_its_certificate_is_completed(pki):
    # what a run that stopped between writing ca.key and ca.crt leaves: the next run finishes the CA
    first = pki.run(subject_alt_names=SANS)
    key_pem = pki.ca_key.read_bytes()
    pki.ca_cert.unlink()
    second = pki.run(subject_alt_names=SANS)
    assert not second.get('failed'), second.get('msg')
    assert second['changed'] and second['ca_created']
    assert pki.ca_key.read_bytes() == key_pem
    assert x509.load_pem_x509_certificate(pki.ca_cert.read_bytes()).public_key().public_numbers() == \
        serialization.load_pem_private_key(key_pem, None).public_key().public_numbers()
    openssl_verify(pki)
    assert second['fingerprint'] == first['fingerprint'] or second['reissued']
    assert pki.run(subject_alt_names=SANS)['changed'] is False


def test_client_auth_reissues_with_the_same_key_and_stays(pki):
    pki.run(subject_alt_names=SANS)
    key_before = pki.key.read_bytes()
    usages = load_cert(pki).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH not in usages
    both = pki.run(subject_alt_names=SANS, client_auth=True)
    assert both['changed'] and both['reissue_reasons'] == ['extended key usage differs (client_auth)']
    assert pki.key.read_bytes() == key_before
    usages = load_cert(pki).extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
    openssl_verify(pki)
    assert not pki.run(subject_alt_names=SANS, client_auth=True)['changed']
