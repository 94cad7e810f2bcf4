"""Configurations: FACTS §2.10 and §8 item 15."""

from __future__ import annotations

import pytest

from harbor_sim.testing import SimProcess

from simcore_support import ADMIN, Client, error_of, make_user

pytestmark = pytest.mark.sim


def test_shape_and_write_only_passwords(admin):
    cfg = admin.get("/configurations").json()
    assert cfg["auth_mode"]["value"] == "db_auth"
    assert cfg["robot_name_prefix"] == {"value": "robot$", "editable": True}
    assert cfg["token_expiration"]["value"] == 30 and cfg["self_registration"]["value"] is False
    for item in cfg.values():
        if "value" in item:
            assert set(item) == {"value", "editable"}
    assert admin.put("/configurations", json={"ldap_search_password": "Secr3t", "oidc_client_secret": "x"}
                     ).status_code == 200
    cfg = admin.get("/configurations").json()
    assert "ldap_search_password" not in cfg and "oidc_client_secret" not in cfg


def test_partial_put_and_unknown_keys(admin):
    resp = admin.put("/configurations", json={"token_expiration": 45, "no_such_key": 1})
    assert resp.status_code == 200 and resp.text == ""
    cfg = admin.get("/configurations").json()
    assert cfg["token_expiration"]["value"] == 45 and cfg["robot_token_duration"]["value"] == 30


def test_type_and_value_errors(admin):
    assert admin.put("/configurations", json={"token_expiration": "300"}).status_code == 422
    resp = admin.put("/configurations", json={"token_expiration": 0})
    assert resp.status_code == 400 and error_of(resp)[1] == "the token_expiration value must be positive"
    assert admin.put("/configurations", json={"skip_audit_log_database": True}).status_code == 400


def test_admin_only(admin, anon):
    _, user = make_user(admin)
    assert anon.get("/configurations").status_code == 401
    assert user.get("/configurations").status_code == 403
    assert user.put("/configurations", json={"token_expiration": 5}).status_code == 403


def test_auth_mode_locked_once_users_exist(tmp_path):
    with SimProcess(tmp_path / "authmode") as fresh:
        admin = Client(fresh.url, ADMIN)
        assert admin.get("/configurations").json()["auth_mode"]["editable"] is True
        assert admin.put("/configurations", json={"auth_mode": "ldap_auth"}).status_code == 200
        assert admin.put("/configurations", json={"auth_mode": "db_auth"}).status_code == 200
        make_user(admin)
        assert admin.get("/configurations").json()["auth_mode"]["editable"] is False
        resp = admin.put("/configurations", json={"auth_mode": "ldap_auth"})
        assert resp.status_code == 400
        assert error_of(resp)[1] == "the auth mode cannot be modified as new users have been inserted into database"
        # same value is not a change
        assert admin.put("/configurations", json={"auth_mode": "db_auth"}).status_code == 200
