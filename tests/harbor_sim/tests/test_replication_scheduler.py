"""Scheduled trigger: 6-field cron fires enabled scheduled policies once per tick."""

import calendar
import datetime
import shutil

import pytest

from harbor_sim.jobqueue import InProcessQueue
from harbor_sim.replication.engine import ReplicationEngine


class FakeStore:
    def __init__(self):
        self.created = []

    def create_execution(self, policy_id, trigger):
        self.created.append((policy_id, trigger))
        return len(self.created)


class FakeHost:
    def __init__(self, policies):
        self._policies = policies

    def policies(self):
        return self._policies


def _ts(*args):
    return calendar.timegm(datetime.datetime(*args).timetuple())


def _policy(pid, cron, enabled=True, ttype="scheduled"):
    return {"id": pid, "enabled": enabled,
            "trigger": {"type": ttype, "trigger_settings": {"cron": cron}}}


def test_scheduler_fires_matching_enabled_policies_once_per_tick():
    store, queue = FakeStore(), InProcessQueue()
    host = FakeHost([_policy(1, "0 */5 * * * *"), _policy(2, "0 */5 * * * *", enabled=False),
                     _policy(3, "0 0 3 * * *"), _policy(4, "0 */5 * * * *", ttype="manual")])
    engine = ReplicationEngine(store, host, queue)
    other_sim = ReplicationEngine(store, host, queue)  # same lock space, like two sims on one Redis
    engine._fire(_ts(2026, 11, 23, 10, 5, 0))
    other_sim._fire(_ts(2026, 11, 23, 10, 5, 0))
    engine._fire(_ts(2026, 11, 23, 10, 5, 1))
    engine._fire(_ts(2026, 11, 23, 10, 7, 0))
    assert store.created == [(1, "scheduled")]
    jobs = []
    while not queue._q.empty():
        jobs.append(queue._q.get())
    assert jobs == [{"kind": "replication", "execution_id": 1, "policy_id": 1, "resources": None}]
    engine._fire(_ts(2026, 11, 23, 3, 0, 0))
    assert store.created[-1] == (3, "scheduled")


@pytest.mark.sim
@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed")
def test_two_sims_on_one_redis_fire_a_schedule_once(tmp_path):
    from dataplane_support import RedisServer
    from harbor_sim.jobqueue import RedisQueue

    with RedisServer(tmp_path) as redis:
        store = FakeStore()
        host = FakeHost([_policy(7, "0 0 * * * *")])
        sims = [ReplicationEngine(store, host, RedisQueue(redis.url)) for _ in range(2)]
        for second in (_ts(2026, 11, 23, 11, 0, 0), _ts(2026, 11, 23, 12, 0, 0)):
            for engine in sims:
                engine._fire(second)
        assert store.created == [(7, "scheduled"), (7, "scheduled")]  # one per tick, not per sim
        assert sims[0].queue.redis.llen("harbor_sim:jobs") == 2


def test_event_trigger_selection():
    store, queue = FakeStore(), InProcessQueue()
    base = {"enabled": True, "trigger": {"type": "event_based"}, "src_registry": {"id": 0},
            "dest_registry": {"id": 1}}
    host = FakeHost([
        dict(base, id=1, filters=[{"type": "name", "value": "library/**"}]),
        dict(base, id=2, filters=[{"type": "tag", "value": "v*", "decoration": "excludes"}]),
        dict(base, id=3, enabled=False),
        dict(base, id=4, src_registry={"id": 5}, dest_registry={"id": 0}),  # pull mode never fires
        dict(base, id=5, deletion=True),
    ])
    engine = ReplicationEngine(store, host, queue)
    assert engine.on_artifact_event("copy", "library/app", "sha256:1", ["v1"]) == [1, 2]
    assert [p for p, _ in store.created] == [1, 5]  # id 2 excluded by its tag filter
    store.created.clear()
    engine.on_artifact_event("deletion", "other/app", "sha256:1", ["latest"])
    assert store.created == [(5, "event_based")]  # only the policy with deletion true


def test_scheduler_thread_fires_from_the_clock():
    """The background loop drives _fire second by second (cron every second: engine-level only,
    the API itself requires second 0 and a fixed minute field)."""
    import time

    store, queue = FakeStore(), InProcessQueue()
    engine = ReplicationEngine(store, FakeHost([_policy(9, "* * * * * *")]), queue)
    engine.start_scheduler()
    try:
        deadline = time.monotonic() + 5
        while len(store.created) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
    assert store.created[:2] == [(9, "scheduled"), (9, "scheduled")]
