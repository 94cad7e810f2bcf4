"""Token minting: libtrust kid, RS256 signature, role -> actions (Harbor's RBAC for /v2/)."""

import base64
import json

from cryptography.hazmat.primitives import serialization

from harbor_sim import token


def test_keys_are_created_then_kept(tmp_path):
    first = token.TokenKeys(str(tmp_path))
    again = token.TokenKeys(str(tmp_path))
    assert first.kid == again.kid
    assert (tmp_path / "secret/core/private_key.pem").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secret/registry/root.crt").read_text().startswith("-----BEGIN CERTIFICATE")
    groups = first.kid.split(":")
    assert len(groups) == 12 and all(len(g) == 4 for g in groups)


def test_kid_is_libtrust_fingerprint_of_public_key(tmp_path):
    keys = token.TokenKeys(str(tmp_path))
    der = keys.private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    import hashlib
    expected = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode()
    assert keys.kid.replace(":", "") == expected


def test_token_claims_and_verification(tmp_path):
    keys = token.TokenKeys(str(tmp_path))
    access = [{"type": "repository", "name": "library/a", "actions": ["pull"]}]
    issued = token.make_token(keys, "alice", access)
    header = json.loads(base64.urlsafe_b64decode(issued["token"].split(".")[0] + "=="))
    assert header == {"typ": "JWT", "alg": "RS256", "kid": keys.kid}
    claims = token.decode_token(keys, issued["token"])
    assert claims["aud"] == "harbor-registry" and claims["iss"] == "harbor-token-issuer"
    assert claims["access"] == access and claims["sub"] == "alice"
    tampered = issued["token"][:-4] + ("AAAA" if not issued["token"].endswith("AAAA") else "BBBB")
    assert token.decode_token(keys, tampered) is None


def test_role_actions():
    want = ["pull", "push", "delete", "*"]
    allowed = token.allowed_repository_actions
    assert allowed(want, role=token.ROLE_GUEST) == ["pull"]
    assert allowed(want, role=token.ROLE_LIMITED_GUEST) == ["pull"]
    assert allowed(want, role=token.ROLE_DEVELOPER) == ["pull", "push"]
    assert allowed(want, role=token.ROLE_MAINTAINER) == want
    assert allowed(want, role=token.ROLE_PROJECT_ADMIN) == want
    assert allowed(want, is_admin=True) == want
    assert allowed(want, public=True) == ["pull"]
    assert allowed(want) == []
    assert allowed(want, robot_actions={"push"}) == ["push"]
    assert allowed(want, robot_actions=set(), public=True) == ["pull"]


def test_parse_scopes_with_port_in_name():
    scopes = token.parse_scopes(["repository:library/a:pull,push", "repository:h:5000/x:pull"])
    assert [(s.type, s.name, s.actions) for s in scopes] == [
        ("repository", "library/a", ["pull", "push"]), ("repository", "h:5000/x", ["pull"])]
