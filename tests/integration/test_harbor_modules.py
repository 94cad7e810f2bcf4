"""Integration tests of the harbor_* modules against harbor-sim.

Each test runs ``ansible-playbook`` (connection local) on tests/integration/harbor_modules.yml with one
target of tests/integration/targets/: the playbook itself asserts on module results and, through the
sim's ``/_sim/requests`` log, that a re-run sends no write request. This driver checks the exit
status and that no secret shows up in the ``-vvv`` output.
"""

import datetime
import gzip
import hashlib
import io
import ipaddress
import json
import os
import subprocess
import sys
import tarfile

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PLAYBOOK = os.path.join(HERE, 'harbor_modules.yml')

ADMIN_PASSWORD = 'SimAdmin-Pw4x9'
# Secrets the playbooks use; none of them may appear in the -vvv output.
SECRETS = {
    'harbor_admin_password': ADMIN_PASSWORD,
    'registry_secret': 'RegSecret-7hQ2z',
    'registry_secret_new': 'RegSecret-New-3kP8',
    'user_password': 'UserPassw0rd-Zq1',
    'user_password_new': 'UserPassw0rd-New-Wm5',
    'robot_secret': 'RobotSecret-9Lx4',
    'robot_secret_new': 'RobotSecret-New-2Tv6',
    'ldap_password': 'LdapBind-Pw8Jd',
    'oidc_secret': 'OidcClient-Sec5Rn',
}

from harbor_sim import testing  # noqa: E402 (tests/harbor_sim is on pytest's pythonpath)

pytestmark = pytest.mark.integration


def collections_path():
    built = os.path.join(REPO, 'build', 'collections')
    if os.path.isdir(os.path.join(built, 'ansible_collections', 'harborops', 'ha', 'plugins')):
        return built
    root = os.path.join(REPO, '.pytest_cache', 'collections')
    link = os.path.join(root, 'ansible_collections', 'harborops', 'ha')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)
    return root


def run_playbook(target, sim_url, tmp_path, extra=None, playbook=PLAYBOOK):
    """Run one target (of ``playbook``); returns the completed process (stdout+stderr in .stdout)."""
    variables = dict(SECRETS)
    variables.update(harbor_target=target, harbor_url=sim_url, harbor_username='admin')
    variables.update(extra or {})
    vars_file = tmp_path / ('%s-vars.json' % target)
    vars_file.write_text(json.dumps(variables))
    os.chmod(str(vars_file), 0o600)
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=collections_path(),
        ANSIBLE_LOCALHOST_WARNING='false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_FORCE_COLOR='false',
        ANSIBLE_NOCOLOR='true',
        ANSIBLE_RETRY_FILES_ENABLED='false',
        ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'),
    )
    for key in ('HARBOR_URL', 'HARBOR_USERNAME', 'HARBOR_PASSWORD', 'HARBOR_VALIDATE_CERTS', 'HARBOR_CA_PATH'):
        env.pop(key, None)
    bindir = os.path.dirname(sys.executable)
    command = [os.path.join(bindir, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', '-vvv',
               '-e', '@%s' % vars_file, playbook]
    proc = subprocess.run(command, env=env, cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False,
                          universal_newlines=True, timeout=900)
    (tmp_path / ('%s.log' % target)).write_text(proc.stdout)
    return proc


def check(proc, target):
    tail = '\n'.join(proc.stdout.splitlines()[-80:])
    assert proc.returncode == 0, 'playbook target %s failed:\n%s' % (target, tail)
    leaked = [name for name, value in SECRETS.items() if value in proc.stdout]
    assert not leaked, 'secrets %s appear in the -vvv output of target %s' % (leaked, target)
    assert 'PLAY RECAP' in proc.stdout


@pytest.fixture(scope='module')
def sim(tmp_path_factory, harbor_version):
    """One sim per release (conftest.py: every release of HARBOR_SIM_VERSIONS) for the targets of this file."""
    data = tmp_path_factory.mktemp('mod-sim')
    with testing.SimProcess(str(data), admin_password=ADMIN_PASSWORD, harbor_version=harbor_version) as process:
        yield process


TARGETS = ['harbor_info', 'harbor_registry', 'harbor_replication_policy', 'harbor_replication_execution',
           'harbor_project', 'harbor_user', 'harbor_project_member', 'harbor_robot', 'harbor_config',
           'harbor_bad_input']


def oci_layout(path):
    """A one-layer OCI image layout (the source of ``skopeo copy oci:``); returns the manifest digest."""
    blobs = path / 'blobs' / 'sha256'
    blobs.mkdir(parents=True)

    def put(data):
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {'digest': 'sha256:' + digest, 'size': len(data)}

    layer_tar = io.BytesIO()
    with tarfile.open(fileobj=layer_tar, mode='w') as tar:
        content = os.urandom(2048)
        info = tarfile.TarInfo('mod-test.bin')
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    layer = put(gzip.compress(layer_tar.getvalue(), mtime=0))
    config = put(json.dumps({'architecture': 'amd64', 'os': 'linux', 'config': {}, 'rootfs': {
        'type': 'layers', 'diff_ids': ['sha256:' + hashlib.sha256(layer_tar.getvalue()).hexdigest()]}}).encode())
    manifest_bytes = json.dumps({
        'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
        'config': dict(config, mediaType='application/vnd.oci.image.config.v1+json'),
        'layers': [dict(layer, mediaType='application/vnd.oci.image.layer.v1.tar+gzip')]}).encode()
    manifest = put(manifest_bytes)
    (path / 'oci-layout').write_text(json.dumps({'imageLayoutVersion': '1.0.0'}))
    (path / 'index.json').write_text(json.dumps({'schemaVersion': 2, 'manifests': [dict(
        manifest, mediaType='application/vnd.oci.image.manifest.v1+json',
        annotations={'org.opencontainers.image.ref.name': 'v1'})]}))
    return manifest['digest']


def push_image(sim, tmp_path, reference):
    """Push a fresh one-layer image to ``<sim>/<reference>`` with skopeo; returns its digest."""
    layout = tmp_path / 'oci'
    digest = oci_layout(layout)
    subprocess.run(['skopeo', 'copy', '--quiet', '--dest-tls-verify=false',
                    '--dest-creds', 'admin:%s' % ADMIN_PASSWORD, 'oci:%s:v1' % layout,
                    'docker://127.0.0.1:%d/%s' % (sim.port, reference)], check=True, timeout=120)
    return digest


def create_project(sim, name):
    response = requests.post(sim.url + '/api/v2.0/projects', auth=('admin', ADMIN_PASSWORD), timeout=30,
                             json={'project_name': name, 'metadata': {'public': 'false'}})
    assert response.status_code in (201, 409), response.text


@pytest.mark.parametrize('target', TARGETS)
def test_target(sim, tmp_path, target):
    extra = {'closed_port': testing.free_port(), 'sim_port': sim.port, 'sim_version': sim.harbor_version}
    if target == 'harbor_registry':
        with open(make_ca_and_server_cert(tmp_path)['ca.crt']) as handle:
            extra['registry_ca_pem'] = handle.read()
    if target == 'harbor_replication_execution':
        create_project(sim, 'mod-exec-src')
        extra['pushed_digest'] = push_image(sim, tmp_path, 'mod-exec-src/app:v1')
    proc = run_playbook(target, sim.url, tmp_path, extra)
    check(proc, target)


# ----------------------------------------------------------------------------------------- TLS
def make_ca_and_server_cert(directory):
    """A throw-away CA and a server certificate for 127.0.0.1/localhost signed by it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'mod test CA')])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName('localhost'),
                                                        x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {name: str(directory / name) for name in ('ca.crt', 'server.crt', 'server.key')}
    with open(paths['ca.crt'], 'wb') as handle:
        handle.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths['server.crt'], 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths['server.key'], 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(paths['server.key'], 0o600)
    return paths


def test_tls_verification(tmp_path_factory, tmp_path, harbor_version):
    certs_dir = tmp_path_factory.mktemp('mod-tls-certs')
    paths = make_ca_and_server_cert(certs_dir)
    data = tmp_path_factory.mktemp('mod-tls-sim')
    with testing.SimProcess(str(data), admin_password=ADMIN_PASSWORD, harbor_version=harbor_version,
                            extra_args=('--tls-cert', paths['server.crt'], '--tls-key', paths['server.key'])) as tls:
        url = 'https://127.0.0.1:%d' % tls.port
        proc = run_playbook('harbor_tls', url, tmp_path, {'ca_path': paths['ca.crt']})
        check(proc, 'harbor_tls')
