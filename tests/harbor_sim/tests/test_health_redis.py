"""/health with --redis-url: the redis component reflects a real redis-server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import requests

from harbor_sim.testing import SimProcess, free_port

pytestmark = [pytest.mark.sim,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")]


def _component(sim, name):
    body = requests.get(sim.url + "/api/v2.0/health", timeout=30).json()
    return body["status"], next(c for c in body["components"] if c["name"] == name)


def test_redis_component(tmp_path):
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() != b"PONG":
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        with SimProcess(tmp_path / "sim", extra_args=["--redis-url", f"redis://127.0.0.1:{port}/4"]) as sim:
            status, redis_comp = _component(sim, "redis")
            assert redis_comp == {"name": "redis", "status": "healthy"}
            redis.terminate()
            redis.wait(10)
            status, redis_comp = _component(sim, "redis")
            assert status == "unhealthy" and redis_comp["status"] == "unhealthy" and redis_comp["error"]
    finally:
        if redis.poll() is None:
            redis.kill()
            redis.wait()


def test_no_redis_component_without_redis_url(tmp_path):
    with SimProcess(tmp_path / "plain") as sim:
        names = [c["name"] for c in requests.get(sim.url + "/api/v2.0/health", timeout=30).json()["components"]]
        assert "redis" not in names


def _start_redis(args, port):
    proc = subprocess.Popen(["redis-server", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout.strip() != b"PONG":
        assert time.monotonic() < deadline, f"redis on port {port} did not start"
        time.sleep(0.1)
    return proc


def _timed_health(sim):
    start = time.monotonic()
    body = requests.get(sim.url + "/api/v2.0/health", timeout=30).json()
    components = {c["name"]: c for c in body["components"]}
    return time.monotonic() - start, components


def test_dead_first_sentinel_does_not_stall_the_health_check(tmp_path):
    """A Sentinel that accepts TCP but never answers (a frozen or dying host) listed first: the
    check moves on to the next Sentinel in about a second, never up to the 10 s health timeout."""
    master_port, sentinel_port = free_port(), free_port()
    stalled = socket.socket()
    stalled.bind(("127.0.0.1", 0))
    stalled.listen(16)  # the kernel completes the handshake; nobody ever reads or answers
    procs = []
    try:
        procs.append(_start_redis(["--port", str(master_port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", str(tmp_path)], master_port))
        conf = tmp_path / "sentinel.conf"
        conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                        f"sentinel monitor mymaster 127.0.0.1 {master_port} 1\n")
        procs.append(_start_redis([str(conf), "--sentinel"], sentinel_port))
        url = f"redis+sentinel://127.0.0.1:{stalled.getsockname()[1]},127.0.0.1:{sentinel_port}/mymaster/4"
        with SimProcess(tmp_path / "sim", extra_args=["--redis-url", url]) as sim:
            for attempt in range(3):
                elapsed, components = _timed_health(sim)
                assert components["redis"]["status"] == "healthy", components["redis"]
                assert components["jobservice"]["status"] == "healthy", components["jobservice"]
                assert elapsed < 4, f"health check {attempt} took {elapsed:.1f} s"
    finally:
        stalled.close()
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(10)


def _role_sentinel_acl(admin_user, admin_password):
    """Sentinel's users as harborops.ha.redis writes them (its template, rendered here)."""
    import hashlib
    import pathlib

    import jinja2

    template = pathlib.Path(__file__).resolve().parents[3] / "roles" / "redis" / "templates" / "sentinel.acl.j2"
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["hash"] = lambda value, algorithm: hashlib.new(algorithm, value.encode()).hexdigest()
    return env.from_string(template.read_text(encoding="utf-8")).render(
        ansible_managed="test", redis_sentinel_admin_user=admin_user, redis_sentinel_password=admin_password)


def test_sentinel_that_refuses_unauthenticated_admin_commands(tmp_path):
    """The role's Sentinel: unauthenticated clients may only ask where the master is (Harbor cannot
    send a Sentinel password); the master wants external_redis' password. The sim, a Harbor
    client, is healthy there and its jobs run; an unauthenticated SENTINEL SET is refused."""
    master_port, sentinel_port = free_port(), free_port()
    procs = []
    try:
        procs.append(subprocess.Popen(
            ["redis-server", "--port", str(master_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp_path), "--requirepass", "master-pw"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 10
        while b"NOAUTH" not in subprocess.run(["redis-cli", "-p", str(master_port), "ping"], capture_output=True).stdout:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        (tmp_path / "sentinel.acl").write_text(_role_sentinel_acl("harborops", "admin-pw"), encoding="utf-8")
        conf = tmp_path / "sentinel.conf"
        conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\naclfile {tmp_path / 'sentinel.acl'}\n"
                        f"sentinel monitor mymaster 127.0.0.1 {master_port} 1\nsentinel auth-pass mymaster master-pw\n")
        procs.append(_start_redis([str(conf), "--sentinel"], sentinel_port))
        refused = subprocess.run(["redis-cli", "-p", str(sentinel_port), "SENTINEL", "SET", "mymaster",
                                  "down-after-milliseconds", "1000"], capture_output=True, text=True)
        assert refused.stdout.startswith("NOPERM"), refused.stdout
        url = f"redis+sentinel://:master-pw@127.0.0.1:{sentinel_port}/mymaster/4"
        with SimProcess(tmp_path / "sim", extra_args=["--redis-url", url]) as sim:
            _elapsed, components = _timed_health(sim)
            assert components["redis"]["status"] == "healthy", components["redis"]
            assert components["jobservice"]["status"] == "healthy", components["jobservice"]
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(10)
