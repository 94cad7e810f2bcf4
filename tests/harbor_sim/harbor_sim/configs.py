"""System configuration items (GET/PUT /configurations): defaults, types, write-only items."""

from __future__ import annotations

import json

# name -> (type, default); type is str | bool | int
ITEMS = {
    "auth_mode": (str, "db_auth"), "primary_auth_mode": (bool, False),
    "ldap_url": (str, ""), "ldap_base_dn": (str, ""), "ldap_filter": (str, ""), "ldap_scope": (int, 2),
    "ldap_uid": (str, "cn"), "ldap_search_dn": (str, ""), "ldap_search_password": (str, ""),
    "ldap_timeout": (int, 5), "ldap_verify_cert": (bool, True), "ldap_group_base_dn": (str, ""),
    "ldap_group_admin_dn": (str, ""), "ldap_group_attribute_name": (str, ""),
    "ldap_group_search_filter": (str, ""), "ldap_group_search_scope": (int, 2),
    "ldap_group_membership_attribute": (str, "memberof"), "ldap_group_attach_parallel": (bool, False),
    "oidc_name": (str, ""), "oidc_endpoint": (str, ""), "oidc_client_id": (str, ""),
    "oidc_client_secret": (str, ""), "oidc_groups_claim": (str, ""), "oidc_admin_group": (str, ""),
    "oidc_group_filter": (str, ""), "oidc_scope": (str, ""), "oidc_user_claim": (str, ""),
    "oidc_verify_cert": (bool, True), "oidc_auto_onboard": (bool, False),
    "oidc_extra_redirect_parms": (str, "{}"), "oidc_logout": (bool, False),
    "uaa_client_id": (str, ""), "uaa_client_secret": (str, ""), "uaa_endpoint": (str, ""),
    "uaa_verify_cert": (bool, False),
    "http_authproxy_endpoint": (str, ""), "http_authproxy_tokenreview_endpoint": (str, ""),
    "http_authproxy_admin_groups": (str, ""), "http_authproxy_admin_usernames": (str, ""),
    "http_authproxy_verify_cert": (bool, True), "http_authproxy_skip_search": (bool, False),
    "http_authproxy_server_certificate": (str, ""),
    "project_creation_restriction": (str, "everyone"), "read_only": (bool, False),
    "self_registration": (bool, False), "token_expiration": (int, 30), "robot_token_duration": (int, 30),
    "robot_name_prefix": (str, "robot$"), "notification_enable": (bool, True),
    "quota_per_project_enable": (bool, True), "storage_per_project": (int, -1),
    "audit_log_forward_endpoint": (str, ""), "skip_audit_log_database": (bool, False),
    "session_timeout": (int, 60), "scanner_skip_update_pulltime": (bool, False),
    "banner_message": (str, ""), "disabled_audit_log_event_types": (str, ""),
}
# items a release lacks (versions.SINCE): not returned by GET, dropped from PUT
VERSIONED = {"oidc_logout": "config_oidc_logout",
             "disabled_audit_log_event_types": "config_disabled_audit_log_event_types"}
# password-type items: accepted on PUT, never returned
WRITE_ONLY = {"ldap_search_password", "oidc_client_secret"}
POSITIVE = ("token_expiration", "robot_token_duration", "session_timeout")


class Config:
    def __init__(self, db):
        self.db = db

    def all(self) -> dict:
        values = {name: default for name, (_, default) in ITEMS.items()}
        for row in self.db.query("SELECT name, value FROM core_config"):
            if row["name"] in values:
                values[row["name"]] = json.loads(row["value"])
        return values

    def get(self, name):
        row = self.db.query_one("SELECT value FROM core_config WHERE name = ?", (name,))
        return json.loads(row["value"]) if row else ITEMS[name][1]

    def set_many(self, values: dict) -> None:
        with self.db.transaction():
            for name, value in values.items():
                text = json.dumps(value)
                if self.db.execute("UPDATE core_config SET value = ? WHERE name = ?", (text, name)) == 0:
                    self.db.execute("INSERT INTO core_config (name, value) VALUES (?, ?)", (name, text))
