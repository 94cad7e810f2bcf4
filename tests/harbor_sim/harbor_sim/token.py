"""Registry token service: Harbor's /service/token, framework-independent part.

Distribution 2.8 trusts a JWT when its header `kid` equals the libtrust key ID of a
public key found in `auth.token.rootcertbundle`; so we sign RS256 with
DIR/secret/core/private_key.pem and publish the matching self-signed certificate as
DIR/secret/registry/root.crt (Harbor's layout; created when missing, kept when present).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

SERVICE = "harbor-registry"
ISSUER = "harbor-token-issuer"
TOKEN_TTL = 1800  # seconds, Harbor's default token expiration (30 min)

# Harbor project roles (src/common/const.go)
ROLE_PROJECT_ADMIN = 1
ROLE_DEVELOPER = 2
ROLE_GUEST = 3
ROLE_MAINTAINER = 4
ROLE_LIMITED_GUEST = 5

PUSH_ROLES = {ROLE_PROJECT_ADMIN, ROLE_DEVELOPER, ROLE_MAINTAINER}
DELETE_ROLES = {ROLE_PROJECT_ADMIN, ROLE_MAINTAINER}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def libtrust_key_id(public_key) -> str:
    """libtrust's KeyID: base32(sha256(DER SubjectPublicKeyInfo)[:30]) in groups of 4, ':'-joined."""
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha256(der).digest()[:30]
    b32 = base64.b32encode(digest).decode("ascii").rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, len(b32), 4))


class TokenKeys:
    """The signing key and the certificate the registry trusts."""

    def __init__(self, data_dir: str):
        self.key_path = os.path.join(data_dir, "secret", "core", "private_key.pem")
        self.cert_path = os.path.join(data_dir, "secret", "registry", "root.crt")
        self._load_or_create()
        self.kid = libtrust_key_id(self.private_key.public_key())

    def _load_or_create(self) -> None:
        if os.path.exists(self.key_path):
            with open(self.key_path, "rb") as fh:
                self.private_key = serialization.load_pem_private_key(fh.read(), password=None)
        else:
            self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _write_private(self.key_path, self.private_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))
        if os.path.exists(self.cert_path):
            with open(self.cert_path, "rb") as fh:
                cert = x509.load_pem_x509_certificate(fh.read())
            if libtrust_key_id(cert.public_key()) == libtrust_key_id(self.private_key.public_key()):
                return
        # a missing cert, or one for another key, would make every token invalid: (re)issue it
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "harbor-token-ca")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(self.private_key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=3650))
                .sign(self.private_key, hashes.SHA256()))
        os.makedirs(os.path.dirname(self.cert_path), exist_ok=True)
        with open(self.cert_path, "wb") as fh:
            fh.write(cert.public_bytes(serialization.Encoding.PEM))


def _write_private(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@dataclass
class Scope:
    type: str
    name: str
    actions: list = field(default_factory=list)

    def as_access(self) -> dict:
        return {"type": self.type, "name": self.name, "actions": list(self.actions)}


def parse_scopes(values) -> list:
    """Parse `scope` query values: 'repository:lib/a:pull,push' (name may contain ':' for ports)."""
    scopes = []
    for value in values:
        for item in value.split(" "):
            if not item:
                continue
            parts = item.split(":")
            if len(parts) < 3:
                continue
            rtype, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1]
            scopes.append(Scope(rtype, name, [a for a in actions.split(",") if a]))
    return scopes


def allowed_repository_actions(requested, *, is_admin=False, role=None, public=False,
                               robot_actions=None) -> list:
    """Which of the requested actions on one repository the caller gets.

    role: the caller's project role id (None when not a member; robots use robot_actions,
    the set of 'pull'/'push'/'delete' their permissions grant in that project).
    """
    granted = set()
    if is_admin:
        granted = {"pull", "push", "delete", "*"}
    elif robot_actions is not None:
        granted = set(robot_actions)
        if public:
            granted.add("pull")
    else:
        if public or role is not None:
            granted.add("pull")
        if role in PUSH_ROLES:
            granted.add("push")
        if role in DELETE_ROLES:
            granted.update({"delete", "*"})
    return [a for a in requested if a in granted]


def make_token(keys: TokenKeys, subject: str, access: list, ttl: int = TOKEN_TTL,
               now: float | None = None) -> dict:
    now = int(time.time() if now is None else now)
    header = {"typ": "JWT", "alg": "RS256", "kid": keys.kid}
    claims = {"iss": ISSUER, "sub": subject, "aud": SERVICE, "exp": now + ttl,
              "nbf": now - 1, "iat": now, "jti": secrets.token_hex(16), "access": access}
    signing_input = (_b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     _b64url(json.dumps(claims, separators=(",", ":")).encode()))
    signature = keys.private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(),
                                      hashes.SHA256())
    token = signing_input + "." + _b64url(signature)
    issued = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    return {"token": token, "access_token": token, "expires_in": ttl,
            "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%SZ")}


def decode_token(keys: TokenKeys, token: str, now: float | None = None) -> dict | None:
    """Verify one of our own tokens; returns its claims or None."""
    try:
        head_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(_b64url_decode(head_b64))
        if header.get("kid") != keys.kid or header.get("alg") != "RS256":
            return None
        keys.private_key.public_key().verify(_b64url_decode(sig_b64),
                                             (head_b64 + "." + claims_b64).encode("ascii"),
                                             padding.PKCS1v15(), hashes.SHA256())
        claims = json.loads(_b64url_decode(claims_b64))
    except Exception:  # malformed or forged: not ours
        return None
    now = time.time() if now is None else now
    if claims.get("exp", 0) < now or claims.get("iss") != ISSUER:
        return None
    return claims
