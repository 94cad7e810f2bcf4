"""sim-core tables (prefix core_) and the first-start seed: admin (id 1), project `library` (id 1).

Before either, Harbor's schema migration up to the played release (migration.py), as core runs it
first thing at start."""

from __future__ import annotations

from . import jsonout, migration, passwords, versions
from .storage import create_tables

TABLES = [
    """CREATE TABLE IF NOT EXISTS core_user (
        id {pk}, username VARCHAR(255) NOT NULL UNIQUE, email VARCHAR(255) UNIQUE,
        realname VARCHAR(255) NOT NULL DEFAULT '', comment VARCHAR(255) NOT NULL DEFAULT '',
        password VARCHAR(128) NOT NULL DEFAULT '', salt VARCHAR(64) NOT NULL DEFAULT '',
        sysadmin_flag INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_project (
        id {pk}, name VARCHAR(255) NOT NULL UNIQUE, owner_id BIGINT NOT NULL,
        registry_id BIGINT NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,
        cve_allowlist TEXT NOT NULL DEFAULT '{}',
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_project_metadata (
        project_id BIGINT NOT NULL, name VARCHAR(255) NOT NULL, value TEXT NOT NULL,
        UNIQUE (project_id, name))""",
    """CREATE TABLE IF NOT EXISTS core_usergroup (
        id {pk}, group_name VARCHAR(255) NOT NULL, group_type INTEGER NOT NULL DEFAULT 0,
        ldap_group_dn VARCHAR(512) NOT NULL DEFAULT '', creation_time VARCHAR(32) NOT NULL,
        UNIQUE (group_name, group_type))""",
    """CREATE TABLE IF NOT EXISTS core_member (
        id {pk}, project_id BIGINT NOT NULL, entity_id BIGINT NOT NULL, entity_type VARCHAR(1) NOT NULL,
        role INTEGER NOT NULL, creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL,
        UNIQUE (project_id, entity_id, entity_type))""",
    """CREATE TABLE IF NOT EXISTS core_quota (
        id {pk}, project_id BIGINT NOT NULL UNIQUE, hard BIGINT NOT NULL, used BIGINT NOT NULL DEFAULT 0,
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_robot (
        id {pk}, name VARCHAR(255) NOT NULL, project_id BIGINT NOT NULL DEFAULT 0,
        level VARCHAR(16) NOT NULL, description TEXT NOT NULL DEFAULT '',
        secret VARCHAR(128) NOT NULL, salt VARCHAR(64) NOT NULL, duration BIGINT NOT NULL,
        expires_at BIGINT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
        permissions TEXT NOT NULL DEFAULT '[]', creator_ref BIGINT NOT NULL DEFAULT 0,
        creator_type VARCHAR(16) NOT NULL DEFAULT 'local',
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL,
        UNIQUE (name, project_id))""",
    """CREATE TABLE IF NOT EXISTS core_registry (
        id {pk}, name VARCHAR(64) NOT NULL UNIQUE, type VARCHAR(32) NOT NULL, url VARCHAR(512) NOT NULL,
        description TEXT NOT NULL DEFAULT '', insecure INTEGER NOT NULL DEFAULT 0,
        ca_certificate TEXT, credential_type VARCHAR(16) NOT NULL DEFAULT '',
        access_key VARCHAR(255) NOT NULL DEFAULT '', access_secret TEXT NOT NULL DEFAULT '',
        status VARCHAR(16) NOT NULL DEFAULT '',
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_replication_policy (
        id {pk}, name VARCHAR(255) NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
        src_registry_id BIGINT NOT NULL DEFAULT 0, dest_registry_id BIGINT NOT NULL DEFAULT 0,
        dest_namespace VARCHAR(255) NOT NULL DEFAULT '', dest_namespace_replace_count INTEGER NOT NULL DEFAULT -1,
        trigger TEXT NOT NULL, filters TEXT NOT NULL DEFAULT 'null', deletion INTEGER NOT NULL DEFAULT 0,
        override INTEGER NOT NULL DEFAULT 0, enabled INTEGER NOT NULL DEFAULT 0, speed INTEGER NOT NULL DEFAULT 0,
        copy_by_chunk INTEGER NOT NULL DEFAULT 0, single_active_replication INTEGER NOT NULL DEFAULT 0,
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_config (
        name VARCHAR(128) PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_label (
        id {pk}, name VARCHAR(128) NOT NULL, description TEXT NOT NULL DEFAULT '',
        color VARCHAR(16) NOT NULL DEFAULT '', scope VARCHAR(1) NOT NULL, project_id BIGINT NOT NULL DEFAULT 0,
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL,
        UNIQUE (name, scope, project_id))""",
    """CREATE TABLE IF NOT EXISTS core_schedule (
        id {pk}, vendor VARCHAR(32) NOT NULL UNIQUE, type VARCHAR(16) NOT NULL, cron VARCHAR(64) NOT NULL,
        parameters TEXT NOT NULL, creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_job_history (
        id {pk}, vendor VARCHAR(32) NOT NULL, job_kind VARCHAR(16) NOT NULL, trigger VARCHAR(16) NOT NULL,
        parameters TEXT NOT NULL, status VARCHAR(16) NOT NULL,
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_job_log (
        id {pk}, history_id BIGINT NOT NULL UNIQUE, log TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_retention_policy (
        id {pk}, project_id BIGINT NOT NULL, data TEXT NOT NULL,
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_retention_execution (
        id {pk}, policy_id BIGINT NOT NULL, status VARCHAR(16) NOT NULL, trigger VARCHAR(16) NOT NULL,
        dry_run INTEGER NOT NULL, operator VARCHAR(255) NOT NULL DEFAULT '',
        start_time VARCHAR(40) NOT NULL, end_time VARCHAR(40) NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS core_retention_task (
        id {pk}, execution_id BIGINT NOT NULL, repository VARCHAR(512) NOT NULL, status VARCHAR(16) NOT NULL,
        total INTEGER NOT NULL DEFAULT 0, retained INTEGER NOT NULL DEFAULT 0, log TEXT NOT NULL DEFAULT '',
        start_time VARCHAR(40) NOT NULL, end_time VARCHAR(40) NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS core_immutable_rule (
        id {pk}, project_id BIGINT NOT NULL, tag_filter TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
        UNIQUE (project_id, tag_filter))""",
    """CREATE TABLE IF NOT EXISTS core_webhook_policy (
        id {pk}, project_id BIGINT NOT NULL, name VARCHAR(256) NOT NULL, description TEXT NOT NULL DEFAULT '',
        targets TEXT NOT NULL, event_types TEXT NOT NULL, creator VARCHAR(256) NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL DEFAULT 0, creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL,
        UNIQUE (name, project_id))""",
    """CREATE TABLE IF NOT EXISTS core_scanner (
        id {pk}, uuid VARCHAR(64) NOT NULL UNIQUE, name VARCHAR(255) NOT NULL UNIQUE, url VARCHAR(512) NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '', auth VARCHAR(32) NOT NULL DEFAULT '',
        access_credential TEXT NOT NULL DEFAULT '', skip_cert_verify INTEGER NOT NULL DEFAULT 0,
        use_internal_addr INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0,
        is_default INTEGER NOT NULL DEFAULT 0, creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_cve_allowlist (
        id {pk}, project_id BIGINT NOT NULL UNIQUE, expires_at BIGINT, items TEXT NOT NULL,
        creation_time VARCHAR(32) NOT NULL, update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS core_preheat_instance (
        id {pk}, name VARCHAR(255) NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
        vendor VARCHAR(32) NOT NULL, endpoint VARCHAR(512) NOT NULL, auth_mode VARCHAR(16) NOT NULL DEFAULT '',
        auth_info TEXT NOT NULL DEFAULT '{}', enabled INTEGER NOT NULL DEFAULT 0, is_default INTEGER NOT NULL DEFAULT 0,
        insecure INTEGER NOT NULL DEFAULT 0, setup_timestamp BIGINT NOT NULL DEFAULT 0)""",
]


def create(db, admin_password: str, release: str = versions.DEFAULT) -> None:
    with db.schema_lock():
        migration.migrate(db, release)
        create_tables(db, TABLES)
        if db.query_one("SELECT id FROM core_user WHERE id = 1") is None:
            seed(db, admin_password)


def seed(db, admin_password: str) -> None:
    now = jsonout.now()
    salt = passwords.new_salt()
    with db.transaction():
        db.insert("INSERT INTO core_user (username, email, realname, comment, password, salt, sysadmin_flag,"
                  " creation_time, update_time) VALUES ('admin', 'admin@example.com', 'system admin',"
                  " 'admin user', ?, ?, 1, ?, ?)",
                  (passwords.hash_password(admin_password, salt), salt, now, now))
        db.insert("INSERT INTO core_user (username, email, realname, comment, password, salt, sysadmin_flag,"
                  " deleted, creation_time, update_time) VALUES ('anonymous', NULL, 'anonymous user',"
                  " 'anonymous user', '', '', 0, 1, ?, ?)", (now, now))
        pid = db.insert("INSERT INTO core_project (name, owner_id, creation_time, update_time)"
                        " VALUES ('library', 1, ?, ?)", (now, now))
        db.execute("INSERT INTO core_project_metadata (project_id, name, value) VALUES (?, 'public', 'true')",
                   (pid,))
        db.insert("INSERT INTO core_member (project_id, entity_id, entity_type, role, creation_time, update_time)"
                  " VALUES (?, 1, 'u', 1, ?, ?)", (pid, now, now))
        db.insert("INSERT INTO core_quota (project_id, hard, creation_time, update_time) VALUES (?, -1, ?, ?)",
                  (pid, now, now))
