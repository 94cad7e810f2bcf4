"""Measure keepalived VIP failover after Harbor on the VIP holder stops answering.

Runs against the lab of `make lab` by default (containers harborops-lab-harbor1/2, VIP
172.30.0.100; the molecule dual_master scenario: --nodes dm-harbor1 dm-harbor2 --vip 172.30.2.100):
real keepalived in container mode in each node's own Docker engine. Each run finds the VIP holder,
kills Harbor's `nginx` container there (`docker kill` is a manual stop, so its restart policy does
not bring it back), so keepalived's track script (`check_harbor.sh`: the LOCAL Harbor's
/api/v2.0/ping over verified TLS) fails, and times how long until the VIP is up on the other node
(watched from inside that node every 20 ms). nginx is then started again.

A run starts only from a healthy pair: one node holds the VIP and keepalived on the other one is in
BACKUP (its own log says so), i.e. its track script has risen again after the previous run. A
fixed pause after the restore (--legacy-settle, the old behaviour) is not enough: keepalived needs
`rise` consecutive passes of its own script, and a loaded machine can fail one of them, so the
standby can still be in FAULT when the next fault starts; then no node can take the VIP and the
run measures a double fault (the standby's recovery + keepalived's master-down timer), not a
failover. The wait for the standby and the standby's state when the fault started are recorded per
run (standby_wait_s, standby_state).

Times are taken inside the containers (one kernel clock): from the moment the stop command is
issued on the holder to the moment the VIP appears on the new holder (stop_command_s: how long the
stop command took to return; under load `docker kill` returns after the VIP has already moved).
A run slower than --slow seconds carries both nodes' keepalived log lines around it in the JSON.

    python3 bench/vip_failover.py --runs 50 [--json bench/results/vip_failover.json]
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import time

STATE_RE = re.compile(r"\) Entering (MASTER|BACKUP|FAULT|STOP) STATE")


def sh(node, script, timeout=60):
    """Run a shell snippet inside a lab container; return stdout (raises on failure)."""
    return subprocess.run(
        ["docker", "exec", node, "sh", "-c", script],
        check=True, capture_output=True, text=True, timeout=timeout,
    ).stdout.strip()


def holders(nodes, vip, dev):
    return [n for n in nodes if f" {vip}/" in sh(n, f"ip -4 -o addr show dev {dev}")]


def keepalived_log(node, container, since=None, tail=None):
    opts = (f" --since {since:.3f}" if since else "") + (f" --tail {tail}" if tail else "")
    return sh(node, f"docker logs{opts} {container} 2>&1")


def keepalived_state(node, container):
    """keepalived's VRRP state on a node: the last 'Entering X STATE' line of its log."""
    found = STATE_RE.findall(keepalived_log(node, container, tail=400))
    return found[-1] if found else "UNKNOWN"


def wait_healthy(node, check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if subprocess.run(["docker", "exec", node, "sh", "-c", check], capture_output=True, check=False).returncode == 0:
            return True
        time.sleep(0.2)
    return False


def wait_ready(args):
    """Wait for a healthy pair: one VIP holder in MASTER, every other node in BACKUP.

    Returns (holder, the other nodes' states when the wait started, seconds waited)."""
    start = time.time()
    first = None
    while True:
        held = holders(args.nodes, args.vip, args.dev)
        states = {n: keepalived_state(n, args.container) for n in args.nodes}
        if first is None:
            first = states
        if len(held) == 1 and states[held[0]] == "MASTER" and all(
                s == "BACKUP" for n, s in states.items() if n != held[0]):
            return held[0], first, round(time.time() - start, 3)
        if time.time() - start > args.ready_timeout:
            raise RuntimeError(f"no healthy pair within {args.ready_timeout} s: holders {held}, states {states}")
        time.sleep(0.2)


def one_run(args):
    if args.legacy_settle is None:
        old, first_states, waited = wait_ready(args)
    else:
        held = holders(args.nodes, args.vip, args.dev)
        if len(held) != 1:
            raise RuntimeError(f"expected exactly one VIP holder, found {held}")
        old, waited = held[0], 0.0
        first_states = {n: keepalived_state(n, args.container) for n in args.nodes}
    new = next(n for n in args.nodes if n != old)
    watch = (f"while ! ip -4 -o addr show dev {args.dev} | grep -q ' {args.vip}/'; do sleep 0.02; done; "
             "date +%s.%N")
    watcher = subprocess.Popen(["docker", "exec", new, "sh", "-c", watch], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)  # the watcher is polling before the fault starts
    # The clock is read just before the stop command: `docker kill` returns only after Docker has
    # reaped the container and torn down its network, which on a loaded machine comes after
    # keepalived has already moved the VIP (reading it after the return gave negative times).
    t_stop, t_returned = map(float, sh(old, f"t0=$(date +%s.%N); {args.stop} >/dev/null; echo $t0 $(date +%s.%N)")
                             .splitlines()[-1].split())
    try:
        out = watcher.communicate(timeout=args.timeout)[0]
    except subprocess.TimeoutExpired:
        watcher.kill()
        raise RuntimeError(f"VIP did not reach {new} within {args.timeout} s") from None
    t_vip = float(out.strip().splitlines()[-1])
    run = {"from": old, "to": new, "seconds": round(t_vip - t_stop, 3), "stop_command_s": round(t_returned - t_stop, 3),
           "stopped_at": datetime.datetime.fromtimestamp(t_stop, datetime.timezone.utc).isoformat(timespec="milliseconds"),
           "standby_state": first_states[new], "standby_wait_s": waited}
    if run["seconds"] > args.slow:
        run["keepalived_log"] = {n: keepalived_log(n, args.container, since=t_stop - 20).splitlines()
                                 for n in args.nodes}
    # Restore: Harbor back on the old holder. The next run waits for its keepalived to be BACKUP.
    sh(old, args.start)
    if not wait_healthy(old, args.check, 30):
        raise RuntimeError(f"{old}: health check did not recover")
    if args.legacy_settle is not None:
        time.sleep(args.legacy_settle)
    return run


def percentile(values, pct):
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def keepalived_settings(node, config):
    """advert_int, nopreempt and the track script's interval/fall/rise/timeout from the live config."""
    text = sh(node, f"cat {config}")
    found = {k: int(v) for k, v in re.findall(r"^\s*(advert_int|interval|fall|rise|timeout)\s+(\d+)", text, re.M)}
    found["nopreempt"] = bool(re.search(r"^\s*nopreempt\s*$", text, re.M))
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--nodes", nargs=2, default=["harborops-lab-harbor1", "harborops-lab-harbor2"])
    p.add_argument("--vip", default="172.30.0.100")
    p.add_argument("--dev", default="eth0")
    p.add_argument("--container", default="keepalived", help="keepalived's container in each node's Docker")
    p.add_argument("--config", default="/etc/keepalived/keepalived.conf", help="keepalived.conf on the node")
    p.add_argument("--stop", default="docker kill nginx",
                   help="shell command (run in the holder) that makes Harbor stop answering there")
    p.add_argument("--start", default="docker start nginx",
                   help="shell command (run in the old holder) that brings Harbor back")
    p.add_argument("--check", default="docker exec keepalived /etc/keepalived/check_harbor.sh",
                   help="command (run in the old holder) that succeeds once keepalived's track script passes again")
    p.add_argument("--legacy-settle", type=float, metavar="SECONDS",
                   help="old behaviour: after the restore, sleep SECONDS instead of waiting for the standby's BACKUP")
    p.add_argument("--ready-timeout", type=float, default=60.0, help="seconds to wait for a healthy pair before a run")
    p.add_argument("--slow", type=float, default=3.0, help="runs slower than this keep their keepalived log lines")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--json", help="also write the result to this file")
    args = p.parse_args()

    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.timezone.utc)
    runs = []
    for i in range(args.runs):
        r = one_run(args)
        runs.append(r)
        print(f"run {i + 1}: {r['from']} -> {r['to']} in {r['seconds']:.3f} s"
              f" (standby {r['standby_state']}, waited {r['standby_wait_s']:.1f} s, {r['stopped_at']})", flush=True)
    if args.legacy_settle is None:
        wait_ready(args)  # leave the lab as found: one MASTER, one BACKUP
    secs = [r["seconds"] for r in runs]
    result = {
        "benchmark": "vip_failover",
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "nodes": args.nodes, "vip": args.vip, "fault": args.stop,
        "settle": f"legacy sleep {args.legacy_settle} s" if args.legacy_settle is not None else "standby in BACKUP",
        "keepalived": keepalived_settings(args.nodes[0], args.config),
        "n": len(secs),
        "median_s": round(statistics.median(secs), 3),
        "p90_s": round(percentile(secs, 90), 3),
        "p99_s": round(percentile(secs, 99), 3),
        "min_s": min(secs),
        "max_s": max(secs),
        "runs": runs,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
