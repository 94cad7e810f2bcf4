# -*- coding: utf-8 -*-
# Copyright: (c) 2026, harborops maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the harborops.ha collection: no compatibility promise outside it.
"""Keys and X.509 certificates for harbor_cert, built with the ``cryptography`` library."""

import datetime
import ipaddress
import traceback

from ansible_collections.harborops.ha.plugins.module_utils._cert_sans import normalise_san, san_sort_key

CRYPTOGRAPHY_IMPORT_ERROR = None
try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

HAS_CRYPTOGRAPHY = CRYPTOGRAPHY_IMPORT_ERROR is None

CURVES = ('secp256r1', 'secp384r1', 'secp521r1')
RSA_SIZES = (2048, 3072, 4096)
# Issued certificates start a little in the past so a node whose clock lags still accepts them.
BACKDATE = datetime.timedelta(minutes=5)


class CertCryptoError(Exception):
    """Key or certificate material that cannot be used; the message names the problem, never the key."""


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def generate_private_key(key_type, key_size=2048, curve='secp256r1'):
    if key_type == 'rsa':
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return ec.generate_private_key(getattr(ec, curve.upper())())


def private_key_pem(key, passphrase=None):
    encryption = serialization.NoEncryption()
    if passphrase:
        encryption = serialization.BestAvailableEncryption(passphrase.encode('utf-8'))
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def certificate_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def load_private_key(data, path, passphrase=None):
    password = passphrase.encode('utf-8') if passphrase else None
    try:
        return serialization.load_pem_private_key(data, password=password)
    except TypeError as exc:
        # cryptography says "Password was not given but private key is encrypted" or the reverse.
        raise CertCryptoError('private key %s: %s' % (path, exc))
    except (ValueError, UnsupportedAlgorithm):
        raise CertCryptoError('private key %s is not a readable PEM private key (corrupted, or wrong passphrase)' % path)


def load_certificate(data, path):
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertCryptoError('certificate %s is not a readable PEM certificate' % path)


def describe_key(key):
    """Return ``(key_type, size_or_curve)`` as the module's options spell them."""
    if isinstance(key, rsa.RSAPrivateKey):
        return 'rsa', key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return 'ecdsa', key.curve.name
    return type(key).__name__, None


def _spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def same_public_key(a, b):
    return _spki(a) == _spki(b)


def _signature_hash(key):
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return None
    return hashes.SHA256()


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def not_after(cert):
    value = getattr(cert, 'not_valid_after_utc', None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def not_before(cert):
    value = getattr(cert, 'not_valid_before_utc', None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def build_ca_certificate(key, common_name, validity_days, now):
    public_key = key.public_key()
    ski = x509.SubjectKeyIdentifier.from_public_key(public_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=validity_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    return builder.sign(key, _signature_hash(key))


def _authority_key_identifier(ca_cert):
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())


def _general_name(san):
    kind, value = san
    if kind == 'IP':
        return x509.IPAddress(ipaddress.ip_address(value))
    return x509.DNSName(value)


def build_server_certificate(key, ca_cert, ca_key, sans, common_name, validity_days, now, client_auth=False):
    """Sign a TLS server certificate; it never outlives the CA that signs it. With client_auth it
    also authenticates its holder as a TLS client (peers that verify each other, e.g. etcd)."""
    public_key = key.public_key()
    expires = min(now + datetime.timedelta(days=validity_days), not_after(ca_cert))
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(expires)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            # RSA key exchange (TLS 1.2 without ECDHE) encrypts with the server key.
            key_encipherment=isinstance(key, rsa.RSAPrivateKey),
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]
                                             + ([ExtendedKeyUsageOID.CLIENT_AUTH] if client_auth else [])), critical=False)
        .add_extension(x509.SubjectAlternativeName([_general_name(san) for san in sans]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_identifier(ca_cert), critical=False)
    )
    return builder.sign(ca_key, _signature_hash(ca_key))


def certificate_sans(cert):
    """The certificate's DNS and IP subjectAltNames, normalised like the module's input."""
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    sans = set()
    for name in extension.get_values_for_type(x509.DNSName):
        try:
            sans.add(normalise_san('DNS:' + name))
        except ValueError:
            sans.add(('DNS', name))  # kept verbatim: it differs from any valid wanted name
    for address in extension.get_values_for_type(x509.IPAddress):
        sans.add(('IP', str(address)))
    return sorted(sans, key=san_sort_key)


def common_name(cert):
    values = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return values[0].value if values else None


def is_ca_certificate(cert):
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def is_server_certificate(cert):
    if is_ca_certificate(cert):
        return False
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.SERVER_AUTH in usages


def is_client_certificate(cert):
    """The certificate also authenticates a TLS client (extended key usage clientAuth)."""
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return ExtendedKeyUsageOID.CLIENT_AUTH in usages


def _verify_signature(cert, issuer_public_key):
    algorithm = cert.signature_hash_algorithm
    if isinstance(issuer_public_key, rsa.RSAPublicKey):
        issuer_public_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), algorithm)
    elif isinstance(issuer_public_key, ec.EllipticCurvePublicKey):
        issuer_public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
    else:
        issuer_public_key.verify(cert.signature, cert.tbs_certificate_bytes)


def issued_by(cert, ca_cert):
    """True when ``ca_cert`` signed ``cert`` (issuer name and signature both match)."""
    if cert.issuer != ca_cert.subject:
        return False
    try:
        _verify_signature(cert, ca_cert.public_key())
    except (InvalidSignature, TypeError, ValueError, UnsupportedAlgorithm):
        return False
    return True


def sha256_fingerprint(cert):
    digest = cert.fingerprint(hashes.SHA256())
    return ':'.join('%02X' % byte for byte in bytearray(digest))


def serial_hex(cert):
    text = '%X' % cert.serial_number
    if len(text) % 2:
        text = '0' + text
    return ':'.join(text[i:i + 2] for i in range(0, len(text), 2))
