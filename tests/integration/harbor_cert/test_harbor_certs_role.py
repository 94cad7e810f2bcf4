# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harbor_certs role through real ansible-playbook runs.

Every inventory host is connection local with its own root under a temp dir (TLS dir, trust
anchors, docker certs.d, and a private update-ca-certificates tree), so the test machine's own
trust store and docker configuration are never touched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import ssl
import sys

import pytest
from cryptography import x509

from cert_playbook import ansible_playbook
from cert_tls import handshake, nginx_serving


NODES = {'node1': '127.0.0.11', 'node2': '127.0.0.12'}
CLIENTS = {'client1': '127.0.0.21'}


class Site(object):
    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.pki = tmp_path / 'pki'
        self.nodes = dict(NODES)
        self.vip_name = 'harbor.cert.test'
        self.extra_vars = {}

    def root(self, host):
        return self.tmp_path / 'hosts' / host

    def write_inventory(self):
        for host in list(self.nodes) + list(CLIENTS):
            root = self.root(host)
            # No etc/docker: the role runs before docker is installed, and creates certs.d itself.
            for sub in ('usr/local/share/ca-certificates', 'usr/share/ca-certificates', 'etc/ssl/certs',
                        'etc/ca-certificates/update.d'):
                (root / sub).mkdir(parents=True, exist_ok=True)
            (root / 'etc/ca-certificates.conf').touch()
        host_root = '%s/hosts/{{ inventory_hostname }}' % self.tmp_path
        inventory = {'all': {
            'vars': {
                'ansible_connection': 'local',
                'ansible_python_interpreter': sys.executable,
                'harbor_certs_vip': '127.0.0.100',
                'harbor_certs_vip_name': self.vip_name,
                'harbor_certs_extra_sans': ['registry.cert.test'],
                'harbor_certs_local_dir': str(self.pki),
                'harbor_certs_dir': host_root + '/etc/harbor/tls',
                'harbor_certs_docker_certs_dir': host_root + '/etc/docker/certs.d',
                'harbor_certs_trust_anchor_dir': host_root + '/usr/local/share/ca-certificates',
                'harbor_certs_trust_update_command': [
                    'update-ca-certificates', '--certsconf', host_root + '/etc/ca-certificates.conf',
                    '--certsdir', host_root + '/usr/share/ca-certificates',
                    '--localcertsdir', host_root + '/usr/local/share/ca-certificates',
                    '--etccertsdir', host_root + '/etc/ssl/certs',
                    '--hooksdir', host_root + '/etc/ca-certificates/update.d'],
                'harbor_certs_manage_packages': False,
                **self.extra_vars,
            },
            'children': {
                'harbor': {'hosts': {h: {'ansible_host': a} for h, a in self.nodes.items()}},
                'harbor_clients': {'hosts': {h: {'ansible_host': a} for h, a in CLIENTS.items()}},
                'bystanders': {'hosts': {'db1': {'ansible_host': '127.0.0.31'}}},
            },
        }}
        path = self.tmp_path / 'inventory.json'
        path.write_text(json.dumps(inventory))  # JSON is YAML
        return path

    def play(self, check=False, expect_rc=0):
        inventory = self.write_inventory()
        rc, out = ansible_playbook(self.tmp_path, 'harbor_certs_role.yml', {}, check=check, diff=check,
                                   expect_rc=expect_rc, inventory=str(inventory))
        return rc, out

    def file(self, host, relative):
        return self.root(host) / relative


def recap(output):
    return {host: int(changed) for host, changed in re.findall(r'^(\S+)\s+: ok=\d+\s+changed=(\d+)', output, re.M)}


def task_output(output, name):
    """What one task of the role printed, up to the next task."""
    match = re.search(r'^TASK \[harborops\.ha\.harbor_certs : %s[^\n]*\n(.*?)(?=^TASK \[|^RUNNING HANDLER \[|^PLAY)' % re.escape(name),
                      output, re.M | re.S)
    assert match, 'no task %r in the output' % name
    return match.group(1)


def cert_sans(path):
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(ext.get_values_for_type(x509.DNSName)) | {str(ip) for ip in ext.get_values_for_type(x509.IPAddress)}


@pytest.fixture
def site(tmp_path):
    return Site(tmp_path)


@pytest.mark.integration
def test_role_issues_distributes_trusts_and_reissues_for_a_new_node(site, tmp_path):
    _rc, out = site.play()
    ca_pem = (site.pki / 'ca.crt').read_bytes()
    local_key = (site.pki / 'server.key').read_bytes()
    for host in NODES:
        tls = site.file(host, 'etc/harbor/tls')
        assert (tls / 'server.key').read_bytes() == local_key
        assert (tls / 'server.key').stat().st_mode & 0o777 == 0o600
        assert (tls / 'server.crt').stat().st_mode & 0o777 == 0o644
        assert (tls / 'ca.crt').read_bytes() == ca_pem
    assert not site.file('client1', 'etc/harbor/tls').exists(), 'clients get no key'
    assert not site.file('db1', 'etc').exists(), 'a play host in neither group is left alone'
    sans = cert_sans(site.pki / 'server.crt')
    assert {'node1', 'node2', '127.0.0.11', '127.0.0.12', 'harbor.cert.test', '127.0.0.100',
            'registry.cert.test'} <= sans
    assert 'client1' not in sans and '127.0.0.21' not in sans
    for host in list(NODES) + list(CLIENTS):
        assert site.file(host, 'usr/local/share/ca-certificates/harborops-ha-ca.crt').read_bytes() == ca_pem
        bundle = site.file(host, 'etc/ssl/certs/ca-certificates.crt').read_bytes()
        assert ca_pem.strip() in bundle, 'update-ca-certificates handler did not add the CA to the bundle'
        # One file docker trusts, next to certs.d; every name's ca.crt links to it.
        docker_ca = site.file(host, 'etc/docker/harborops-ha-ca.crt')
        assert docker_ca.read_bytes() == ca_pem and not docker_ca.is_symlink()
        for name in ('harbor.cert.test', '127.0.0.100', 'node1', '127.0.0.11', 'registry.cert.test'):
            link = site.file(host, 'etc/docker/certs.d/%s/ca.crt' % name)
            assert link.is_symlink() and link.resolve() == docker_ca.resolve()
    assert out.count("RUNNING HANDLER [harborops.ha.harbor_certs : Say where Harbor picks the new certificate up]") == 1
    assert 'PRIVATE KEY' not in out

    # The client's trust store (as built by update-ca-certificates) verifies node1's certificate
    # for the VIP, its name and every node, and rejects a name the certificate does not cover.
    bundle = str(site.file('client1', 'etc/ssl/certs/ca-certificates.crt'))
    node1_tls = site.file('node1', 'etc/harbor/tls')
    with nginx_serving(node1_tls / 'server.crt', node1_tls / 'server.key', tmp_path) as port:
        for name in ('harbor.cert.test', '127.0.0.100', 'node1', 'node2', '127.0.0.12', 'registry.cert.test'):
            assert 'harbor-cert-ok' in handshake(port, name, bundle)
        with pytest.raises(ssl.SSLCertVerificationError, match='mismatch'):
            handshake(port, 'node3', bundle)

    _rc, again = site.play()
    assert set(recap(again).values()) == {0}, again

    # Add a node: check mode first (nothing written), then for real.
    site.nodes['node3'] = '127.0.0.13'
    cert_before = (site.pki / 'server.crt').read_bytes()
    _rc, planned = site.play(check=True)
    assert recap(planned)['node1'] > 0 or 'changed: [node1 -> localhost]' in planned, planned
    assert (site.pki / 'server.crt').read_bytes() == cert_before
    assert not site.file('node3', 'etc/harbor/tls').exists()

    _rc, grown = site.play()
    assert (site.pki / 'server.crt').read_bytes() != cert_before
    assert {'node3', '127.0.0.13'} <= cert_sans(site.pki / 'server.crt')
    for host in ('node1', 'node2', 'node3'):
        tls = site.file(host, 'etc/harbor/tls')
        assert (tls / 'server.key').read_bytes() == local_key, 'the key must survive a reissue'
        assert (tls / 'server.crt').read_bytes() == (site.pki / 'server.crt').read_bytes()
    assert grown.count("RUNNING HANDLER [harborops.ha.harbor_certs : Say where Harbor picks the new certificate up]") == 1
    assert site.file('client1', 'etc/docker/certs.d/node3/ca.crt').exists()


@pytest.mark.integration
def test_vip_name_must_not_be_a_node_hostname(site):
    site.vip_name = 'node2'
    rc, out = site.play(expect_rc=None)
    assert rc != 0
    assert "harbor_certs_vip_name: 'node2' is the hostname of a Harbor node" in out
    assert not site.pki.exists() or not (site.pki / 'server.crt').exists()


def self_signed_ca_pem(name):
    """A CA certificate (PEM) of its own, as an operator's next or previous CA."""
    import datetime
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.mark.integration
def test_extra_trusted_ca_is_installed_next_to_the_issuing_ca(site, tmp_path):
    """A CA change: the next (or previous) CA is trusted next to the issuing one, everywhere the role
    installs the CA (docker: one file per host, the certs.d links unchanged); a missing file is refused
    before anything is written."""
    missing = str(tmp_path / 'no-such-ca.crt')
    site.extra_vars = {'harbor_certs_extra_trusted_ca_files': [missing]}
    rc, out = site.play(expect_rc=None)
    assert rc != 0
    assert 'harbor_certs_extra_trusted_ca_files: %s is not a PEM certificate file' % missing in ' '.join(out.split())
    assert not (site.pki / 'ca.crt').exists() and not site.file('node1', 'etc/harbor/tls').exists()

    site.extra_vars = {}
    site.play()
    other = tmp_path / 'next-ca.crt'
    other.write_bytes(self_signed_ca_pem('next CA'))
    site.extra_vars = {'harbor_certs_extra_trusted_ca_files': [str(other)]}
    _rc, changed = site.play()
    # A CA change rewrites docker's one CA file per host; the certs.d links stay as they are.
    relinked = task_output(changed, 'Let docker trust the CA for every registry name')
    assert 'changed:' not in relinked, relinked
    assert 'changed:' in task_output(changed, 'Install the CA that docker trusts')
    want = (site.pki / 'ca.crt').read_bytes() + other.read_bytes()
    for host in NODES:
        assert site.file(host, 'etc/harbor/tls/ca.crt').read_bytes() == want
    for host in list(NODES) + list(CLIENTS):
        assert site.file(host, 'usr/local/share/ca-certificates/harborops-ha-ca.crt').read_bytes() == want
        assert site.file(host, 'etc/docker/certs.d/harbor.cert.test/ca.crt').read_bytes() == want
    _rc, again = site.play()
    assert set(recap(again).values()) == {0}, again
