"""The GC / purge-audit scheduler's tick (api/schedules.py fire_due), in process on SQLite: a
schedule starts one execution (trigger SCHEDULE) in the second its cron matches, none otherwise,
and with a shared lock (Redis) only the first sim takes the tick."""

from __future__ import annotations

import datetime
import json
import types

from harbor_sim import schema
from harbor_sim.versions import HarborVersion
from harbor_sim.api import schedules
from harbor_sim.storage import Storage


def _sim(tmp_path):
    db = Storage(str(tmp_path))
    schema.create(db, "Harbor12345")
    return types.SimpleNamespace(db=db, dataplane=None, version=HarborVersion())


def test_schedule_fires_in_its_second_only(tmp_path):
    sim = _sim(tmp_path)
    params = {"audit_retention_hour": 24, "include_event_types": "create_artifact", "dry_run": True}
    sim.db.insert("INSERT INTO core_schedule (vendor, type, cron, parameters, creation_time, update_time)"
                  " VALUES ('purgeaudit', 'Daily', '0 0 2 * * *', ?, 'x', 'x')", (json.dumps(params),))
    at = datetime.datetime(2026, 12, 4, 2, 0, 0, tzinfo=datetime.timezone.utc)
    assert schedules.fire_due(sim, at + datetime.timedelta(seconds=1)) == []
    taken = set()

    def acquire_once(key):
        if key in taken:
            return False
        taken.add(key)
        return True

    started = schedules.fire_due(sim, at, acquire_once)
    assert len(started) == 1
    assert schedules.fire_due(sim, at, acquire_once) == []  # the other sim lost the tick
    row = sim.db.query_one("SELECT * FROM core_job_history WHERE id = ?", (started[0],))
    assert (row["vendor"], row["job_kind"], row["status"]) == ("purgeaudit", "SCHEDULE", "Success")
    assert json.loads(row["parameters"]) == params
    out = schedules._history_json(row)
    assert out["schedule"]["type"] == "Schedule" and out["job_name"] == "PURGE_AUDIT_LOG"
    sim.db.close()


def test_retention_schedule_fires_a_scheduled_execution(tmp_path):
    from harbor_sim.api import retentions

    sim = _sim(tmp_path)
    policy = {"algorithm": "or", "rules": [], "scope": {"level": "project", "ref": 1},
              "trigger": {"kind": "Schedule", "settings": {"cron": "0 30 4 * * *"}}}
    sim.db.insert("INSERT INTO core_retention_policy (project_id, data, creation_time, update_time)"
                  " VALUES (1, ?, 'x', 'x')", (json.dumps(policy),))
    at = datetime.datetime(2026, 12, 4, 4, 30, 0, tzinfo=datetime.timezone.utc)
    assert retentions.fire_due(sim, at - datetime.timedelta(seconds=1)) == []
    started = retentions.fire_due(sim, at)
    assert len(started) == 1
    row = sim.db.query_one("SELECT * FROM core_retention_execution WHERE id = ?", (started[0],))
    assert (row["trigger"], row["dry_run"], row["operator"]) == ("SCHEDULE", 0, "harbor-jobservice")
