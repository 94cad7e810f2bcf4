"""The Harbor nodes: Docker engine, keepalived container, its configuration and track script."""

import json

import pytest

from conftest import HARBOR_FRONT_CONTAINERS, NODES, TRACK_CHECK

testinfra_hosts = ["harbor"]


def _name(host):
    return host.backend.get_hostname()


def test_docker_engine_runs_with_overlay2(host):
    docker = host.service("docker")
    assert docker.is_running and docker.is_enabled
    assert host.check_output("docker info --format '{{.Driver}}'") == "overlay2"


def test_daemon_json_has_log_rotation_and_no_insecure_registries(host):
    cfg = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert cfg["log-driver"] == "json-file"
    assert cfg["log-opts"] == {"max-size": "50m", "max-file": "5"}
    assert cfg["storage-driver"] == "overlay2"
    assert "insecure-registries" not in cfg


def test_compose_is_installed(host):
    assert host.run("docker-compose version").rc == 0 or host.run("docker compose version").rc == 0


def test_keepalived_container_has_host_network_and_caps(host):
    info = json.loads(host.check_output("docker inspect keepalived"))[0]
    assert info["State"]["Running"]
    assert info["HostConfig"]["NetworkMode"] == "host"
    assert {"NET_ADMIN", "NET_BROADCAST", "NET_RAW"} <= set(info["HostConfig"]["CapAdd"])
    assert info["HostConfig"]["RestartPolicy"]["Name"] == "always"
    # Stale pid files after a killed node would stop keepalived from starting again.
    assert "/run" in (info["HostConfig"]["Tmpfs"] or {})


def test_keepalived_conf_uses_unicast_to_the_peer_and_no_password(host):
    me = _name(host)
    peer = [a for n, a in NODES.items() if n != me]
    conf = host.file("/etc/keepalived/keepalived.conf").content_string
    assert f"unicast_src_ip {NODES[me]}" in conf
    assert all(p in conf.split("unicast_peer {")[1].split("}")[0] for p in peer)
    assert "nopreempt" in conf and "advert_int 1" in conf
    assert "dmLab8ch" not in conf
    auth = host.file("/etc/keepalived/vrrp_auth.conf")
    assert auth.mode == 0o600 and "auth_pass dmLab8ch" in auth.content_string


def test_live_config_passes_keepalived_config_test(host):
    cmd = host.run(
        "docker run --rm --network host --entrypoint /usr/sbin/keepalived "
        "-v /etc/keepalived:/etc/keepalived:ro harborops/keepalived:local "
        "--config-test --use-file /etc/keepalived/keepalived.conf"
    )
    assert cmd.rc == 0, cmd.stderr


def test_harbor_runs_and_the_track_script_passes(host):
    for container in HARBOR_FRONT_CONTAINERS.split():
        info = json.loads(host.check_output(f"docker inspect {container}"))[0]
        assert info["State"]["Running"], container
    assert host.run(TRACK_CHECK).rc == 0


def test_track_script_asks_harbor_over_verified_tls(host):
    script = host.file("/etc/keepalived/check_harbor.sh").content_string
    assert "https://harbor.dm.lab/api/v2.0/ping" in script and "--cacert" in script
    assert "--insecure" not in script and " -k " not in script


@pytest.mark.parametrize("state", ["MASTER", "BACKUP"])
def test_keepalived_logged_vrrp_states(host, state):
    # Both nodes have been master and backup by now: converge elected one, side_effect moved it.
    logs = host.run("docker logs keepalived 2>&1").stdout
    assert f"Entering {state} STATE" in logs
