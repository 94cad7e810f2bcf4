"""Repositories, artifacts and tags the sim knows from registry events (Harbor's artifact DB).

Same `db` adapter as replication.store (query/execute/insert, '?' placeholders).
"""

from __future__ import annotations

import json

from . import jsonout
from .storage import create_tables

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS simdata_repository (
        id {pk}, project_name VARCHAR(255) NOT NULL, name VARCHAR(255) NOT NULL UNIQUE,
        pull_count BIGINT NOT NULL DEFAULT 0, creation_time VARCHAR(32) NOT NULL,
        update_time VARCHAR(32) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS simdata_artifact (
        id {pk}, repository_id BIGINT NOT NULL, digest VARCHAR(255) NOT NULL,
        media_type VARCHAR(255) NOT NULL, manifest_media_type VARCHAR(255) NOT NULL,
        size BIGINT NOT NULL, push_time VARCHAR(32) NOT NULL, pull_time VARCHAR(32),
        refs TEXT NOT NULL DEFAULT '[]', UNIQUE (repository_id, digest))""",
    """CREATE TABLE IF NOT EXISTS simdata_tag (
        id {pk}, repository_id BIGINT NOT NULL, artifact_id BIGINT NOT NULL,
        name VARCHAR(255) NOT NULL, push_time VARCHAR(32) NOT NULL, pull_time VARCHAR(32),
        UNIQUE (repository_id, name))""",
]

CONFIG_MEDIA_TYPE_IMAGE = ("application/vnd.docker.container.image.v1+json",
                           "application/vnd.oci.image.config.v1+json")


class ArtifactStore:
    def __init__(self, db):
        self.db = db

    def create_schema(self):
        create_tables(self.db, SCHEMA)

    # -- writes (from registry notifications) -------------------------------------------
    def _repository_id(self, name, create=True):
        rows = self.db.query("SELECT id FROM simdata_repository WHERE name = ?", (name,))
        if rows:
            return rows[0]["id"]
        if not create:
            return None
        now = jsonout.now()
        try:
            return self.db.insert("INSERT INTO simdata_repository (project_name, name, pull_count,"
                                  " creation_time, update_time) VALUES (?, ?, 0, ?, ?)",
                                  (name.split("/")[0], name, now, now))
        except Exception:  # created concurrently by the other sim
            rows = self.db.query("SELECT id FROM simdata_repository WHERE name = ?", (name,))
            if rows:
                return rows[0]["id"]
            raise

    def record_push(self, repository, digest, media_type, manifest_media_type, size, tag=None,
                    refs=()):
        repo_id = self._repository_id(repository)
        now = jsonout.now()
        rows = self.db.query("SELECT id FROM simdata_artifact WHERE repository_id = ? AND digest = ?",
                             (repo_id, digest))
        if rows:
            art_id = rows[0]["id"]
        else:
            art_id = self.db.insert(
                "INSERT INTO simdata_artifact (repository_id, digest, media_type, manifest_media_type,"
                " size, push_time, refs) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (repo_id, digest, media_type, manifest_media_type, size, now, json.dumps(list(refs))))
        if tag:
            # a tag moves to the newly pushed artifact (retag = push)
            self.db.execute("DELETE FROM simdata_tag WHERE repository_id = ? AND name = ?",
                            (repo_id, tag))
            self.db.insert("INSERT INTO simdata_tag (repository_id, artifact_id, name, push_time)"
                           " VALUES (?, ?, ?, ?)", (repo_id, art_id, tag, now))
        self.db.execute("UPDATE simdata_repository SET update_time = ? WHERE id = ?", (now, repo_id))
        return art_id

    def record_pull(self, repository, digest=None, tag=None):
        repo_id = self._repository_id(repository, create=False)
        if repo_id is None:
            return
        now = jsonout.now()
        self.db.execute("UPDATE simdata_repository SET pull_count = pull_count + 1 WHERE id = ?",
                        (repo_id,))
        if digest:
            self.db.execute("UPDATE simdata_artifact SET pull_time = ? WHERE repository_id = ?"
                            " AND digest = ?", (now, repo_id, digest))

    def remove_artifact(self, repository, digest):
        """Forget an artifact; returns the tags it had (None when it was unknown)."""
        repo_id = self._repository_id(repository, create=False)
        if repo_id is None:
            return None
        rows = self.db.query("SELECT id FROM simdata_artifact WHERE repository_id = ? AND digest = ?",
                             (repo_id, digest))
        if not rows:
            return None
        art_id = rows[0]["id"]
        tags = [r["name"] for r in self.db.query(
            "SELECT name FROM simdata_tag WHERE artifact_id = ? ORDER BY name", (art_id,))]
        self.db.execute("DELETE FROM simdata_tag WHERE artifact_id = ?", (art_id,))
        self.db.execute("DELETE FROM simdata_artifact WHERE id = ?", (art_id,))
        if not self.db.query("SELECT id FROM simdata_artifact WHERE repository_id = ?", (repo_id,)):
            self.db.execute("DELETE FROM simdata_repository WHERE id = ?", (repo_id,))
        return tags

    def remove_repository(self, name):
        repo_id = self._repository_id(name, create=False)
        if repo_id is None:
            return
        self.db.execute("DELETE FROM simdata_tag WHERE repository_id = ?", (repo_id,))
        self.db.execute("DELETE FROM simdata_artifact WHERE repository_id = ?", (repo_id,))
        self.db.execute("DELETE FROM simdata_repository WHERE id = ?", (repo_id,))

    # -- reads ---------------------------------------------------------------------------
    def repositories(self, project_name):
        return self.db.query("SELECT * FROM simdata_repository WHERE project_name = ? ORDER BY id DESC",
                             (project_name,))

    def all_repositories(self):
        return self.db.query("SELECT * FROM simdata_repository ORDER BY id DESC")

    def repo_count(self, project_name):
        rows = self.db.query("SELECT COUNT(*) AS n FROM simdata_repository WHERE project_name = ?",
                             (project_name,))
        return int(rows[0]["n"]) if rows else 0

    def repository(self, name):
        rows = self.db.query("SELECT * FROM simdata_repository WHERE name = ?", (name,))
        return rows[0] if rows else None

    def artifact_count(self, repo_id):
        return len(self.top_level_artifacts(repo_id))

    def top_level_artifacts(self, repo_id):
        """Artifacts that are not children of an index in the same repository (Harbor lists those)."""
        arts = self.db.query("SELECT * FROM simdata_artifact WHERE repository_id = ? ORDER BY id DESC",
                             (repo_id,))
        children = set()
        for art in arts:
            children.update(json.loads(art["refs"] or "[]"))
        return [a for a in arts if a["digest"] not in children]

    def tags_of(self, artifact_id):
        return self.db.query("SELECT * FROM simdata_tag WHERE artifact_id = ? ORDER BY id",
                             (artifact_id,))

    def artifact(self, repository, reference):
        repo = self.repository(repository)
        if repo is None:
            return None
        if reference.startswith("sha256:"):
            rows = self.db.query("SELECT * FROM simdata_artifact WHERE repository_id = ? AND digest = ?",
                                 (repo["id"], reference))
        else:
            rows = self.db.query(
                "SELECT a.* FROM simdata_artifact a JOIN simdata_tag t ON t.artifact_id = a.id"
                " WHERE t.repository_id = ? AND t.name = ?", (repo["id"], reference))
        return rows[0] if rows else None

    # -- API shapes ----------------------------------------------------------------------
    @staticmethod
    def repository_json(row, project_id, artifact_count):
        out = {"id": row["id"], "project_id": project_id, "name": row["name"],
               "artifact_count": artifact_count, "pull_count": row["pull_count"],
               "creation_time": row["creation_time"], "update_time": row["update_time"]}
        return out

    def artifact_json(self, row, project_id, repository_name, with_tag=True):
        refs = json.loads(row["refs"] or "[]")
        out = {"id": row["id"], "type": "IMAGE", "media_type": row["media_type"],
               "manifest_media_type": row["manifest_media_type"], "project_id": project_id,
               "repository_id": row["repository_id"], "repository_name": repository_name,
               "digest": row["digest"], "size": row["size"], "push_time": row["push_time"],
               "pull_time": row.get("pull_time") or jsonout.ZERO_TIME, "extra_attrs": {},
               "addition_links": {}, "labels": None, "icon": "",
               "references": [{"parent_id": row["id"], "child_digest": d} for d in refs] or None}
        if with_tag:
            out["tags"] = [{"id": t["id"], "repository_id": t["repository_id"],
                            "artifact_id": t["artifact_id"], "name": t["name"],
                            "push_time": t["push_time"], "pull_time": t.get("pull_time") or jsonout.ZERO_TIME,
                            "immutable": False} for t in self.tags_of(row["id"])] or None
        return out
