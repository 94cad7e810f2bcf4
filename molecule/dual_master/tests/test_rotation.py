"""Certificate rotation as users see it (side_effect's rotate.yml: a new CA, a new name and a new key,
then the site steps again): the certificate served on each node, through the VIP name and by the
front is the new one from the controller's PKI directory, signed by the new CA, which alone is
trusted at the end; the client that looped through the VIP during the rotation lost no pull and at
most one ping per VIP move."""

import hashlib
import os
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from conftest import NODES, VIP, VIP_NAME, assert_client_through_the_vip_lost_no_pull, controller_ca, node

testinfra_hosts = ["dm-front"]
NEW_NAME = "rotated.dm.lab"


def _pki(name):
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "dm-pki", name)


def _served(address, server_name=VIP_NAME):
    """The DER certificate served at address:443 for server_name, TLS verified with the controller CA."""
    ctx = ssl.create_default_context(cafile=controller_ca())
    with socket.create_connection((address, 443), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_name) as tls:
            return tls.getpeercert(binary_form=True)


def _fingerprint(der):
    return hashlib.sha256(der).hexdigest()


def _issued():
    with open(_pki("server.crt"), "rb") as pem:
        return x509.load_pem_x509_certificate(pem.read())


def test_the_issued_certificate_carries_the_new_name_and_the_new_ca():
    sans = _issued().extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert NEW_NAME in sans.get_values_for_type(x509.DNSName)
    assert _issued().issuer.rfc4514_string() == "CN=dm next CA"


def test_the_old_ca_no_longer_verifies_what_the_vip_serves():
    ctx = ssl.create_default_context(cafile=os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"],
                                                         "dm-ca-previous", "ca.crt"))
    with socket.create_connection((VIP, 443), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            ctx.wrap_socket(raw, server_hostname=VIP_NAME)


@pytest.mark.parametrize("name", sorted(NODES))
def test_nodes_trust_only_the_new_ca_at_the_end(name):
    with open(controller_ca(), encoding="ascii") as pem:
        want = pem.read()
    host = node(name)
    for path in ("/etc/harbor/tls/ca.crt", f"/etc/docker/certs.d/{VIP_NAME}/ca.crt",
                 "/usr/local/share/ca-certificates/harborops-ha-ca.crt"):
        assert host.file(path).content_string == want, path


@pytest.mark.parametrize("address", sorted(NODES.values()) + [VIP])
def test_each_node_and_the_vip_serve_the_issued_certificate(address):
    assert _fingerprint(_served(address)) == _fingerprint(_issued().public_bytes(Encoding.DER))
    # The new name verifies too (the rotated certificate, not only the same fingerprint).
    assert _served(address, NEW_NAME)


def test_the_front_serves_the_issued_certificate(host):
    out = host.check_output(
        f"openssl s_client -connect 127.0.0.1:443 -servername {VIP_NAME} -verify_return_error "
        f"-CAfile /etc/harbor/tls/ca.crt < /dev/null 2> /dev/null | openssl x509 -outform DER | sha256sum")
    assert out.split()[0] == _fingerprint(_issued().public_bytes(Encoding.DER))


def test_harbor_serves_the_copy_prepare_made_of_the_new_files():
    for name in NODES:
        host = node(name)
        for src, served in (("/etc/harbor/tls/server.crt", "/data/secret/cert/server.crt"),
                            ("/etc/harbor/tls/server.key", "/data/secret/cert/server.key")):
            assert host.run(f"cmp -s {src} {served}").rc == 0, (name, src)
        assert not host.file("/etc/keepalived/maintenance").exists, name


def test_the_client_through_the_vip_lost_no_pull_and_at_most_one_ping_per_vip_move():
    assert_client_through_the_vip_lost_no_pull("rotation", "dm-rotation.json")
