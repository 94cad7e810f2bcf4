"""HA shape: two sims on one PostgreSQL database, one Redis and one registry (Harbor nodes behind a
load balancer). A push through either node is known to both; a replication job started on one node
runs exactly once (the Redis queue hands each job to a single worker), whichever node picks it up."""

import shutil
import json

import pytest

from dataplane_support import (ADMIN, RedisServer, api, artifact_tags, make_oci_layout, skopeo,
                               skopeo_inspect_digest, wait_execution_final, wait_for)
from harbor_sim.testing import SimProcess
from pgcluster import PgCluster, pg_bindir

pytestmark = [pytest.mark.sim,
              pytest.mark.skipif(pg_bindir() is None, reason="PostgreSQL server binaries not installed"),
              pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    pg = PgCluster()
    pg.start()
    try:
        with RedisServer(tmp_path_factory.mktemp("redis")) as redis:
            shared = ["--database-url", pg.url, "--redis-url", redis.url]
            dir1, dir2 = tmp_path_factory.mktemp("node1"), tmp_path_factory.mktemp("node2")
            with SimProcess(str(dir1), extra_args=shared) as node1:
                # node 2 uses node 1's registry and the same token keys (the installer copies them)
                with open(dir1 / "registry" / "config.yml") as fh:
                    registry_url = "http://" + json.load(fh)["http"]["addr"]
                shutil.copytree(dir1 / "secret", dir2 / "secret")
                with SimProcess(str(dir2), extra_args=shared + ["--registry-url", registry_url]) as node2, \
                        SimProcess(str(tmp_path_factory.mktemp("dest"))) as dest:
                    yield node1, node2, dest
    finally:
        pg.destroy()


def test_two_nodes_share_artifacts_and_run_each_job_once(cluster, tmp_path):
    node1, node2, dest = cluster
    layout = tmp_path / "oci"
    digest = make_oci_layout(str(layout))
    skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"{ADMIN[0]}:{ADMIN[1]}",
           f"oci:{layout}:v1", f"docker://{node2.url.split('://')[1]}/library/ha:v1")
    # pushed through node 2, pullable through node 1, known to both APIs
    assert skopeo_inspect_digest(f"{node1.url.split('://')[1]}/library/ha:v1") == digest
    wait_for(lambda: artifact_tags(node1, "library", "ha") == ["v1"], 15, what="library/ha on node 1")
    assert artifact_tags(node2, "library", "ha") == ["v1"]
    reg = api(node1, "POST", "/registries", expect=201, json={
        "name": "dest", "type": "harbor", "url": dest.url, "insecure": True,
        "credential": {"type": "basic", "access_key": ADMIN[0], "access_secret": ADMIN[1]}})
    reg_id = int(reg.headers["Location"].rsplit("/", 1)[1])
    pid = int(api(node2, "POST", "/replication/policies", expect=201, json={
        "name": "ha-out", "src_registry": {"id": 0}, "dest_registry": {"id": reg_id},
        "trigger": {"type": "manual"}, "enabled": True, "override": True,
        "filters": [{"type": "name", "value": "library/ha"}]}).headers["Location"].rsplit("/", 1)[1])
    # One execution after the other, started on alternate nodes: each job still goes through the
    # shared Redis queue that both nodes' workers take from. Not all at once: executions writing the
    # same manifest into one registry at the same moment can fail there, as in Harbor, whose registry
    # is distribution 2.8 (its filesystem driver's PutContent truncates the file, then writes it), and
    # that is not what this tests.
    for node in (node1, node2, node1, node2):
        loc = api(node, "POST", "/replication/executions", expect=201, json={"policy_id": pid}).headers["Location"]
        exec_id = int(loc.rsplit("/", 1)[1])
        final = wait_execution_final(node, exec_id)
        assert final["status"] == "Succeed", final
        assert final["total"] == 1  # one resource, one task: the job ran once
        tasks = api(node1, "GET", f"/replication/executions/{exec_id}/tasks", expect=200).json()
        assert len(tasks) == 1
    assert skopeo_inspect_digest(f"{dest.url.split('://')[1]}/library/ha:v1", ADMIN) == digest
