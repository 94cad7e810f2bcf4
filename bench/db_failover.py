"""Database failover time in the shared_storage lab: leader fails -> endpoint writable again.

Needs the lab up: `molecule converge -s shared_storage` (containers ss-db1..3). Each run: find the
Patroni leader, start bench/pg_write_probe.py on another host writing through that host's HAProxy
endpoint (port 5000, Harbor's user and database), make the leader fail and take the time from the
fault to the first acknowledged write afterwards. --fault host (default) `docker kill`s the
leader's container (the whole host dies: Patroni, PostgreSQL, etcd, a Sentinel, maybe the Redis
master); --fault patroni freezes the leader's Patroni and PostgreSQL with SIGSTOP (a hung leader:
no clean shutdown, no leader key released), and its host is killed after the failover (never
thawed: without a watchdog a thawed leader can take the lock back). Either way the killed host is
started again and must rejoin as a standby before the next run.
The probe also checks that no acknowledged write was lost. When the Harbor nodes run (ss-harbor1/2),
bench/harbor_health_probe.py polls Harbor's /api/v2.0/health through the VIP name (TLS verified)
on a Harbor node at the same time: harbor_healthy_seconds = fault -> Harbor healthy again (with
--fault host, while the killed host is still down). redis_master_killed says whether the killed
host also held the Redis master (Harbor then also waits for a Sentinel failover).

    python3 bench/db_failover.py --runs 5
"""
import json
import time

import lab_docker as lab


def cluster(via):
    return json.loads(lab.sh(via, "curl -sf --cacert /etc/patroni/tls/ca.crt https://%s:8008/cluster" % lab.address(via)))


def patroni_settings():
    """The settings Patroni runs with (its dynamic configuration, GET /config), not the inventory's."""
    via = next(h for h in lab.HOSTS if lab.running(h))
    config = json.loads(lab.sh(via, "curl -sf --cacert /etc/patroni/tls/ca.crt https://%s:8008/config" % lab.address(via)))
    return {k: config.get(k) for k in ("ttl", "loop_wait", "retry_timeout", "synchronous_mode")}


def healthy(via):
    members = cluster(via)["members"]
    leaders = [m for m in members if m["role"] == "leader" and m["state"] == "running"]
    replicas = [m for m in members if m["role"] != "leader" and m["state"] in ("running", "streaming")]
    return len(leaders) == 1 and len(replicas) == len(lab.HOSTS) - 1


def one_run(settings):
    via = next(h for h in lab.HOSTS if lab.running(h))
    lab.wait(lambda: healthy(via), 180, "a healthy Patroni cluster")
    leader = next(m["name"] for m in cluster(via)["members"] if m["role"] == "leader")
    observer = next(h for h in lab.HOSTS if h != leader)
    redis_master = lab.sh(observer, "redis-cli -p 26379 --raw SENTINEL get-master-addr-by-name harbor").split()[0]
    redis_master_killed = redis_master == lab.address(leader)
    dsn = ("host=127.0.0.1 port=5000 dbname=registry user=harbor password=%s sslmode=verify-ca "
           "sslrootcert=/etc/patroni/tls/ca.crt" % settings["postgresql_harbor_password"])
    result = lab.run_probe(observer, lab.REPO / "bench" / "pg_write_probe.py",
                           ["--dsn", dsn, "--seconds", "150", "--settle", "3"], timeout=200)
    harbor_result = None
    if lab.running(lab.HARBOR_NODES[0]):
        harbor_result = lab.run_probe(lab.HARBOR_NODES[0], lab.REPO / "bench" / "harbor_health_probe.py",
                                      ["--url", "https://%s/api/v2.0/health" % settings["harborops_vip_name"],
                                       "--cafile", "/etc/harbor/tls/ca.crt", "--seconds", "150", "--settle", "5"],
                                      timeout=200)
    time.sleep(2)
    killed_at = time.time()
    if settings["fault"] == "host":
        lab.docker("kill", leader)
    else:
        lab.sh(leader, "systemctl kill --kill-whom=all --signal=SIGSTOP patroni")
    probe = result()
    if not probe["failed_over"] or probe["missing"] != []:
        raise SystemExit("failover run failed: %s" % probe)
    harbor = harbor_result() if harbor_result else None
    if harbor is not None and harbor["recovered_epoch"] is None and harbor["saw_unhealthy"]:
        raise SystemExit("Harbor did not become healthy again: %s" % harbor)
    if settings["fault"] != "host":
        lab.docker("kill", leader)
    lab.start_and_boot(leader)
    lab.wait(lambda: healthy(observer), 240, "the killed leader to rejoin")
    sample = {
        "seconds": round(probe["recovered_epoch"] - killed_at, 2),
        "killed": leader,
        "redis_master_killed": redis_master_killed,
        "acknowledged_writes": probe["acknowledged"],
        "lost_writes": len(probe["missing"]),
    }
    if harbor is not None:
        # never unhealthy: Harbor's checks did not notice the outage (0 s is then the honest figure)
        sample["harbor_healthy_seconds"] = round(max(harbor["recovered_epoch"] - killed_at, 0), 2) \
            if harbor["saw_unhealthy"] else 0.0
        sample["harbor_saw_unhealthy"] = harbor["saw_unhealthy"]
    return sample


def main():
    lab.measure("db_failover: leader fails -> endpoint writable (seconds), Harbor healthy through the VIP "
                "(harbor_healthy_seconds)", one_run, lambda settings: {"fault": settings["fault"], "patroni": patroni_settings()},
                __doc__, faults=["host", "patroni"])


if __name__ == "__main__":
    main()
