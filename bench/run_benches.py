"""`make bench`: run the benches that apply to the lab that is up, write their JSON and one PNG.

Which lab is up is read from Docker (never started here):
  - `make lab` (containers harborops-lab-harbor1/2): VIP failover (bench/vip_failover.py) and
    event-based replication latency (bench/replication_latency.py --target lab) when the lab is
    dual_master (lab/.state/topology; shared storage has no replication between the nodes);
  - with --molecule-failover (make bench BENCH_MOLECULE_FAILOVER=1) and the molecule shared_storage
    lab up (containers ss-db1..3, after `molecule converge -s shared_storage`): database and Redis
    failover (bench/db_failover.py, bench/redis_failover.py). They kill and freeze DB hosts, so they
    never run just because those containers exist (they may be someone's molecule run).
A bench whose lab is not up is listed as skipped, with the reason, in summary.json.

Each bench writes <results>/<name>.json; summary.json lists what ran; bench.png draws every
sample of each bench (one panel per bench: the samples, median, p90, p99 and max).

    .venv/bin/python bench/run_benches.py [--results bench/results] [--vip-runs 50] [--only vip_failover]
"""
import argparse
import datetime
import json
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
LAB_NODES = ["harborops-lab-harbor1", "harborops-lab-harbor2"]
SS_DB = ["ss-db1", "ss-db2", "ss-db3"]


def running(container):
    out = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", container],
                         capture_output=True, text=True, check=False).stdout.strip()
    return out == "true"


def lab_topology():
    state = REPO / "lab" / ".state" / "topology"
    return state.read_text(encoding="utf-8").strip() if state.exists() else "dual_master"


def plan(args):
    """[(name, argv or None, reason)]: the benches, each with its command or why it is skipped."""
    py = sys.executable
    out = args.results
    lab_up = all(running(c) for c in LAB_NODES)
    topology = lab_topology() if lab_up else None
    # DB/Redis failover kill a database host of the molecule shared_storage scenario: never because
    # its containers happen to be up (a molecule run of someone else), only when asked for.
    ss_up = all(running(c) for c in SS_DB)
    ss_reason = ("the molecule shared_storage lab (ss-db1..3) is not up" if not ss_up else
                 "ss-db1..3 are up but may be a molecule run in progress: it kills DB hosts, so only with --molecule-failover")
    ss_up = ss_up and args.molecule_failover
    benches = [
        ("vip_failover",
         [py, str(HERE / "vip_failover.py"), "--runs", str(args.vip_runs), "--json", str(out / "vip_failover.json")]
         if lab_up else None, "make lab is not up (harborops-lab-harbor1/2)"),
        ("replication_latency",
         [py, str(HERE / "replication_latency.py"), "--target", "lab", "--runs", str(args.replication_runs),
          "--json", str(out / "replication_latency.json")]
         if lab_up and topology == "dual_master" else None,
         "make lab is not up" if not lab_up else f"the lab is {topology}: no replication between the nodes"),
        ("db_failover",
         [py, str(HERE / "db_failover.py"), "--runs", str(args.failover_runs), "--json", str(out / "db_failover.json")]
         if ss_up else None, ss_reason),
        ("redis_failover",
         [py, str(HERE / "redis_failover.py"), "--runs", str(args.failover_runs),
          "--json", str(out / "redis_failover.json")]
         if ss_up else None, ss_reason),
    ]
    return [b for b in benches if not args.only or b[0] in args.only]


# name -> (title, key of the samples list, key of the seconds in a sample)
SAMPLES = {
    "vip_failover": ("VIP failover: nginx killed on the holder -> VIP on the peer", "runs", "seconds"),
    "replication_latency": ("Replication: push on harbor1 -> pullable on harbor2", "samples", "latency_s"),
    "db_failover": ("PostgreSQL leader killed -> endpoint writable", "samples", "seconds"),
    "redis_failover": ("Redis master frozen -> Sentinel client writes", "samples", "seconds"),
}


def percentile(values, pct):
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def plot(results, png):
    import matplotlib  # noqa: PLC0415 (only `make bench` installs it)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, axes = plt.subplots(len(results), 1, figsize=(10, 2.4 * len(results)), squeeze=False)
    for ax, (name, data) in zip(axes[:, 0], results.items()):
        title, key, field = SAMPLES[name]
        values = [s[field] for s in data[key]]
        ordered = sorted(values)
        # every sample as a dot (jittered by rank), with median, p90, p99 and max marked
        ax.scatter(ordered, [0.5 + 0.3 * (i % 5) / 4 for i in range(len(ordered))], s=18, alpha=0.7, color="tab:blue")
        marks = {"median": percentile(values, 50), "p90": percentile(values, 90),
                 "p99": percentile(values, 99), "max": max(values)}
        for (label, x), color in zip(marks.items(), ["tab:green", "tab:orange", "tab:red", "black"]):
            ax.axvline(x, color=color, linestyle="--", linewidth=1, label=f"{label} {x:.2f} s")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        load = data.get("load_average_before") or data.get("load_average")
        ax.set_title(f"{title}\nN={len(values)}, {data.get('date', '')}, load {load}", fontsize=9)
        ax.set_yticks([])
        ax.set_xlim(left=0)
        ax.set_xlabel("seconds")
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", type=pathlib.Path, default=HERE / "results")
    p.add_argument("--vip-runs", type=int, default=50)
    p.add_argument("--replication-runs", type=int, default=10)
    p.add_argument("--failover-runs", type=int, default=5)
    p.add_argument("--molecule-failover", action="store_true",
                   help="also run db_failover and redis_failover against the molecule shared_storage lab (kills its DB hosts)")
    p.add_argument("--only", nargs="*", choices=list(SAMPLES), help="run only these benches")
    p.add_argument("--plot-only", action="store_true", help="redraw bench.png from the JSON in --results")
    args = p.parse_args()
    args.results.mkdir(parents=True, exist_ok=True)

    summary = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "ran": [], "skipped": {}}
    if not args.plot_only:
        for name, argv, reason in plan(args):
            if argv is None:
                print(f"bench: {name} skipped: {reason}", flush=True)
                summary["skipped"][name] = reason
                continue
            print(f"bench: {name}: {' '.join(os.path.relpath(a, REPO) if a.startswith(str(REPO)) else a for a in argv)}"
                  f" (load {' '.join(f'{x:.2f}' for x in os.getloadavg())})", flush=True)
            subprocess.run(argv, check=True, cwd=REPO)
            summary["ran"].append(name)
        if not summary["ran"]:
            raise SystemExit("bench: no bench applies to what is up: run `make lab` first")
        (args.results / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    results = {}
    for name in SAMPLES:
        f = args.results / f"{name}.json"
        if f.exists():
            results[name] = json.loads(f.read_text(encoding="utf-8"))
    if not results:
        raise SystemExit("bench: no results to plot")
    plot(results, args.results / "bench.png")
    print(f"bench: wrote {os.path.relpath(args.results / 'bench.png', REPO)} ({', '.join(results)})")


if __name__ == "__main__":
    main()
