"""The sim's database: SQLite under DATA by default, PostgreSQL with --database-url.

One code path for both: SQL is written with '?' placeholders and plain types; this module
translates placeholders for psycopg, maps unique violations to UniqueViolation (-> 409 in the API)
and connection failures to DatabaseError (-> 500 "internal server error"). The PostgreSQL
connection is re-opened on the next call after a failure, so a restarted database recovers.
Thread-safe: one connection guarded by a re-entrant lock (the data plane calls it from workers).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading

LOG = logging.getLogger("harbor_sim.storage")


def create_tables(db, statements) -> None:
    """Run CREATE TABLE statements on `db` ('{pk}' stands for its auto-increment key column) under
    its schema lock: sims sharing one PostgreSQL database must not race on CREATE TABLE."""
    lock = getattr(db, "schema_lock", None)
    with lock() if lock else contextlib.nullcontext():
        for stmt in statements:
            db.execute(stmt.replace("{pk}", db.pk_column), ())


def _tls_options(database_url) -> dict:
    """Harbor's driver (pgx, src/common/dao/pgsql.go) verifies the server of sslmode verify-ca /
    verify-full against the system trust store, which the containers' install_cert.sh extends with
    /harbor_cust_cert (storage_service.ca_bundle among them); libpq would read
    ~/.postgresql/root.crt instead, so it is given that trust store as sslrootcert."""
    from psycopg.conninfo import conninfo_to_dict

    from . import oci_client

    info = conninfo_to_dict(database_url)
    if info.get("sslmode") in ("verify-ca", "verify-full") and not info.get("sslrootcert"):
        return {"sslrootcert": oci_client.trust_store_file()}
    return {}


class DatabaseError(Exception):
    """The database is unreachable or failed (not a constraint violation)."""


class UniqueViolation(Exception):
    """INSERT/UPDATE hit a UNIQUE constraint (PostgreSQL 23505)."""


class Storage:
    def __init__(self, data_dir: str, database_url: str | None = None):
        self.database_url = database_url
        self.kind = "postgresql" if database_url else "sqlite"
        self.path = None if database_url else os.path.join(data_dir, "harbor-sim.db")
        self._lock = threading.RLock()
        self._conn = None
        self._tx_depth = 0
        self._tx_broken = False
        if self.kind == "postgresql":
            import psycopg  # noqa: F401  (fail early with a clear ImportError)
        self.pk_column = ("BIGSERIAL PRIMARY KEY" if self.kind == "postgresql"
                          else "INTEGER PRIMARY KEY AUTOINCREMENT")

    # -- connections -------------------------------------------------------------------------
    def _connect(self):
        if self._conn is not None:
            return self._conn
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
        else:
            import psycopg
            from psycopg.rows import dict_row
            try:
                conn = psycopg.connect(self.database_url, autocommit=True, connect_timeout=3,
                                       row_factory=dict_row, **_tls_options(self.database_url))
            except psycopg.Error as exc:
                raise DatabaseError(str(exc)) from exc
        self._conn = conn
        return conn

    def _drop(self):
        with contextlib.suppress(Exception):
            if self._conn is not None:
                self._conn.close()
        self._conn = None

    def close(self):
        with self._lock:
            self._drop()

    def _sql(self, sql: str) -> str:
        if self.kind == "postgresql":
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    def _run(self, sql, params, fetch=False, returning=False):
        with self._lock:
            conn = self._connect()
            try:
                if self.kind == "sqlite":
                    cur = conn.execute(sql, tuple(params))
                    if fetch:
                        return [dict(r) for r in cur.fetchall()]
                    if returning:
                        return cur.lastrowid
                    return cur.rowcount
                import psycopg
                with conn.cursor() as cur:
                    text = self._sql(sql) + (" RETURNING id" if returning else "")
                    cur.execute(text, tuple(params))
                    if fetch:
                        return list(cur.fetchall())
                    if returning:
                        return cur.fetchone()["id"]
                    return cur.rowcount
            except sqlite3.IntegrityError as exc:
                if "UNIQUE" in str(exc):
                    raise UniqueViolation(str(exc)) from exc
                raise
            except sqlite3.OperationalError as exc:
                raise DatabaseError(str(exc)) from exc
            except Exception as exc:  # psycopg errors
                if self.kind == "postgresql":
                    import psycopg
                    if isinstance(exc, psycopg.errors.UniqueViolation):
                        raise UniqueViolation(str(exc)) from exc
                    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
                        LOG.warning("database connection lost: %s", exc)
                        if self._tx_depth:
                            self._tx_broken = True
                        else:
                            self._drop()
                        raise DatabaseError(str(exc)) from exc
                raise

    # -- the API the rest of the sim uses -----------------------------------------------------
    def query(self, sql: str, params=()) -> list:
        return self._run(sql, params, fetch=True)

    def query_one(self, sql: str, params=()):
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def execute(self, sql: str, params=()) -> int:
        return self._run(sql, params)

    def insert(self, sql: str, params=()) -> int:
        return self._run(sql, params, returning=True)

    def ping(self) -> None:
        self.query("SELECT 1 AS ok")

    @contextlib.contextmanager
    def transaction(self):
        with self._lock:
            if self._tx_depth:
                self._tx_depth += 1
                try:
                    yield self
                finally:
                    self._tx_depth -= 1
                return
            conn = self._connect()
            self._tx_depth = 1
            self._tx_broken = False
            try:
                if self.kind == "sqlite":
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield self
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
                else:
                    import psycopg
                    try:
                        with conn.transaction():
                            yield self
                    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                        self._drop()
                        raise DatabaseError(str(exc)) from exc
            finally:
                self._tx_depth = 0
                if self._tx_broken:
                    self._drop()
                    self._tx_broken = False

    @contextlib.contextmanager
    def schema_lock(self):
        """Serialise schema creation/seeding between sims sharing one PostgreSQL database."""
        with self._lock:
            if self.kind == "postgresql":
                self.execute("SELECT pg_advisory_lock(74210815)")
                try:
                    yield
                finally:
                    self.execute("SELECT pg_advisory_unlock(74210815)")
            else:
                yield
