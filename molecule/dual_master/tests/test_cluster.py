"""The pair as clients see it: one VIP holder, the VIP answers over verified TLS, the front proxies."""

import json
import time

from conftest import ADMIN, HARBOR_FRONT_CONTAINERS, NODES, TRACK_CHECK, VIP_NAME, node, vip_holders

testinfra_hosts = ["dm-front"]

CURL = f"curl -sS --max-time 10 --cacert /etc/harbor/tls/ca.crt -u {ADMIN[0]}:{ADMIN[1]}"
CURL_FRONT = f"{CURL} --resolve {VIP_NAME}:443:127.0.0.1"


def _served_by(host, curl):
    """The node whose Harbor answered: systeminfo's registry_url is the node's own name (its IP)."""
    info = json.loads(host.check_output(f"{curl} https://{VIP_NAME}/api/v2.0/systeminfo"))
    return next(n for n, ip in NODES.items() if info["registry_url"] == ip)


def test_exactly_one_node_holds_the_vip():
    assert len(vip_holders()) == 1


def test_vip_name_answers_from_the_holder_with_a_verified_certificate(host):
    # /etc/hosts of the lab maps the VIP name to the VIP (prepare.yml).
    res = host.run(f"curl -sS --max-time 10 --cacert /etc/harbor/tls/ca.crt https://{VIP_NAME}/api/v2.0/ping")
    assert res.rc == 0 and res.stdout == "Pong", res.stderr
    assert _served_by(host, CURL) == vip_holders()[0]


def test_vip_certificate_is_checked_for_the_name(host):
    """Verification is on: the same VIP under a name the certificate does not carry is refused."""
    res = host.run("curl -sS --max-time 10 --cacert /etc/harbor/tls/ca.crt --resolve other.dm.lab:443:172.30.2.100 "
                   "https://other.dm.lab/api/v2.0/ping")
    assert res.rc in (51, 60), res.stderr  # curl: the peer certificate does not match the name


def test_front_config_passes_nginx_t(host):
    assert host.service("nginx").is_running
    assert host.run("nginx -t").rc == 0


def test_front_site_has_what_harbor_needs(host):
    site = host.file("/etc/nginx/conf.d/harborops-harbor.conf").content_string
    for line in ("ip_hash;", "client_max_body_size 0;", "proxy_buffering off;", "proxy_request_buffering off;",
                 "proxy_ssl_verify on;"):
        assert line in site
    for address in NODES.values():
        assert f"server {address}:443 max_fails=2 fail_timeout=10s;" in site


def test_front_proxies_harbor_over_verified_tls(host):
    res = host.run(f"{CURL_FRONT} https://{VIP_NAME}/api/v2.0/ping")
    assert res.rc == 0 and res.stdout == "Pong", res.stderr
    # The registry API through the front: the token challenge names the serving node's realm.
    challenge = host.run(f"curl -sS --max-time 10 --cacert /etc/harbor/tls/ca.crt --resolve {VIP_NAME}:443:127.0.0.1 "
                         f"-o /dev/null -D - https://{VIP_NAME}/v2/")
    assert " 401" in challenge.stdout.splitlines()[0]
    assert any(f'realm="https://{ip}/service/token"' in challenge.stdout for ip in NODES.values())


def test_front_redirects_http_to_https(host):
    res = host.run(f"curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' -H 'Host: {VIP_NAME}' http://127.0.0.1/")
    assert res.stdout == f"308 https://{VIP_NAME}/"


def test_front_is_sticky_per_client(host):
    served = {_served_by(host, CURL_FRONT) for attempt in range(6)}
    assert len(served) == 1


def test_front_skips_a_dead_node(host):
    """Passive health: with the client's node's Harbor down, the front answers from the other one."""
    dead = _served_by(host, CURL_FRONT)
    node(dead).check_output(f"docker stop {HARBOR_FRONT_CONTAINERS}")
    try:
        assert _served_by(host, CURL_FRONT) != dead
    finally:
        node(dead).check_output(f"docker start {' '.join(reversed(HARBOR_FRONT_CONTAINERS.split()))}")
        # Give keepalived's track script time to see Harbor again (rise 2 x interval 1).
        deadline = time.time() + 120
        while node(dead).run(TRACK_CHECK).rc != 0 and time.time() < deadline:
            time.sleep(1)
        time.sleep(3)
    assert node(dead).run(TRACK_CHECK).rc == 0
    assert len(vip_holders()) == 1
