"""Helpers the failover benchmarks share: run commands in the lab's containers with `docker`."""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "lab"))
import lab_hosts  # noqa: E402  (the project's one lab launcher)
LAB_VARS = REPO / "molecule" / "shared_storage" / "group_vars" / "all.yml"
HOSTS = ["ss-db1", "ss-db2", "ss-db3"]
HARBOR_NODES = ["ss-harbor1", "ss-harbor2"]


def lab_vars():
    return yaml.safe_load(LAB_VARS.read_text(encoding="utf-8"))


def docker(*args, check=True, timeout=120):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout)


def sh(host, script, check=True, timeout=120):
    return docker("exec", host, "sh", "-c", script, check=check, timeout=timeout).stdout


def running(host):
    out = docker("inspect", "-f", "{{.State.Running}}", host, check=False).stdout.strip()
    return out == "true"


def address(host):
    return docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", host).stdout.strip()


def wait(predicate, timeout, what, interval=1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (subprocess.SubprocessError, ValueError, KeyError, IndexError):
            pass
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout}s waiting for {what}")


def start_and_boot(host):
    """Start a host the bench killed, as the lab launcher starts it, and wait for its boot."""
    lab_hosts.start(host, timeout=300)


def run_probe(host, local_script, argv, timeout):
    """Copy a probe into `host`, start it detached, return a function that waits for its JSON."""
    docker("cp", str(local_script), f"{host}:/usr/local/bin/{local_script.name}")
    sh(host, "rm -f /tmp/probe.ready /tmp/probe.out")
    quoted = " ".join("'%s'" % a.replace("'", "'\\''") for a in argv)
    docker("exec", "-d", host, "sh", "-c",
           f"python3 /usr/local/bin/{local_script.name} {quoted} --ready-file /tmp/probe.ready > /tmp/probe.tmp"
           " && mv /tmp/probe.tmp /tmp/probe.out")
    wait(lambda: sh(host, "test -e /tmp/probe.ready && echo y", check=False).strip() == "y", 60, "the probe's first write")

    def result():
        wait(lambda: sh(host, "test -s /tmp/probe.out && echo y", check=False).strip() == "y", timeout, "the probe's result")
        return json.loads(sh(host, "cat /tmp/probe.out"))
    return result


def measure(name, one_run, extra, description, faults=None):
    """The benchmarks' command line: --runs N times one_run(settings), then the JSON report.

    faults: the choices of --fault (the first is the default), passed in settings["fault"].
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="also write the report to this file")
    if faults:
        parser.add_argument("--fault", choices=faults, default=faults[0])
    args = parser.parse_args()
    settings = {**lab_vars(), "fault": getattr(args, "fault", None)}
    started, load_before = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), os.getloadavg()
    samples = []
    for number in range(1, args.runs + 1):
        samples.append(one_run(settings))
        print("run %d: %s" % (number, samples[-1]), flush=True)
    summary = report(name, samples, {"date": started, "cpus": os.cpu_count(),
                                     "load_average_before": [round(x, 2) for x in load_before],
                                     "load_average_after": [round(x, 2) for x in os.getloadavg()],
                                     **extra(settings)})
    if args.json:
        pathlib.Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        pathlib.Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def report(name, samples, extra):
    summary = {"benchmark": name, "runs": len(samples)}
    # every numeric field ending in "seconds" gets its median, min and max
    for key in [k for k in samples[0] if k.endswith("seconds")]:
        values = [s[key] for s in samples]
        summary.update({"median_" + key: round(statistics.median(values), 2),
                        "min_" + key: round(min(values), 2), "max_" + key: round(max(values), 2)})
    summary.update({"samples": samples, **extra})
    print(json.dumps(summary, indent=2))
    return summary
