#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, harborops maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
---
module: harbor_cert
short_description: Keep one CA-signed TLS server certificate whose SANs cover every Harbor name
description:
  - Creates or reuses a certificate authority (CA) and a server private key and certificate
    signed by it, whose subjectAltName lists every DNS name and IP address clients and peer
    nodes use to reach Harbor (VIP name, node hostnames, addresses).
  - The CA is either generated once by this module (O(ca_source=generate)) or supplied by the
    operator (O(ca_source=provided)); a provided CA is never written.
  - The certificate is reissued only when the wanted SAN set or common name differs from the
    current one, the certificate does not match the private key, it was not signed by the current
    CA, it is not a TLS server certificate, or it expires within O(renew_before_days).
    An unreadable (corrupted) certificate file is reissued, since it only holds public data.
  - The server private key is kept across reissues; it is replaced only with O(regenerate_key=true).
    An unreadable private key file is an error unless O(regenerate_key=true).
  - Files are written atomically (temporary file in the same directory, then rename); private
    keys get mode V(0600), certificates V(0644). Parent directories must exist.
  - Nothing is touched when an input is invalid; every check runs before the first write,
    including that every directory written to is writable.
version_added: 0.1.0
author:
  - harborops maintainers (@harborops)
requirements:
  - cryptography >= 3.3
options:
  subject_alt_names:
    description:
      - DNS names and IP addresses for the certificate's subjectAltName.
      - Each entry is V(DNS:name), V(IP:address) or a bare value (an IP address when it parses as
        one, otherwise a DNS name). DNS names are compared lower-case without a trailing dot, IP
        addresses in canonical form; duplicates are dropped and order does not matter.
      - A wildcard is allowed only as the whole left-most label (V(*.example.com)).
    type: list
    elements: str
    required: true
  common_name:
    description:
      - Subject common name of the server certificate (at most 64 characters).
      - Defaults to the first DNS name in sorted order that fits, else the first IP address.
        Clients verify against subjectAltName only; the common name is informational.
    type: str
  cert_path:
    description: Where the server certificate (PEM) is kept.
    type: path
    required: true
  key_path:
    description: Where the server private key (PEM, PKCS#8, unencrypted, mode V(0600)) is kept.
    type: path
    required: true
  ca_cert_path:
    description: Path of the CA certificate (PEM).
    type: path
    required: true
  ca_key_path:
    description: Path of the CA private key (PEM). Written with mode V(0600) when generated.
    type: path
    required: true
  ca_source:
    description:
      - V(generate) creates a self-signed CA at O(ca_cert_path) and O(ca_key_path) when neither
        file exists and reuses it afterwards. The key is written first; when only the key exists
        (a run stopped between the two writes) the CA certificate is made from it. When only the
        certificate exists, or they do not belong together, the module fails rather than replace a
        CA that clients may already trust.
      - V(provided) uses an existing CA certificate and key supplied by the operator; both must
        exist, the key must match the certificate, and the certificate must be a CA
        (basicConstraints CA:TRUE). They are never written.
    type: str
    choices: [generate, provided]
    default: generate
  ca_key_passphrase:
    description:
      - Passphrase of the CA private key. With O(ca_source=generate) a newly created CA key is
        encrypted with it.
    type: str
  ca_common_name:
    description: Common name of a generated CA. Ignored with O(ca_source=provided).
    type: str
    default: harborops.ha CA
  ca_validity_days:
    description: Validity of a generated CA, in days. Only used when the CA is created.
    type: int
    default: 3650
  key_type:
    description:
      - Type of the private keys this module generates (server key, and a generated CA's key).
      - An existing server key of another type or size is an error unless O(regenerate_key=true).
    type: str
    choices: [rsa, ecdsa]
    default: rsa
  key_size:
    description: RSA modulus size in bits, for O(key_type=rsa).
    type: int
    choices: [2048, 3072, 4096]
    default: 2048
  curve:
    description: Elliptic curve, for O(key_type=ecdsa).
    type: str
    choices: [secp256r1, secp384r1, secp521r1]
    default: secp256r1
  validity_days:
    description:
      - Validity of an issued server certificate, in days. It is shortened so that it never
        outlives the CA.
    type: int
    default: 365
  renew_before_days:
    description:
      - Reissue the certificate when it expires within this many days.
      - A value of at least O(validity_days) reissues on every run (a warning says so).
    type: int
    default: 30
  regenerate_key:
    description:
      - Generate a new server private key (and so a new certificate) on this run, even when the
        current key is valid. Use it once, to rotate the key or to recover from a corrupted key
        file; left on, every run rotates the key.
    type: bool
    default: false
  client_auth:
    description:
      - Let the certificate authenticate its holder as a TLS client too (extended key usage
        clientAuth besides serverAuth), for services whose members verify each other's
        certificates, such as etcd peers or Patroni connecting to etcd.
      - A certificate whose usage differs is reissued.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports what would be created or reissued, and why, without writing any file.
  diff_mode:
    support: full
    description:
      - Shows the subjectAltName entries, common name and issuer before and after, and whether
        the private key is kept or new. Key material never appears.
  idempotent:
    support: full
    description:
      - A second run with the same options and an unexpired certificate changes nothing.
      - Except with O(regenerate_key=true), or O(renew_before_days) >= O(validity_days).
notes:
  - Run it once, on the controller (C(delegate_to=localhost), C(run_once=true)), and copy the files
    to the nodes; the role M(harborops.ha.harbor_certs) does this.
  - The validity of an existing certificate is read from the certificate and compared with the
    system clock; nothing is cached.
seealso:
  - name: harbor_certs role
    description: Computes the SANs from the inventory, distributes the files and the CA trust.
    link: https://example.invalid/harborops/ha/README.md
'''

EXAMPLES = r'''
- name: Issue Harbor's certificate from a CA generated on the controller
  harborops.ha.harbor_cert:
    subject_alt_names:
      - harbor.example.com      # the VIP name
      - 192.0.2.10              # the VIP
      - harbor1
      - harbor1.example.com
      - 192.0.2.11
      - harbor2
      - harbor2.example.com
      - 192.0.2.12
    common_name: harbor.example.com
    ca_cert_path: /srv/harbor-pki/ca.crt
    ca_key_path: /srv/harbor-pki/ca.key
    cert_path: /srv/harbor-pki/server.crt
    key_path: /srv/harbor-pki/server.key
  delegate_to: localhost
  run_once: true
  register: harbor_tls

- name: Use the company CA and an ECDSA key, renew two months before expiry
  harborops.ha.harbor_cert:
    ca_source: provided
    ca_cert_path: /srv/pki/company-ca.crt
    ca_key_path: /srv/pki/company-ca.key
    ca_key_passphrase: "{{ vault_company_ca_passphrase }}"
    subject_alt_names: [DNS:harbor.example.com, IP:192.0.2.10]
    key_type: ecdsa
    curve: secp384r1
    renew_before_days: 60
    cert_path: /srv/harbor-pki/server.crt
    key_path: /srv/harbor-pki/server.key
  delegate_to: localhost
  run_once: true

- name: Rotate the server key once (also recovers from a corrupted key file)
  harborops.ha.harbor_cert:
    subject_alt_names: [harbor.example.com]
    ca_cert_path: /srv/harbor-pki/ca.crt
    ca_key_path: /srv/harbor-pki/ca.key
    cert_path: /srv/harbor-pki/server.crt
    key_path: /srv/harbor-pki/server.key
    regenerate_key: true
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
cert_path:
  description: Path of the server certificate.
  returned: always
  type: str
  sample: /srv/harbor-pki/server.crt
key_path:
  description: Path of the server private key.
  returned: always
  type: str
  sample: /srv/harbor-pki/server.key
ca_cert_path:
  description: Path of the CA certificate (give it to clients as their trust anchor).
  returned: always
  type: str
  sample: /srv/harbor-pki/ca.crt
ca_key_path:
  description: Path of the CA private key.
  returned: always
  type: str
  sample: /srv/harbor-pki/ca.key
subject_alt_names:
  description: The certificate's subjectAltName entries, normalised and sorted (DNS first, then IP).
  returned: always
  type: list
  elements: str
  sample: [DNS:harbor.example.com, DNS:harbor1, IP:192.0.2.10]
sans_added:
  description: Entries the new certificate has that the previous one did not.
  returned: always
  type: list
  elements: str
  sample: [DNS:harbor3, IP:192.0.2.13]
sans_removed:
  description: Entries the previous certificate had that the new one does not.
  returned: always
  type: list
  elements: str
  sample: []
common_name:
  description: Subject common name of the server certificate.
  returned: always
  type: str
  sample: harbor.example.com
serial:
  description: Serial number of the certificate, colon-separated hex. V(null) in check mode when a new certificate would be issued.
  returned: always
  type: str
  sample: "4F:1A:09:...:C2"
not_before:
  description: Start of validity (ISO 8601, UTC). V(null) in check mode when a new certificate would be issued.
  returned: always
  type: str
  sample: "2026-11-23T19:00:00+00:00"
not_after:
  description: End of validity (ISO 8601, UTC). In check mode, the expected end for a new certificate.
  returned: always
  type: str
  sample: "2027-11-23T19:05:00+00:00"
fingerprint:
  description: SHA-256 fingerprint of the certificate. V(null) in check mode when a new certificate would be issued.
  returned: always
  type: str
  sample: "AB:CD:...:EF"
ca_fingerprint:
  description: SHA-256 fingerprint of the CA certificate. V(null) in check mode when the CA would be created.
  returned: always
  type: str
  sample: "12:34:...:56"
ca_created:
  description: Whether the CA was (or in check mode would be) generated on this run.
  returned: always
  type: bool
  sample: false
key_created:
  description: Whether a new server private key was (or would be) generated on this run.
  returned: always
  type: bool
  sample: false
reissued:
  description: Whether a new server certificate was (or would be) issued on this run.
  returned: always
  type: bool
  sample: true
reissue_reasons:
  description: Why the certificate was (or would be) issued; empty when it was kept.
  returned: always
  type: list
  elements: str
  sample: [subjectAltName set differs]
'''

import datetime
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.harborops.ha.plugins.module_utils import _cert_crypto as crypto
from ansible_collections.harborops.ha.plugins.module_utils._cert_files import read_if_exists, write_atomic
from ansible_collections.harborops.ha.plugins.module_utils._cert_plan import (
    MAX_COMMON_NAME,
    CertFacts,
    default_common_name,
    reissue_reasons,
)
from ansible_collections.harborops.ha.plugins.module_utils._cert_sans import (
    SanError,
    format_sans,
    normalise_sans,
    san_changes,
)

KEY_MODE = 0o600
CERT_MODE = 0o644


class HarborCert(object):
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.now = crypto.utcnow()
        self.writes = []  # (path, bytes, mode), done only after every check passed
        self.chmods = []  # (path, mode) for existing key files with loose permissions

    def fail(self, msg):
        self.module.fail_json(msg=msg)

    # --- input ------------------------------------------------------------------------------
    def validate(self):
        p = self.params
        try:
            self.sans = normalise_sans(p['subject_alt_names'])
        except SanError as exc:
            self.fail('subject_alt_names: %s' % exc)
        if p['common_name'] is not None:
            cn = p['common_name'].strip()
            if not cn or len(cn) > MAX_COMMON_NAME:
                self.fail('common_name: must be 1 to %d characters, got %d' % (MAX_COMMON_NAME, len(cn)))
            self.common_name = cn
        else:
            try:
                self.common_name = default_common_name(self.sans)
            except ValueError as exc:
                self.fail('common_name: %s' % exc)
        for option in ('validity_days', 'ca_validity_days'):
            if p[option] < 1:
                self.fail('%s: must be at least 1, got %d' % (option, p[option]))
        if p['renew_before_days'] < 0:
            self.fail('renew_before_days: must be 0 or more, got %d' % p['renew_before_days'])
        if p['renew_before_days'] >= p['validity_days']:
            self.module.warn('renew_before_days (%d) >= validity_days (%d): the certificate is reissued on every run'
                             % (p['renew_before_days'], p['validity_days']))
        paths = {}
        for option in ('cert_path', 'key_path', 'ca_cert_path', 'ca_key_path'):
            path = p[option]
            if os.path.isdir(path):
                self.fail('%s: %s is a directory, expected a file path' % (option, path))
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                self.fail('%s: directory %s does not exist' % (option, parent))
            real = os.path.realpath(path)
            if real in paths:
                self.fail('%s and %s: both point to %s' % (paths[real], option, path))
            paths[real] = option

    def read(self, option):
        path = self.params[option]
        try:
            return read_if_exists(path)
        except (IOError, OSError) as exc:
            self.fail('%s: cannot read %s: %s' % (option, path, exc.strerror))

    # --- CA ---------------------------------------------------------------------------------
    def load_ca(self):
        p = self.params
        cert_data, key_data = self.read('ca_cert_path'), self.read('ca_key_path')
        self.ca_created = False
        if cert_data is None and key_data is None:
            if p['ca_source'] == 'provided':
                self.fail('ca_source=provided: neither ca_cert_path %s nor ca_key_path %s exists'
                          % (p['ca_cert_path'], p['ca_key_path']))
            self.ca_key = crypto.generate_private_key(p['key_type'], p['key_size'], p['curve'])
            self.ca_cert = crypto.build_ca_certificate(self.ca_key, p['ca_common_name'], p['ca_validity_days'], self.now)
            self.ca_created = True
            self.writes.append((p['ca_key_path'], crypto.private_key_pem(self.ca_key, p['ca_key_passphrase']), KEY_MODE))
            self.writes.append((p['ca_cert_path'], crypto.certificate_pem(self.ca_cert), CERT_MODE))
            return
        if cert_data is None and p['ca_source'] == 'generate':
            # ca.key written, ca.crt not (a run that failed between the two writes): no certificate
            # exists that anyone could trust yet, so finish the CA from that key
            try:
                self.ca_key = crypto.load_private_key(key_data, p['ca_key_path'], p['ca_key_passphrase'])
            except crypto.CertCryptoError as exc:
                self.fail('ca_key_path %s exists but ca_cert_path %s does not, and the key cannot be read (%s); '
                          'restore the CA certificate or remove the key' % (p['ca_key_path'], p['ca_cert_path'], exc))
            self.ca_cert = crypto.build_ca_certificate(self.ca_key, p['ca_common_name'], p['ca_validity_days'], self.now)
            self.ca_created = True
            self.writes.append((p['ca_cert_path'], crypto.certificate_pem(self.ca_cert), CERT_MODE))
            self.want_mode('ca_key_path', KEY_MODE)
            return
        if cert_data is None or key_data is None:
            present, missing = ('ca_cert_path', 'ca_key_path') if key_data is None else ('ca_key_path', 'ca_cert_path')
            self.fail('%s %s exists but %s %s does not; restore it (a CA is never regenerated half-way, '
                      'clients may already trust it)' % (present, p[present], missing, p[missing]))
        try:
            self.ca_cert = crypto.load_certificate(cert_data, p['ca_cert_path'])
            self.ca_key = crypto.load_private_key(key_data, p['ca_key_path'], p['ca_key_passphrase'])
        except crypto.CertCryptoError as exc:
            self.fail('CA: %s' % exc)
        if not crypto.is_ca_certificate(self.ca_cert):
            self.fail('ca_cert_path: %s is not a CA certificate (basicConstraints CA:TRUE missing)' % p['ca_cert_path'])
        if not crypto.same_public_key(self.ca_cert.public_key(), self.ca_key.public_key()):
            self.fail('ca_key_path: the key in %s does not match the CA certificate %s'
                      % (p['ca_key_path'], p['ca_cert_path']))
        ca_expiry = crypto.not_after(self.ca_cert)
        if ca_expiry <= self.now:
            self.fail('ca_cert_path: the CA certificate %s expired on %s' % (p['ca_cert_path'], ca_expiry.isoformat()))
        if ca_expiry - self.now <= datetime.timedelta(days=p['renew_before_days']):
            self.module.warn('the CA certificate %s expires on %s, within renew_before_days; certificates it '
                             'signs cannot outlive it: renew the CA' % (p['ca_cert_path'], ca_expiry.isoformat()))
        if p['ca_source'] == 'generate':
            self.want_mode('ca_key_path', KEY_MODE)

    # --- server key -------------------------------------------------------------------------
    def load_key(self):
        p = self.params
        data = self.read('key_path')
        self.key = None
        if data is not None and not p['regenerate_key']:
            try:
                self.key = crypto.load_private_key(data, p['key_path'])
            except crypto.CertCryptoError as exc:
                self.fail('key_path: %s; set regenerate_key=true to replace it with a new key' % exc)
            have = crypto.describe_key(self.key)
            want = ('rsa', p['key_size']) if p['key_type'] == 'rsa' else ('ecdsa', p['curve'])
            if have != want:
                self.fail('key_path: %s holds a %s %s key but %s %s is requested; set regenerate_key=true to replace it'
                          % (p['key_path'], have[0], have[1], want[0], want[1]))
            self.want_mode('key_path', KEY_MODE)
        self.key_created = self.key is None
        self.key_existed = data is not None
        if self.key_created:
            self.key = crypto.generate_private_key(p['key_type'], p['key_size'], p['curve'])

    def want_mode(self, option, mode):
        path = self.params[option]
        if os.stat(path).st_mode & 0o7777 != mode:
            self.chmods.append((path, mode))

    # --- certificate ------------------------------------------------------------------------
    def inspect_cert(self):
        data = self.read('cert_path')
        self.old_cert = None
        self.old_sans = []
        if data is None:
            return None, False
        try:
            self.old_cert = crypto.load_certificate(data, self.params['cert_path'])
        except crypto.CertCryptoError:
            return None, True
        self.old_sans = crypto.certificate_sans(self.old_cert)
        facts = CertFacts(
            sans=self.old_sans,
            common_name=crypto.common_name(self.old_cert),
            not_after=crypto.not_after(self.old_cert),
            key_matches=crypto.same_public_key(self.old_cert.public_key(), self.key.public_key()),
            issued_by_ca=not self.ca_created and crypto.issued_by(self.old_cert, self.ca_cert),
            is_server_cert=crypto.is_server_certificate(self.old_cert),
        )
        return facts, False

    def run(self):
        p = self.params
        self.validate()
        self.load_ca()
        self.load_key()
        facts, unreadable = self.inspect_cert()
        reasons = reissue_reasons(facts, self.sans, self.common_name, p['renew_before_days'], self.now,
                                  new_key=self.key_created and self.key_existed, unreadable=unreadable,
                                  ca_not_after=crypto.not_after(self.ca_cert))
        if facts is not None and crypto.is_client_certificate(self.old_cert) != p['client_auth']:
            reasons.append('extended key usage differs (client_auth)')
        if self.key_created:
            self.writes.append((p['key_path'], crypto.private_key_pem(self.key), KEY_MODE))
        cert = self.old_cert
        if reasons:
            cert = crypto.build_server_certificate(self.key, self.ca_cert, self.ca_key, self.sans, self.common_name,
                                                   p['validity_days'], self.now, client_auth=p['client_auth'])
            self.writes.append((p['cert_path'], crypto.certificate_pem(cert), CERT_MODE))
        else:
            self.want_mode('cert_path', CERT_MODE)

        changed = bool(self.writes or self.chmods)
        if changed and not self.module.check_mode:
            self.check_writable()
            self.write_all()

        added, removed = san_changes(self.old_sans, self.sans)
        shown = cert if (not reasons or not self.module.check_mode) else None
        result = dict(
            changed=changed,
            cert_path=p['cert_path'],
            key_path=p['key_path'],
            ca_cert_path=p['ca_cert_path'],
            ca_key_path=p['ca_key_path'],
            subject_alt_names=format_sans(self.sans),
            sans_added=added,
            sans_removed=removed,
            common_name=self.common_name,
            serial=crypto.serial_hex(shown) if shown else None,
            not_before=crypto.not_before(shown).isoformat() if shown else None,
            not_after=crypto.not_after(cert).isoformat(),
            fingerprint=crypto.sha256_fingerprint(shown) if shown else None,
            ca_fingerprint=(None if self.ca_created and self.module.check_mode
                            else crypto.sha256_fingerprint(self.ca_cert)),
            ca_created=self.ca_created,
            key_created=self.key_created,
            reissued=bool(reasons),
            reissue_reasons=reasons,
        )
        if self.module._diff:
            result['diff'] = self.diff(cert)
        self.module.exit_json(**result)

    def check_writable(self):
        """Every file this run writes can be written: checked before the first write."""
        for path, _data, _mode in self.writes:
            parent = os.path.dirname(os.path.abspath(path))
            if not os.access(parent, os.W_OK | os.X_OK):
                self.fail('%s: cannot write into directory %s (permission denied); nothing was written'
                          % (self.option_of(path), parent))
        for path, _mode in self.chmods:
            if os.stat(path).st_uid != os.geteuid() and os.geteuid() != 0:
                self.fail('%s: cannot change the mode of %s (not its owner); nothing was written'
                          % (self.option_of(path), path))

    def write_all(self):
        """Keys before certificates (the order of self.writes): a run that stops half-way leaves a key
        without its certificate, which the next run completes. Errors name the file and what was written."""
        done = []
        error = None
        try:
            for path, mode in self.chmods:
                os.chmod(path, mode)
            for path, data, mode in self.writes:
                write_atomic(path, data, mode)
                done.append(self.option_of(path))
        except (IOError, OSError) as exc:
            error = '%s: writing %s failed: %s; %s' % (
                self.option_of(path), path, exc.strerror or exc,
                'written before the failure: %s (the next run completes the rest)' % ', '.join(done)
                if done else 'nothing was written')
        if error:
            self.fail(error)  # outside the except block: no traceback attached

    def option_of(self, path):
        for option in ('cert_path', 'key_path', 'ca_cert_path', 'ca_key_path'):
            if self.params[option] == path or os.path.abspath(self.params[option]) == os.path.abspath(str(path)):
                return option
        return 'harbor_cert'

    def diff(self, new_cert):
        before = {}
        if self.old_cert is not None:
            before = dict(
                subject_alt_names=format_sans(self.old_sans),
                common_name=crypto.common_name(self.old_cert),
                issuer=self.old_cert.issuer.rfc4514_string(),
                not_after=crypto.not_after(self.old_cert).isoformat(),
            )
        if self.key_existed:
            before['private_key'] = 'present'
        after = dict(
            subject_alt_names=format_sans(self.sans),
            common_name=self.common_name,
            issuer=self.ca_cert.subject.rfc4514_string(),
            not_after=crypto.not_after(new_cert).isoformat(),
            private_key='new' if self.key_created else 'present',
        )
        return dict(before=before, after=after)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            subject_alt_names=dict(type='list', elements='str', required=True),
            common_name=dict(type='str'),
            cert_path=dict(type='path', required=True),
            key_path=dict(type='path', required=True, no_log=False),
            ca_cert_path=dict(type='path', required=True),
            ca_key_path=dict(type='path', required=True, no_log=False),
            ca_source=dict(type='str', choices=['generate', 'provided'], default='generate'),
            ca_key_passphrase=dict(type='str', no_log=True),
            ca_common_name=dict(type='str', default='harborops.ha CA'),
            ca_validity_days=dict(type='int', default=3650),
            key_type=dict(type='str', choices=['rsa', 'ecdsa'], default='rsa'),
            key_size=dict(type='int', choices=[2048, 3072, 4096], default=2048),
            curve=dict(type='str', choices=['secp256r1', 'secp384r1', 'secp521r1'], default='secp256r1'),
            validity_days=dict(type='int', default=365),
            renew_before_days=dict(type='int', default=30),
            regenerate_key=dict(type='bool', default=False),
            client_auth=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    if not crypto.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography'), exception=crypto.CRYPTOGRAPHY_IMPORT_ERROR)
    HarborCert(module).run()


if __name__ == '__main__':
    main()
