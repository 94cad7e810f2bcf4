"""Database failover time in the shared_storage lab: leader host killed -> endpoint writable again.

Needs the lab up: `molecule converge -s shared_storage` (containers ss-db1..3). Each run: find the
Patroni leader, start bench/pg_write_probe.py on another host writing through that host's HAProxy
endpoint (port 5000, Harbor's user and database), `docker kill` the leader's container (a crash,
no clean shutdown), and take the time from the kill to the first acknowledged write afterwards.
The probe also checks that no acknowledged write was lost. The killed host is started again and
must rejoin as a standby before the next run.

    python3 bench/db_failover.py --runs 5
"""
import argparse
import json
import time

import lab_docker as lab


def cluster(via):
    return json.loads(lab.sh(via, "curl -sf http://%s:8008/cluster" % lab.address(via)))


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
    dsn = "host=127.0.0.1 port=5000 dbname=registry user=harbor password=%s" % settings["postgresql_harbor_password"]
    result = lab.run_probe(observer, lab.REPO / "bench" / "pg_write_probe.py",
                           ["--dsn", dsn, "--seconds", "150", "--settle", "3"], timeout=200)
    time.sleep(2)
    killed_at = time.time()
    lab.docker("kill", leader)
    probe = result()
    if not probe["failed_over"] or probe["missing"] != []:
        raise SystemExit("failover run failed: %s" % probe)
    lab.start_and_boot(leader)
    lab.wait(lambda: healthy(observer), 240, "the killed leader to rejoin")
    return {
        "seconds": round(probe["recovered_epoch"] - killed_at, 2),
        "killed": leader,
        "acknowledged_writes": probe["acknowledged"],
        "lost_writes": len(probe["missing"]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings = lab.lab_vars()
    samples = []
    for i in range(args.runs):
        samples.append(one_run(settings))
        print("run %d: %s" % (i + 1, samples[-1]), flush=True)
    lab.report("db_failover: leader killed -> endpoint writable", samples, {
        "patroni": {k: settings[k] for k in ("postgresql_patroni_ttl", "postgresql_patroni_loop_wait",
                                             "postgresql_patroni_retry_timeout", "postgresql_synchronous_mode")},
    })


if __name__ == "__main__":
    main()
