"""Job queue: in-process, and Redis where two queues (two sims) share one list: a job runs once."""

import shutil
import socket
import subprocess
import threading
import time

import pytest

from harbor_sim import jobqueue


def _collect(queue_obj, seen, lock):
    def handler(job):
        with lock:
            seen.append((queue_obj, job["n"]))
    return handler


def _wait_for(cond, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def test_in_process_queue_runs_jobs_and_locks_once():
    q = jobqueue.InProcessQueue()
    seen, lock = [], threading.Lock()
    q.start(_collect(q, seen, lock), workers=2)
    try:
        for n in range(5):
            q.submit({"n": n})
        assert _wait_for(lambda: len(seen) == 5)
        assert sorted(n for _, n in seen) == list(range(5))
        assert q.acquire_once("tick-1") is True
        assert q.acquire_once("tick-1") is False
    finally:
        q.stop()


@pytest.fixture
def redis_url(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed (scripts/host-deps.sh)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/3"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.sim
def test_redis_queue_shared_by_two_sims_runs_each_job_once(redis_url):
    a, b = jobqueue.make_queue(redis_url), jobqueue.make_queue(redis_url)
    assert isinstance(a, jobqueue.RedisQueue)
    seen, lock = [], threading.Lock()
    a.start(_collect("a", seen, lock), workers=2)
    b.start(_collect("b", seen, lock), workers=2)
    try:
        for n in range(20):
            (a if n % 2 else b).submit({"n": n})
        assert _wait_for(lambda: len(seen) >= 20)
        time.sleep(0.3)
        assert sorted(n for _, n in seen) == list(range(20))  # each once, none twice
        assert a.acquire_once("policy-1@100") is True
        assert b.acquire_once("policy-1@100") is False
    finally:
        a.stop()
        b.stop()


@pytest.fixture
def sentinel_url(redis_url, tmp_path):
    """A redis-server in sentinel mode watching the redis_url master (Harbor's redis+sentinel)."""
    master_port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor mymaster 127.0.0.1 {master_port} 1\n")
    proc = subprocess.Popen(["redis-server", str(conf), "--sentinel"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: _connects(port))
        yield f"redis+sentinel://127.0.0.1:{port}/mymaster/4"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _connects(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@pytest.mark.sim
def test_redis_sentinel_url_reaches_the_master(sentinel_url, redis_url):
    q = jobqueue.make_queue(sentinel_url)
    seen, lock = [], threading.Lock()
    q.start(_collect("s", seen, lock), workers=1)
    try:
        q.submit({"n": 1})
        assert _wait_for(lambda: seen == [("s", 1)])
        assert q.acquire_once("k") and not q.acquire_once("k")
        # it is the master's db 4 that holds the lock
        import redis as redis_lib
        master = redis_lib.Redis.from_url(redis_url.rsplit("/", 1)[0] + "/4")
        assert master.exists(jobqueue.LOCK_PREFIX + "k") == 1
    finally:
        q.stop()


def test_bad_redis_url_scheme_is_rejected():
    with pytest.raises(ValueError, match="--redis-url"):
        jobqueue.make_queue("http://127.0.0.1:1")
    with pytest.raises(ValueError, match="master"):
        jobqueue.redis_client("redis+sentinel://127.0.0.1:26379")
