"""harbor_sim.testing.SimProcess: restart on the same port and data dir keeps state; kill works."""

from __future__ import annotations

import subprocess

import pytest
import requests

from harbor_sim.testing import SimProcess, free_port

pytestmark = pytest.mark.sim

ADMIN = ("admin", "Harbor12345")


def test_restart_keeps_state_and_port(tmp_path):
    port = free_port()
    sim = SimProcess(tmp_path / "data", admin_password="Initial0Pass", port=port)
    try:
        assert sim.url == f"http://127.0.0.1:{port}"
        auth = ("admin", "Initial0Pass")
        assert requests.post(sim.url + "/api/v2.0/projects", json={"project_name": "kept"}, auth=auth,
                             timeout=30).status_code == 201
        sim.stop()
        assert sim.proc.poll() is not None
        sim.admin_password = "Ignored0Later"  # like harbor_admin_password: only applied on first start
        sim.start()
        assert requests.get(sim.url + "/api/v2.0/projects/kept", auth=auth, timeout=30).status_code == 200
        assert requests.get(sim.url + "/api/v2.0/users/current", auth=("admin", "Ignored0Later"),
                            timeout=30).status_code == 401
        sim.kill()
        assert sim.proc.poll() is not None
    finally:
        sim.stop()
        # the kill left the first start's docker-registry running (its own session, as Harbor's registry
        # container outlives a crashed core): stop it, and nothing of the test stays behind
        subprocess.run(["pkill", "-f", str(tmp_path / "data" / "registry")], check=False)
