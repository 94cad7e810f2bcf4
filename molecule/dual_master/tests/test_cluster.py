"""The pair as clients see it: one VIP holder, the VIP answers, the nginx front proxies."""

import time

from conftest import FIXTURE, HOSTNAMES, NODES, VIP, VIP_NAME, node, vip_holders

testinfra_hosts = ["dm-front"]

CURL_FRONT = f"curl -sS --max-time 5 --cacert /etc/harbor/tls/ca.crt --resolve {VIP_NAME}:443:127.0.0.1"


def _headers(text):
    out = {}
    for line in text.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            out[key.strip().lower()] = value.strip()
    return out


def test_exactly_one_node_holds_the_vip():
    assert len(vip_holders()) == 1


def test_vip_answers_from_the_holder(host):
    holder = vip_holders()[0]
    res = host.run(f"curl -sS --max-time 5 -D - http://{VIP}/api/v2.0/ping")
    assert res.rc == 0, res.stderr
    assert res.stdout.rstrip().endswith("Pong")
    assert _headers(res.stdout)["x-fixture-node"] == HOSTNAMES[holder]


def test_front_config_passes_nginx_t(host):
    assert host.service("nginx").is_running
    assert host.run("nginx -t").rc == 0


def test_front_site_has_what_harbor_needs(host):
    site = host.file("/etc/nginx/conf.d/harborops-harbor.conf").content_string
    for line in ("ip_hash;", "client_max_body_size 0;", "proxy_buffering off;", "proxy_request_buffering off;"):
        assert line in site
    for address in NODES.values():
        assert f"server {address}:80 max_fails=2 fail_timeout=10s;" in site


def test_front_terminates_tls_and_forwards_headers(host):
    res = host.run(f"{CURL_FRONT} -D - https://{VIP_NAME}/api/v2.0/ping")
    assert res.rc == 0, res.stderr
    assert res.stdout.rstrip().endswith("Pong")
    seen = _headers(res.stdout)
    assert seen["x-fixture-seen-host"] == VIP_NAME
    assert seen["x-fixture-seen-x-forwarded-proto"] == "https"
    assert seen["x-fixture-seen-x-forwarded-for"] == "127.0.0.1"


def test_front_redirects_http_to_https(host):
    res = host.run(f"curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' -H 'Host: {VIP_NAME}' http://127.0.0.1/")
    assert res.stdout == f"308 https://{VIP_NAME}/"


def test_front_is_sticky_per_client(host):
    request = f"{CURL_FRONT} -D - -o /dev/null https://{VIP_NAME}/api/v2.0/ping"
    served = {_headers(host.check_output(request))["x-fixture-node"] for attempt in range(6)}
    assert len(served) == 1


def test_front_skips_a_dead_node(host):
    """Passive health: with the client's node down, the front answers from the other one."""
    first = _headers(host.check_output(f"{CURL_FRONT} -D - -o /dev/null https://{VIP_NAME}/api/v2.0/ping"))["x-fixture-node"]
    dead = next(n for n, h in HOSTNAMES.items() if h == first)
    node(dead).check_output(f"systemctl stop {FIXTURE}")
    try:
        res = host.run(f"{CURL_FRONT} -D - https://{VIP_NAME}/api/v2.0/ping")
        assert res.rc == 0 and res.stdout.rstrip().endswith("Pong"), res.stderr
        assert _headers(res.stdout)["x-fixture-node"] != first
    finally:
        node(dead).check_output(f"systemctl start {FIXTURE}")
        # Give keepalived's track script time to see the endpoint again (rise 2 x interval 1).
        deadline = time.time() + 15
        while node(dead).run("/etc/keepalived/check_harbor.sh").rc != 0 and time.time() < deadline:
            time.sleep(0.5)
        time.sleep(3)
    assert len(vip_holders()) == 1
