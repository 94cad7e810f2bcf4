"""Redis failover time in the shared_storage lab: master frozen -> a Sentinel-aware client writes again.

Needs the lab up: `molecule converge -s shared_storage` (containers ss-db1..3). Each run: ask a
Sentinel for the master, start bench/redis_write_probe.py on another host (asks its Sentinel for
the master before every write, as Harbor's Sentinel client does), freeze the master's redis-server
with SIGSTOP (a hung master; its host keeps running so the database cluster is not disturbed) and
take the time from the freeze to the first acknowledged write on the new master. The old master
is thawed and must come back as a replica before the next run.

    python3 bench/redis_failover.py --runs 5
"""
import time

import lab_docker as lab


def sentinel_master(via):
    return lab.sh(via, "redis-cli -p 26379 --raw SENTINEL get-master-addr-by-name harbor").split()[0]


def settled(via, password):
    master = sentinel_master(via)
    info = lab.sh(via, "REDISCLI_AUTH='%s' redis-cli --no-auth-warning -h %s INFO replication" % (password, master))
    return "role:master" in info and "connected_slaves:%d" % (len(lab.HOSTS) - 1) in info


def one_run(settings):
    password = settings["redis_password"]
    via = lab.HOSTS[0]
    lab.wait(lambda: settled(via, password), 180, "one master with every replica linked")
    master_ip = sentinel_master(via)
    master = next(h for h in lab.HOSTS if lab.address(h) == master_ip)
    observer = next(h for h in lab.HOSTS if h != master)
    result = lab.run_probe(observer, lab.REPO / "bench" / "redis_write_probe.py",
                           ["--password", password, "--seconds", "90", "--settle", "2"], timeout=120)
    time.sleep(2)
    frozen_at = time.time()
    lab.sh(master, "systemctl kill -s SIGSTOP redis-server")
    probe = result()
    lab.sh(master, "systemctl kill -s SIGCONT redis-server")
    if not probe["failed_over"]:
        raise SystemExit("failover run failed: %s" % probe)
    lab.wait(lambda: settled(observer, password), 180, "the old master to rejoin as a replica")
    return {"seconds": round(probe["recovered_epoch"] - frozen_at, 2), "frozen": master,
            "new_master": probe["masters"][-1]}


def main():
    lab.measure("redis_failover: master frozen -> Sentinel client writes again", one_run,
                lambda settings: {"sentinel": {"down_after_ms": settings["redis_sentinel_down_after_ms"]}}, __doc__)


if __name__ == "__main__":
    main()
