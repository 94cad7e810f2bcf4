"""Helpers the failover benchmarks share: run commands in the lab's containers with `docker`."""
import json
import pathlib
import statistics
import subprocess
import time

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
LAB_VARS = REPO / "molecule" / "shared_storage" / "group_vars" / "all.yml"
HOSTS = ["ss-db1", "ss-db2", "ss-db3"]


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
    docker("start", host)
    docker("exec", host, "systemctl", "is-system-running", "--wait", check=False, timeout=300)


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


def report(name, samples, extra):
    values = [s["seconds"] for s in samples]
    summary = {
        "benchmark": name,
        "runs": len(values),
        "median_seconds": round(statistics.median(values), 2),
        "min_seconds": round(min(values), 2),
        "max_seconds": round(max(values), 2),
        "samples": samples,
        **extra,
    }
    print(json.dumps(summary, indent=2))
    return summary
