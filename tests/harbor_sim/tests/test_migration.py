"""Harbor's schema migration at core start (harbor_sim/migration.py; README "Schema migration").

Unit tests drive migration.migrate on a SQLite file; the sim tests start real sims of different
releases on one data directory, as an upgrade (and a downgrade) of one node does, and one
PostgreSQL database shared by two releases (shared storage)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harbor_sim import migration, versions
from harbor_sim.storage import Storage
from harbor_sim.testing import PACKAGE_ROOT, SimProcess, free_port
from pgcluster import PgCluster, pg_bindir
from simcore_support import ADMIN, Client, unique

OLDEST, NEWEST = versions.SUPPORTED[0], versions.SUPPORTED[-1]


# -- unit: the versions and the rules -------------------------------------------------------------
def test_each_release_writes_its_newest_file():
    # make/migrations/postgresql at each tag: 0150_2.12.0, 0160_2.13.0, 0171_2.14.1, 0180_2.15.0
    assert {r: migration.schema_version(r) for r in versions.SUPPORTED} == {
        "2.12.4": 150, "2.13.5": 160, "2.14.4": 171, "2.15.2": 180}
    assert migration.schema_version("2.14.0") == 170
    assert migration.source("2.12.4")[:3] == [1, 2, 3] and len(migration.source("2.12.4")) == 33
    assert len(migration.source("2.15.2")) == 37


def _db(tmp_path):
    return Storage(str(tmp_path))


def test_empty_database_runs_every_file(tmp_path):
    db = _db(tmp_path)
    assert migration.migrate(db, OLDEST) == migration.source(OLDEST)
    assert migration.read_version(db) == (150, False)
    assert migration.migrate(db, OLDEST) == []  # ErrNoChange


def test_upgrade_runs_only_the_newer_files(tmp_path):
    db = _db(tmp_path)
    migration.migrate(db, "2.13.5")
    assert migration.migrate(db, NEWEST) == [170, 171, 180]
    assert migration.read_version(db) == (180, False)
    assert db.query("SELECT COUNT(*) AS n FROM schema_migrations")[0]["n"] == 1


def test_older_release_refuses_a_newer_schema(tmp_path):
    db = _db(tmp_path)
    migration.migrate(db, NEWEST)
    with pytest.raises(migration.MigrationError, match="no migration found for version 180"):
        migration.migrate(db, "2.14.4")
    assert migration.read_version(db) == (180, False)  # untouched


def test_failed_step_leaves_the_schema_dirty_and_refused(tmp_path):
    db = _db(tmp_path)
    migration.migrate(db, OLDEST)
    with pytest.raises(migration.MigrationError, match="0160_2.13.0_schema.up.sql"):
        migration.migrate(db, NEWEST, fail_at=160)
    assert migration.read_version(db) == (160, True)
    for release in (NEWEST, OLDEST):
        with pytest.raises(migration.MigrationError, match=r"Dirty database version 160\. Fix and force version\."):
            migration.migrate(db, release)


# -- sim: real processes on one data directory ----------------------------------------------------
@pytest.mark.sim
def test_upgrade_keeps_data_and_downgrade_is_refused(tmp_path):
    data = tmp_path / "node"
    name = unique("before-upgrade")
    with SimProcess(data, harbor_version=OLDEST) as old:
        assert Client(old.url, ADMIN).post("/projects", json={"project_name": name}).status_code == 201
    assert migration.read_version(Storage(str(data))) == (150, False)
    with SimProcess(data, harbor_version=NEWEST) as new:
        admin = Client(new.url, ADMIN)
        assert admin.get(f"/projects/{name}").status_code == 200
        assert admin.get("/systeminfo").json()["harbor_version"].startswith(f"v{NEWEST}-")
    assert migration.read_version(Storage(str(data))) == (180, False)
    # the old release on the migrated database: core exits 1 and never serves
    proc = subprocess.run(
        [sys.executable, "-m", "harbor_sim", "serve", "--listen", f"127.0.0.1:{free_port()}", "--data", str(data),
         "--harbor-version", OLDEST], cwd=PACKAGE_ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "failed to migrate the database, error: no migration found for version 180" in proc.stderr
    assert migration.read_version(Storage(str(data))) == (180, False)


@pytest.mark.sim
@pytest.mark.skipif(pg_bindir() is None, reason="PostgreSQL server not installed (host-packages)")
def test_shared_database_migrates_once_and_a_restarted_old_node_is_refused(tmp_path):
    """Shared storage: the first node on the new release migrates the one database; the node still
    on the old release keeps serving (Harbor checks the schema only at start) until it restarts."""
    cluster = PgCluster()
    cluster.start()
    try:
        old = SimProcess(tmp_path / "a", harbor_version="2.14.4", extra_args=["--database-url", cluster.url])
        name = unique("shared")
        assert Client(old.url, ADMIN).post("/projects", json={"project_name": name}).status_code == 201
        with SimProcess(tmp_path / "b", harbor_version=NEWEST, extra_args=["--database-url", cluster.url]) as new:
            assert Client(new.url, ADMIN).get(f"/projects/{name}").status_code == 200
            assert Client(old.url, ADMIN).get(f"/projects/{name}").status_code == 200
            old.stop()
            with pytest.raises(RuntimeError, match="no migration found for version 180"):
                old.start()
        db = Storage(str(tmp_path), cluster.url)
        assert migration.read_version(db) == (180, False)
        db.close()
    finally:
        cluster.destroy()
