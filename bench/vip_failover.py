"""Measure keepalived VIP failover after Harbor on the VIP holder stops answering.

Runs against the dual_master molecule scenario's containers (after `molecule converge -s
dual_master`: real Harbor from the offline bundle on each node, keepalived in container mode):
each run finds the VIP holder, kills Harbor's `nginx` container there (inside the node's own
Docker engine; `docker kill` is a manual stop, so its restart policy does not bring it back), so
keepalived's track script (`check_harbor.sh`: the LOCAL Harbor's /api/v2.0/ping over verified
TLS) fails, and times how long until the VIP is up on the other node (watched from inside that
node every 20 ms). nginx is then started again and the track script must pass before the next run
(nopreempt: the VIP stays where it went).

Times are taken inside the containers (one kernel clock): from the moment the stop command
returned (Harbor no longer answers on the holder) to the moment the VIP appears on the new holder.
The commands run inside the node (`docker exec <node> sh -c ...`); --stop/--start/--check replace
them for another way to fail Harbor.

    python3 bench/vip_failover.py --runs 10 [--json bench/results/vip_failover.json]
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time


def sh(node, script, timeout=60):
    """Run a shell snippet inside a lab container; return stdout (raises on failure)."""
    return subprocess.run(
        ["docker", "exec", node, "sh", "-c", script],
        check=True, capture_output=True, text=True, timeout=timeout,
    ).stdout.strip()


def holders(nodes, vip, dev):
    return [n for n in nodes if f" {vip}/" in sh(n, f"ip -4 -o addr show dev {dev}")]


def wait_healthy(node, check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if subprocess.run(["docker", "exec", node, "sh", "-c", check], capture_output=True, check=False).returncode == 0:
            return True
        time.sleep(0.2)
    return False


def one_run(args):
    held = holders(args.nodes, args.vip, args.dev)
    if len(held) != 1:
        raise RuntimeError(f"expected exactly one VIP holder, found {held}")
    old = held[0]
    new = next(n for n in args.nodes if n != old)
    watch = (f"while ! ip -4 -o addr show dev {args.dev} | grep -q ' {args.vip}/'; do sleep 0.02; done; "
             "date +%s.%N")
    watcher = subprocess.Popen(["docker", "exec", new, "sh", "-c", watch], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)  # the watcher is polling before the fault starts
    t_stop = float(sh(old, f"{args.stop}; date +%s.%N").splitlines()[-1])
    try:
        out = watcher.communicate(timeout=args.timeout)[0]
    except subprocess.TimeoutExpired:
        watcher.kill()
        raise RuntimeError(f"VIP did not reach {new} within {args.timeout} s") from None
    t_vip = float(out.strip().splitlines()[-1])
    # Restore: Harbor back on the old holder, keepalived sees it (rise x interval) before the next run.
    sh(old, args.start)
    if not wait_healthy(old, args.check, 30):
        raise RuntimeError(f"{old}: health check did not recover")
    time.sleep(args.settle)
    return {"from": old, "to": new, "seconds": round(t_vip - t_stop, 3)}


def percentile(values, pct):
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--nodes", nargs=2, default=["dm-harbor1", "dm-harbor2"])
    p.add_argument("--vip", default="172.30.2.100")
    p.add_argument("--dev", default="eth0")
    p.add_argument("--stop", default="docker kill nginx",
                   help="shell command (run in the holder) that makes Harbor stop answering there")
    p.add_argument("--start", default="docker start nginx",
                   help="shell command (run in the old holder) that brings Harbor back")
    p.add_argument("--check", default="docker exec keepalived /etc/keepalived/check_harbor.sh",
                   help="command (run in the old holder) that succeeds once keepalived's track script passes again")
    p.add_argument("--settle", type=float, default=3.0, help="seconds for keepalived's rise after recovery")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--json", help="also write the result to this file")
    args = p.parse_args()

    runs = []
    for i in range(args.runs):
        r = one_run(args)
        runs.append(r)
        print(f"run {i + 1}: {r['from']} -> {r['to']} in {r['seconds']:.3f} s", flush=True)
    secs = [r["seconds"] for r in runs]
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "runs": runs,
        "median_s": round(statistics.median(secs), 3),
        "p90_s": round(percentile(secs, 90), 3),
        "min_s": min(secs),
        "max_s": max(secs),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
