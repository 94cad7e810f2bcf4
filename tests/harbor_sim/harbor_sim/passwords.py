"""Password/secret hashing (Harbor: pbkdf2-sha256, 4096 rounds, random salt) and the password policy."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

POLICY_MESSAGE = ("the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase "
                  "letter, 1 lowercase letter and 1 number")


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_password(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 4096, 16).hex()


def verify(password: str, salt: str, digest: str) -> bool:
    if not digest:
        return False
    return hmac.compare_digest(hash_password(password, salt), digest)


def valid(password) -> bool:
    return (isinstance(password, str) and 8 <= len(password) <= 128 and re.search(r"[A-Z]", password) is not None
            and re.search(r"[a-z]", password) is not None and re.search(r"[0-9]", password) is not None)


def random_secret() -> str:
    """A secret that satisfies the policy (Harbor's robot secrets do too)."""
    while True:
        candidate = secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")[:32]
        if valid(candidate):
            return candidate
