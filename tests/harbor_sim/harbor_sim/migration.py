"""Harbor's database schema migration, as core runs it at start (README "Schema migration").

Harbor (src/core/main.go, run mode `normal`) calls migration.Migrate (src/migration/migration.go)
before anything else reads the database: dao.UpgradeSchema -> pgsql.UpgradeSchema
(src/common/dao/pgsql.go) runs golang-migrate's Up() with the release's own migration files,
make/migrations/postgresql/NNNN_<release>_schema.up.sql (copied into the core image as
/harbor/migrations by make/photon/core/Dockerfile). golang-migrate (v4 migrate.go) keeps one row in
`schema_migrations (version bigint, dirty boolean)` and, under an advisory lock:
  - refuses a dirty version ("Dirty database version N. Fix and force version.");
  - refuses a version its source has no file for: a schema written by a newer Harbor
    ("no migration found for version N: ...", versionExists);
  - with no version (an empty database) runs every file from the first, else every file after the
    current version; each one sets the version dirty, runs, sets it clean;
  - has nothing to do when the version is the newest it knows (ErrNoChange: "No change in schema").
core then exits with log.Fatalf("failed to migrate the database, error: %v") on any error, so its
container restarts and never serves. The migration is one-way: no release runs down files.

The sim's own tables are the same for every release (fields are played per release by the API), so
a step changes only `schema_migrations`; what is faithful is the version each release writes,
the order, the dirty flag, and the refusals.
"""

from __future__ import annotations

import logging

from . import versions

LOG = logging.getLogger("harbor_sim.migration")

# make/migrations/postgresql/ at v2.15.2 (the newest supported tag), version -> file. A file is in a
# release's source when it was added by that release or an older one: the release in its name, or
# none (0001, 0003: from 1.x). Checked against the file lists at v2.12.4, v2.13.5, v2.14.4, v2.15.2.
FILES = {
    1: "0001_initial_schema.up.sql",
    2: "0002_1.7.0_schema.up.sql",
    3: "0003_add_replication_op_uuid.up.sql",
    4: "0004_1.8.0_schema.up.sql",
    5: "0005_1.8.2_schema.up.sql",
    10: "0010_1.9.0_schema.up.sql",
    11: "0011_1.9.1_schema.up.sql",
    12: "0012_1.9.4_schema.up.sql",
    15: "0015_1.10.0_schema.up.sql",
    30: "0030_2.0.0_schema.up.sql",
    31: "0031_2.0.3_schema.up.sql",
    40: "0040_2.1.0_schema.up.sql",
    41: "0041_2.1.4_schema.up.sql",
    50: "0050_2.2.0_schema.up.sql",
    51: "0051_2.2.1_schema.up.sql",
    52: "0052_2.2.2_schema.up.sql",
    53: "0053_2.2.3_schema.up.sql",
    60: "0060_2.3.0_schema.up.sql",
    61: "0061_2.3.4_schema.up.sql",
    70: "0070_2.4.0_schema.up.sql",
    71: "0071_2.4.2_schema.up.sql",
    80: "0080_2.5.0_schema.up.sql",
    81: "0081_2.5.2_schema.up.sql",
    82: "0082_2.5.3_schema.up.sql",
    90: "0090_2.6.0_schema.up.sql",
    91: "0091_2.6.2_schema.up.sql",
    100: "0100_2.7.0_schema.up.sql",
    110: "0110_2.8.0_schema.up.sql",
    111: "0111_2.8.1_schema.up.sql",
    120: "0120_2.9.0_schema.up.sql",
    130: "0130_2.10.0_schema.up.sql",
    140: "0140_2.11.0_schema.up.sql",
    150: "0150_2.12.0_schema.up.sql",
    160: "0160_2.13.0_schema.up.sql",
    170: "0170_2.14.0_schema.up.sql",
    171: "0171_2.14.1_schema.up.sql",
    180: "0180_2.15.0_schema.up.sql",
}
# Where the core image keeps them (make/photon/core/Dockerfile COPY ./make/migrations
# /harbor/migrations; src/common/dao/pgsql.go defaultMigrationPath, relative to WORKDIR /harbor/).
SOURCE_PATH = "/harbor/migrations/postgresql"

TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL)"


class MigrationError(Exception):
    """core cannot migrate the database: it logs this and exits (log.Fatalf)."""


def _file_release(name: str):
    parts = name.split("_")
    try:
        return versions.parse(parts[1])
    except (IndexError, ValueError):
        return None  # 0001_initial_schema, 0003_add_replication_op_uuid


def source(release: str) -> list:
    """The migration versions a release's core image holds, ascending."""
    played = versions.parse(release)
    return sorted(v for v, name in FILES.items()
                  if _file_release(name) is None or _file_release(name) <= played)


def schema_version(release: str) -> int:
    """The schema_migrations version a release leaves: 150 for 2.12, 160 for 2.13, 171 for 2.14.1+,
    180 for 2.15."""
    return source(release)[-1]


def read_version(db):
    """(version, dirty) of the database; (None, False) when no migration ever ran (ErrNilVersion)."""
    row = db.query_one("SELECT version, dirty FROM schema_migrations")
    if row is None:
        return None, False
    return int(row["version"]), bool(row["dirty"])


def _set_version(db, version: int, dirty: bool) -> None:
    # golang-migrate's postgres driver SetVersion: TRUNCATE, then one row, in one transaction
    with db.transaction():
        db.execute("DELETE FROM schema_migrations")
        db.execute("INSERT INTO schema_migrations (version, dirty) VALUES (?, ?)", (version, dirty))


def migrate(db, release: str, fail_at=None) -> list:
    """Migrate the schema up to `release`'s newest version, as core does at start; returns the
    versions applied. `fail_at` (tests) makes that step fail after it set the version dirty, as a
    failing up file does. Raises MigrationError with Harbor's message."""
    own = source(release)
    with db.schema_lock():  # golang-migrate's postgres driver: pg_advisory_lock
        db.execute(TABLE, ())
        current, dirty = read_version(db)
        LOG.debug("current database schema version: %s", current)
        LOG.info("Upgrading schema for pgsql ...")
        if dirty:
            raise _failed(f"Dirty database version {current}. Fix and force version.")
        if current is not None and current not in own:
            # versionExists: neither an up nor a down file for the database's version
            raise _failed(f"no migration found for version {current}: read down for version {current} "
                          f"{SOURCE_PATH}: file does not exist")
        pending = [v for v in own if current is None or v > current]
        if not pending:
            LOG.info("No change in schema, skip.")
            return []
        for version in pending:
            _set_version(db, version, True)
            if version == fail_at:
                raise _failed(f"migration failed in line 0: {FILES[version]} (details: simulated failure)")
            _set_version(db, version, False)
            LOG.info("%s/u %s", version, FILES[version].split("_", 1)[1].removesuffix(".up.sql"))
        return pending


def _failed(message: str) -> MigrationError:
    LOG.error("Failed to upgrade schema, error: %r", message)
    return MigrationError(f"failed to migrate the database, error: {message}")
