"""Executions, tasks and task logs in the sim's database (shared by sims on one DB).

`db` is a small adapter over the sim-core storage: query(sql, params) -> list[dict],
execute(sql, params) -> None, insert(sql, params) -> new id; SQL uses '?' placeholders.
"""

from __future__ import annotations

from .. import jsonout
from ..storage import create_tables

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS simdata_execution (
        id {pk}, policy_id BIGINT NOT NULL, status VARCHAR(16) NOT NULL,
        status_text TEXT NOT NULL DEFAULT '', trigger VARCHAR(16) NOT NULL,
        start_time VARCHAR(32) NOT NULL, end_time VARCHAR(32))""",
    """CREATE TABLE IF NOT EXISTS simdata_task (
        id {pk}, execution_id BIGINT NOT NULL, status VARCHAR(16) NOT NULL,
        job_id VARCHAR(64) NOT NULL DEFAULT '', operation VARCHAR(16) NOT NULL,
        resource_type VARCHAR(16) NOT NULL, src_resource TEXT NOT NULL, dst_resource TEXT NOT NULL,
        start_time VARCHAR(32), end_time VARCHAR(32), log TEXT NOT NULL DEFAULT '')""",
]


class ExecutionStore:
    def __init__(self, db):
        self.db = db

    def create_schema(self):
        create_tables(self.db, SCHEMA)

    def create_execution(self, policy_id, trigger) -> int:
        return self.db.insert(
            "INSERT INTO simdata_execution (policy_id, status, status_text, trigger, start_time)"
            " VALUES (?, 'InProgress', '', ?, ?)", (policy_id, trigger, jsonout.now()))

    def get_execution(self, exec_id):
        rows = self.db.query("SELECT * FROM simdata_execution WHERE id = ?", (exec_id,))
        return rows[0] if rows else None

    def list_executions(self, policy_id=None, status=None, trigger=None):
        sql, params = "SELECT * FROM simdata_execution WHERE 1=1", []
        for col, val in (("policy_id", policy_id), ("status", status), ("trigger", trigger)):
            if val is not None:
                sql += f" AND {col} = ?"
                params.append(val)
        return self.db.query(sql + " ORDER BY id DESC", tuple(params))

    def finish_execution(self, exec_id, status, status_text=""):
        # a stop request wins over whatever the worker concluded
        self.db.execute(
            "UPDATE simdata_execution SET status = CASE WHEN status = 'Stopped' THEN 'Stopped' ELSE ? END,"
            " status_text = ?, end_time = ? WHERE id = ?", (status, status_text, jsonout.now(), exec_id))

    def stop_execution(self, exec_id):
        self.db.execute("UPDATE simdata_execution SET status = 'Stopped', end_time = ?"
                        " WHERE id = ? AND status = 'InProgress'", (jsonout.now(), exec_id))
        self.db.execute("UPDATE simdata_task SET status = 'Stopped', end_time = ?"
                        " WHERE execution_id = ? AND status = 'Pending'", (jsonout.now(), exec_id))

    def delete_for_policy(self, policy_id):
        self.db.execute("DELETE FROM simdata_task WHERE execution_id IN"
                        " (SELECT id FROM simdata_execution WHERE policy_id = ?)", (policy_id,))
        self.db.execute("DELETE FROM simdata_execution WHERE policy_id = ?", (policy_id,))

    def has_running(self, policy_id) -> bool:
        return bool(self.db.query("SELECT id FROM simdata_execution WHERE policy_id = ?"
                                  " AND status = 'InProgress'", (policy_id,)))

    def create_task(self, exec_id, operation, src, dst) -> int:
        return self.db.insert(
            "INSERT INTO simdata_task (execution_id, status, job_id, operation, resource_type,"
            " src_resource, dst_resource, log) VALUES (?, 'Pending', '', ?, 'image', ?, ?, '')",
            (exec_id, operation, src, dst))

    def start_task(self, task_id):
        self.db.execute("UPDATE simdata_task SET status = 'InProgress', start_time = ?,"
                        " job_id = ? WHERE id = ?", (jsonout.now(), f"task-{task_id}", task_id))

    def finish_task(self, task_id, status, log=None):
        if log is None:
            self.db.execute("UPDATE simdata_task SET status = ?, end_time = ? WHERE id = ?",
                            (status, jsonout.now(), task_id))
        else:
            self.db.execute("UPDATE simdata_task SET status = ?, end_time = ?, log = ? WHERE id = ?",
                            (status, jsonout.now(), log, task_id))

    def list_tasks(self, exec_id):
        return self.db.query("SELECT * FROM simdata_task WHERE execution_id = ? ORDER BY id",
                             (exec_id,))

    def get_task(self, exec_id, task_id):
        rows = self.db.query("SELECT * FROM simdata_task WHERE execution_id = ? AND id = ?",
                             (exec_id, task_id))
        return rows[0] if rows else None

    # -- API shapes (ReplicationExecution / ReplicationTask) ------------------------------
    def execution_json(self, row):
        tasks = self.list_tasks(row["id"])
        count = lambda s: sum(1 for t in tasks if t["status"] == s)  # noqa: E731
        out = {"id": row["id"], "policy_id": row["policy_id"], "status": row["status"],
               "status_text": row["status_text"] or "", "trigger": row["trigger"],
               "start_time": row["start_time"], "total": len(tasks), "failed": count("Failed"),
               "succeed": count("Succeed"), "in_progress": count("InProgress") + count("Pending"),
               "stopped": count("Stopped")}
        if row.get("end_time"):
            out["end_time"] = row["end_time"]
        return out

    @staticmethod
    def task_json(row):
        out = {k: row[k] for k in ("id", "execution_id", "status", "job_id", "operation",
                                   "resource_type", "src_resource", "dst_resource")}
        out["start_time"] = row.get("start_time") or jsonout.ZERO_TIME
        if row.get("end_time"):
            out["end_time"] = row["end_time"]
        return out
