# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real TLS handshake against Debian's nginx serving the issued certificate.

Every DNS and IP subjectAltName must verify against the CA; a name not in the list must fail
with a hostname mismatch. nginx runs as a throwaway foreground process with its own prefix,
config and logs in a temp dir, on 127.0.0.1 and a free port.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shutil
import socket
import ssl
import subprocess
import time

import pytest

pytestmark = pytest.mark.slow

NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
SANS = ['harbor.lab.example', 'harbor1', 'harbor1.lab.example', '172.30.5.11', '172.30.5.100', '2001:db8::11']

NGINX_CONF = '''
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 16; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{ return 200 "harbor-cert-ok\\n"; }}
    }}
}}
'''


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx_with_cert(pki, tmp_path):
    if not shutil.which('nginx') and not __import__('os').path.exists(NGINX):
        pytest.fail('nginx is missing: scripts/host-packages.txt lists it; run scripts/host-deps.sh')
    issued = pki.run(subject_alt_names=SANS, common_name='harbor.lab.example', key_type='ecdsa')
    assert issued['changed'] and not issued.get('failed'), issued
    prefix = tmp_path / 'nginx'
    (prefix / 'tmp').mkdir(parents=True)
    port = free_port()
    conf = prefix / 'nginx.conf'
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, cert=pki.cert, key=pki.key))
    proc = subprocess.Popen([NGINX, '-p', str(prefix), '-e', str(prefix / 'error.log'), '-c', str(conf)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                pytest.fail('nginx exited: %s' % proc.stdout.read().decode())
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail('nginx did not listen on 127.0.0.1:%d' % port)
                time.sleep(0.1)
        yield issued, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def handshake(port, server_hostname, cafile):
    context = ssl.create_default_context(cafile=cafile)  # verify_mode CERT_REQUIRED, check_hostname on
    with socket.create_connection(('127.0.0.1', port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            tls.sendall(b'GET / HTTP/1.0\r\nHost: x\r\n\r\n')
            return tls.recv(4096).decode()


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
