"""Shared-storage backends after converge + side effect (leader killed, old leader rejoined).

Cross-host checks go through testinfra's Ansible backend with molecule's inventory.
"""
import json
import os

import pytest
import testinfra

from conftest import EPHEMERAL, LAB

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
DB_HOSTS = ["ss-db1", "ss-db2", "ss-db3"]


def host(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def address(name):
    return host(name).interface("eth0").addresses[0]


# The collection's CA on the database hosts (harborops.ha.postgresql, for PostgreSQL and Patroni).
CA = "/etc/patroni/tls/ca.crt"


def psql_run(name, sql, port=5432, hostaddr="127.0.0.1", user="postgres", password=None, db="postgres",
             sslmode=None):
    """Local connections (127.0.0.1:5432) may be plain; anything else goes over TLS, the server
    verified against the CA (through an endpoint the server's name is not the address asked)."""
    password = password or LAB["postgresql_superuser_password"]
    sslmode = sslmode or ("disable" if (hostaddr, port) == ("127.0.0.1", 5432) else "verify-ca")
    return host(name).run(
        "PGPASSWORD=%s PGSSLMODE=%s PGSSLROOTCERT=%s PGCONNECT_TIMEOUT=5 psql -h %s -p %s -U %s -d %s -qAt -c %s",
        password, sslmode, CA, hostaddr, str(port), user, db, sql,
    )


def psql(name, sql, **kwargs):
    cmd = psql_run(name, sql, **kwargs)
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout.strip()


def redis(name, *args, port=6379, target="127.0.0.1", auth=True):
    """redis-cli on host `name`; at Sentinel (26379) as its administrator (the role's user)."""
    user = "--user harborops " if port == 26379 else ""
    password = "REDISCLI_AUTH=%s " % LAB["redis_password"] if auth else ""
    cmd = host(name).run(password + "redis-cli " + user + "--no-auth-warning --raw -h %s -p %s " + " ".join(["%s"] * len(args)),
                         target, str(port), *args)
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout.strip().splitlines()


@pytest.fixture(scope="module")
def primaries():
    return [h for h in DB_HOSTS if psql(h, "SELECT pg_is_in_recovery()") == "f"]


def test_exactly_one_writable_primary(primaries):
    assert len(primaries) == 1, primaries


def test_primary_is_patroni_leader(primaries):
    cluster = json.loads(host(DB_HOSTS[0]).check_output("curl -sf --cacert %s https://%s:8008/cluster", CA, address(DB_HOSTS[0])))
    leaders = [m["name"] for m in cluster["members"] if m["role"] == "leader"]
    assert leaders == primaries


def test_replicas_stream_from_the_primary(primaries):
    rows = psql(primaries[0], "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1")
    replicas = [r.split("|") for r in rows.splitlines()]
    assert sorted(r[0] for r in replicas) == sorted(set(DB_HOSTS) - set(primaries))
    assert all(r[1] == "streaming" for r in replicas), replicas
    # synchronous mode: one standby confirms every commit
    assert [r[2] for r in replicas].count("sync") == 1, replicas


def test_no_false_failover():
    """Patroni's timeline history: one promotion per leader the side effect killed, none besides
    (a failover that no fault caused, e.g. a missed leader-key refresh under load, adds one)."""
    history = json.loads(host(DB_HOSTS[0]).check_output("curl -sf --cacert %s https://%s:8008/history", CA,
                                                        address(DB_HOSTS[0])))
    record = EPHEMERAL / "side_effect.json"
    assert len(history) == (1 if record.exists() else 0), history


def test_replication_slots_are_active(primaries):
    slots = psql(primaries[0], "SELECT count(*) FROM pg_replication_slots WHERE active")
    assert int(slots) == len(DB_HOSTS) - 1


@pytest.mark.parametrize("via", DB_HOSTS)
def test_endpoint_on_every_db_host_reaches_the_leader(via, primaries):
    assert psql(via, "SELECT pg_is_in_recovery()", port=5000) == "f"
    served_by = psql(via, "SELECT inet_server_addr()", port=5000)
    assert served_by == address(primaries[0])


@pytest.mark.parametrize("endpoint", ["127.0.0.1", "172.30.3.21"])
def test_plain_text_connection_to_the_endpoint_is_refused(endpoint):
    """Harbor's user, right password, no TLS, through a database host's and a Harbor node's endpoint:
    the leader has no rule for it (hostssl only). With TLS the same connection works."""
    cmd = psql_run(DB_HOSTS[1], "SELECT 1", port=5000, hostaddr=endpoint, user="harbor",
                   password=LAB["postgresql_harbor_password"], db="registry", sslmode="disable")
    assert cmd.rc != 0 and "no encryption" in cmd.stderr, cmd.stdout + cmd.stderr
    assert psql(DB_HOSTS[1], "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", port=5000, hostaddr=endpoint,
                user="harbor", password=LAB["postgresql_harbor_password"], db="registry") == "t"


def test_replication_is_encrypted(primaries):
    rows = psql(primaries[0], "SELECT r.application_name, s.ssl FROM pg_stat_replication r "
                "JOIN pg_stat_ssl s ON s.pid = r.pid ORDER BY 1")
    assert [r.split("|")[1] for r in rows.splitlines()] == ["t"] * (len(DB_HOSTS) - 1), rows


@pytest.mark.parametrize("name", DB_HOSTS)
def test_patroni_api_answers_only_on_https(name):
    ip = address(name)
    plain = host("ss-db1").run("curl -s -o /dev/null -w '%%{http_code}' --max-time 5 http://%s:8008/patroni", ip)
    assert plain.stdout.strip() in ("000", ""), plain.stdout  # no HTTP answer at all
    state = json.loads(host("ss-db1").check_output("curl -sf --cacert %s https://%s:8008/patroni", CA, ip))
    assert state["state"] in ("running", "streaming"), state
    # the certificate is this host's (its address is in it) and signed by the collection's CA
    unknown = host("ss-db1").run("curl -s -o /dev/null --max-time 5 https://%s:8008/patroni", ip)
    assert unknown.rc == 60, unknown.stderr  # curl: peer certificate cannot be authenticated with the system CAs


def test_harbor_user_writes_its_database_through_the_endpoint():
    out = psql(DB_HOSTS[1], "CREATE TABLE IF NOT EXISTS ss_verify (x int); INSERT INTO ss_verify VALUES (1); "
               "SELECT current_user, current_database()", port=5000, user=LAB.get("postgresql_harbor_username", "harbor"),
               password=LAB["postgresql_harbor_password"], db="registry")
    assert out.splitlines()[-1] == "harbor|registry"


def test_side_effect_lost_no_acknowledged_write():
    record = EPHEMERAL / "side_effect.json"
    if not record.exists():
        pytest.skip("side_effect did not run (molecule verify alone)")
    result = json.loads(record.read_text(encoding="utf-8"))
    assert result["probe"]["failed_over"] and result["probe"]["missing"] == []
    # the killed leader came back as a standby
    assert psql(result["pg_old_leader"], "SELECT pg_is_in_recovery()") == "t"


def test_redis_one_master_and_linked_replicas():
    roles = {h: redis(h, "ROLE") for h in DB_HOSTS}
    masters = [h for h, r in roles.items() if r[0] == "master"]
    assert len(masters) == 1, roles
    master_ip = address(masters[0])
    for h, r in roles.items():
        if h != masters[0]:
            info = dict(line.split(":", 1) for line in redis(h, "INFO", "replication") if ":" in line)
            assert info["role"] == "slave" and info["master_host"] == master_ip, info
            assert info["master_link_status"] == "up", info
    info = dict(line.split(":", 1) for line in redis(masters[0], "INFO", "replication") if ":" in line)
    assert int(info["connected_slaves"]) == len(DB_HOSTS) - 1


def test_three_sentinels_agree_on_the_master():
    answers = {h: redis(h, "SENTINEL", "get-master-addr-by-name", "harbor", port=26379)[0] for h in DB_HOSTS}
    assert len(set(answers.values())) == 1, answers
    master = next(iter(answers.values()))
    assert redis(DB_HOSTS[0], "ROLE", target=master)[0] == "master"
    sentinels = redis(DB_HOSTS[0], "SENTINEL", "master", "harbor", port=26379)
    fields = dict(zip(sentinels[::2], sentinels[1::2]))
    assert int(fields["num-other-sentinels"]) == len(DB_HOSTS) - 1
    assert int(fields["num-slaves"]) == len(DB_HOSTS) - 1


# Harmless if they were allowed (the lab's own down-after value, a reset of no master set), so a
# regression fails these tests without wrecking the lab for the tests after them.
@pytest.mark.parametrize("command", [["SENTINEL", "SET", "harbor", "down-after-milliseconds", "3000"],
                                     ["SENTINEL", "RESET", "no-such-master-set"],
                                     ["SENTINEL", "CONFIG", "GET", "*"], ["ACL", "LIST"]])
def test_sentinel_refuses_unauthenticated_commands(command):
    """From another host, without a password: refused. Only where the master is may be asked."""
    master = redis(DB_HOSTS[1], "SENTINEL", "get-master-addr-by-name", "harbor", port=26379,
                   target=address(DB_HOSTS[0]), auth=False)
    assert len(master) == 2 and master[1] == "6379", master
    answer = redis(DB_HOSTS[1], *command, port=26379, target=address(DB_HOSTS[0]), auth=False)
    assert answer and answer[0].startswith("NOPERM"), answer
    # with the administrator's password the same Sentinel answers
    assert redis(DB_HOSTS[1], "SENTINEL", "master", "harbor", port=26379, target=address(DB_HOSTS[0]))[:2] == ["name", "harbor"]


def test_sentinel_config_keeps_the_role_block_and_sentinel_state():
    text = host(DB_HOSTS[0]).file("/etc/redis/sentinel.conf").content_string
    assert "# BEGIN harborops.ha sentinel" in text and "sentinel monitor harbor" in text
    assert text.index("# END harborops.ha sentinel") < text.index("sentinel monitor harbor")


ETCD_TLS = "--cacert /etc/etcd/tls/ca.crt --cert /etc/etcd/tls/server.crt --key /etc/etcd/tls/server.key"
# a v3 range read of everything Patroni keeps under /service/ (base64 of "/service/" and "/service0")
PATRONI_KEYS = '{"key": "L3NlcnZpY2Uv", "range_end": "L3NlcnZpY2Uw"}'


def test_etcd_cluster_is_healthy():
    for h in DB_HOSTS:
        health = host(h).check_output("curl -sf %s https://%s:2379/health" % (ETCD_TLS, address(h)))
        assert json.loads(health)["health"] == "true"


@pytest.mark.parametrize("name", DB_HOSTS)
def test_etcd_refuses_clients_without_a_certificate(name):
    """From another host: plain HTTP and TLS without a client certificate read nothing; with this
    host's certificate (the collection's CA) Patroni's keys are there."""
    url = "https://%s:2379/v3/kv/range" % address(name)
    client = host("ss-db1" if name != "ss-db1" else "ss-db2")
    plain = client.run("curl -sf --max-time 5 -X POST -d %s %s", PATRONI_KEYS, url.replace("https://", "http://"))
    assert plain.rc != 0 and "kvs" not in plain.stdout, plain.stdout
    no_cert = client.run("curl -sf --max-time 5 --cacert /etc/etcd/tls/ca.crt -X POST -d %s %s", PATRONI_KEYS, url)
    assert no_cert.rc != 0 and "kvs" not in no_cert.stdout, no_cert.stdout
    keys = json.loads(client.check_output("curl -sf --max-time 5 %s -X POST -d %s %s" % (ETCD_TLS, "%s", "%s"),
                                          PATRONI_KEYS, url))
    assert int(keys["count"]) > 0, keys


def test_nfs_export_served_by_ganesha_to_the_harbor_nodes_only():
    # nfs_export_clients' default: each Harbor node's address; the lab sets none.
    client = host("ss-harbor1")
    name = "verify-%s.txt" % os.getpid()
    client.run("echo shared > /tmp/%s", name)
    url = "nfs://%s/harbor" % address("ss-db3")
    cmd = client.run("nfs-cp /tmp/%s '%s/%s?version=4'", name, url, name)
    assert cmd.rc == 0, cmd.stdout + cmd.stderr
    listing = client.check_output("nfs-ls '%s?version=4'", url)
    assert name in listing
    # the file landed in the exported directory on the server
    assert host("ss-db3").file("/srv/nfs/harbor/" + name).exists
    # a host that is not a Harbor node (a database host) is refused
    other = host("ss-db1")
    other.run("echo other > /tmp/%s", name)
    refused = other.run("nfs-cp /tmp/%s '%s/other-%s?version=4'", name, url, name)
    assert refused.rc != 0, refused.stdout
    assert not host("ss-db3").file("/srv/nfs/harbor/other-" + name).exists


def test_lab_shared_dir_is_one_directory_on_both_harbor_nodes():
    marker = "/data/.ss-verify-%s" % os.getpid()
    host("ss-harbor1").run("echo from-harbor1 > %s", marker)
    assert host("ss-harbor2").file(marker).content_string.strip() == "from-harbor1"
    host("ss-harbor2").run("rm -f %s", marker)
