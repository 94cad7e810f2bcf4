# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serve a certificate with Debian's nginx (throwaway process, own prefix, 127.0.0.1) and shake hands."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import os
import shutil
import socket
import ssl
import subprocess
import time

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


def nginx_binary():
    found = shutil.which('nginx') or ('/usr/sbin/nginx' if os.path.exists('/usr/sbin/nginx') else None)
    if not found:
        raise AssertionError('nginx is missing: scripts/host-packages.txt lists it; run scripts/host-deps.sh')
    return found


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def nginx_serving(cert, key, workdir):
    """Yield the port of an nginx serving ``cert``/``key`` on 127.0.0.1; stop it afterwards."""
    prefix = workdir / 'nginx'
    (prefix / 'tmp').mkdir(parents=True)
    port = free_port()
    conf = prefix / 'nginx.conf'
    conf.write_text(NGINX_CONF.format(prefix=prefix, port=port, cert=cert, key=key))
    proc = subprocess.Popen([nginx_binary(), '-p', str(prefix), '-e', str(prefix / 'error.log'), '-c', str(conf)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise AssertionError('nginx exited: %s' % proc.stdout.read().decode())
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError('nginx did not listen on 127.0.0.1:%d' % port)
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def handshake(port, server_hostname, cafile):
    """Connect to 127.0.0.1:port verifying the certificate for ``server_hostname`` against ``cafile``."""
    context = ssl.create_default_context(cafile=cafile)  # CERT_REQUIRED and check_hostname
    with socket.create_connection(('127.0.0.1', port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            tls.sendall(b'GET / HTTP/1.0\r\nHost: x\r\n\r\n')
            return tls.recv(4096).decode()
