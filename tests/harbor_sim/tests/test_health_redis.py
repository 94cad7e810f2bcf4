"""/health with --redis-url: the redis component reflects a real redis-server."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import requests

from harbor_sim.testing import SimProcess, free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")


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
