"""Event-based replication latency: `docker push` to node A returned -> the same image pullable on B.

Two targets, one measuring loop:

  --target sim (default)  starts two harbor-sims on loopback (each with its own Debian
      `docker-registry`) and creates on A a `harbor` endpoint pointing at B and an `event_based`
      policy for library/bench. Images are built and pushed by the machine's Docker engine.
  --target lab            the running `make lab` (lab/inventory): --source harbor1 pushes, --peer
      harbor2 receives through the replication mesh playbooks/site.yml configured (policy
      `ha-harbor2-event`). Images are built and pushed by the Docker engine inside the source
      node's container (`docker exec`; it trusts the lab CA through harbor_certs). Addresses and
      the admin password come from the inventory (`ansible-inventory --host`); B is polled over
      https, verified with the lab CA (--ca, default lab/.state/pki/ca.crt).

Each run builds an image from --size-mib MiB of random bytes (`docker import`, one layer, a new
tag), pushes it to A, then polls B's /v2/library/bench/manifests/<tag> (HEAD, every --interval s).

What is timed: from the moment `docker push` returned on A (the clock is read by `date` in the same
shell, right after the push; containers share the host's kernel clock) to the first HEAD on B that
answers 200, read on the controller. The run then fails unless A and B answer the same manifest
digest (Docker-Content-Digest). The push itself is reported apart (push_median_s).

    .venv/bin/python bench/replication_latency.py --runs 10 --size-mib 10
    .venv/bin/python bench/replication_latency.py --target lab --runs 10 \\
        --json bench/results/replication_latency_lab.json

Prints each run, then a JSON summary (date, machine, load average, median, p90, min, max) on the
last line; --json also writes it, with every run, to a file (bench/results/ is git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "harbor_sim"))

from harbor_sim.testing import SimProcess  # noqa: E402

SIM_ADMIN = ("admin", "Harbor12345")
REPOSITORY = "library/bench"
MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
])


class Node:
    """One end of the measurement: where shell commands run (for A), and its registry API."""

    def __init__(self, url, auth, verify, exec_prefix=(), docker_config=None):
        self.url = url
        self.host = url.split("://", 1)[1]
        self.auth = auth
        self.verify = verify
        self.exec_prefix = list(exec_prefix)
        self.docker_config = docker_config

    def sh(self, script, input_text=None, timeout=600):
        """Run a shell snippet with this node's Docker client (on the machine or in the container)."""
        script = f"export DOCKER_CONFIG={shlex.quote(self.docker_config)}; {script}"
        proc = subprocess.run([*self.exec_prefix, "sh", "-c", script], input=input_text, text=True,
                              capture_output=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"on {self.host}: {script!r} failed: {proc.stderr.strip()}")
        return proc.stdout

    def manifest(self, tag):
        return requests.head(f"{self.url}/v2/{REPOSITORY}/manifests/{tag}", auth=self.auth,
                             verify=self.verify, timeout=10, headers={"Accept": MANIFEST_TYPES})


def setup_sim_policy(a, b):
    api = a.url + "/api/v2.0"
    resp = requests.post(api + "/registries", auth=SIM_ADMIN, timeout=30, json={
        "name": "bench-b", "type": "harbor", "url": b.url, "insecure": True,
        "credential": {"type": "basic", "access_key": SIM_ADMIN[0], "access_secret": SIM_ADMIN[1]}})
    resp.raise_for_status()
    reg_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    resp = requests.post(api + "/replication/policies", auth=SIM_ADMIN, timeout=30, json={
        "name": "bench", "src_registry": {"id": 0}, "dest_registry": {"id": reg_id},
        "trigger": {"type": "event_based"}, "enabled": True, "override": True,
        "filters": [{"type": "name", "value": REPOSITORY}]})
    resp.raise_for_status()


@contextlib.contextmanager
def sim_nodes(args):
    """Two fresh harbor-sims on loopback, A replicating to B; the machine's Docker pushes."""
    with tempfile.TemporaryDirectory(prefix="simdata-bench-") as tmp:
        docker_config = os.path.join(tmp, "docker")
        os.makedirs(docker_config)
        with SimProcess(os.path.join(tmp, "a")) as a, SimProcess(os.path.join(tmp, "b")) as b:
            setup_sim_policy(a, b)
            yield (Node(a.url, SIM_ADMIN, True, docker_config=docker_config),
                   Node(b.url, SIM_ADMIN, True))


def inventory_host(inventory, name):
    tool = shutil.which("ansible-inventory", path=os.path.dirname(sys.executable)) or "ansible-inventory"
    proc = subprocess.run([tool, "-i", inventory, "--host", name], capture_output=True, text=True,
                          timeout=120, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"ansible-inventory -i {inventory} --host {name} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


@contextlib.contextmanager
def lab_nodes(args):
    """The running `make lab`: A's container pushes with its own Docker engine, B is polled here."""
    if not os.path.isfile(args.ca):
        raise SystemExit(f"--ca {args.ca}: no such file (is `make lab` up?)")
    nodes = []
    for name in (args.source, args.peer):
        hostvars = inventory_host(args.inventory, name)
        auth = ("admin", hostvars["harbor_admin_password"])
        nodes.append(Node(f"https://{hostvars['harborops_address']}", auth, args.ca,
                          exec_prefix=["docker", "exec", "-i", hostvars["ansible_host"]],
                          docker_config="/tmp/harborops-bench-docker"))
    try:
        yield tuple(nodes)
    finally:
        nodes[0].sh("rm -rf \"$DOCKER_CONFIG\"")


def one_run(a, b, run, args):
    tag = f"r{run}-{uuid.uuid4().hex[:8]}"
    ref = f"{a.host}/{REPOSITORY}:{tag}"
    a.sh(f"d=$(mktemp -d) && head -c {int(args.size_mib * 1024 * 1024)} /dev/urandom > \"$d/payload.bin\""
         f" && tar -C \"$d\" -c payload.bin | docker import - {ref} >/dev/null; s=$?; rm -rf \"$d\"; exit $s")
    try:
        started, pushed = (float(x) for x in a.sh(f"date +%s.%N; docker push {ref} >/dev/null && date +%s.%N").split())
        while True:
            answer = b.manifest(tag)
            if answer.status_code == 200:
                break
            if time.time() - pushed > args.timeout:
                raise SystemExit(f"run {run}: {tag} not on {b.host} after {args.timeout} s")
            time.sleep(args.interval)
        pullable = time.time()
    finally:
        a.sh(f"docker rmi {ref} >/dev/null")
    source = a.manifest(tag)
    digests = (source.headers.get("Docker-Content-Digest"), answer.headers.get("Docker-Content-Digest"))
    if source.status_code != 200 or not digests[0] or digests[0] != digests[1]:
        raise SystemExit(f"run {run}: {tag}: {a.host} answers {source.status_code} {digests[0]}, "
                         f"{b.host} answers {digests[1]}")
    return {"tag": tag, "digest": digests[0], "push_s": round(pushed - started, 3),
            "latency_s": round(pullable - pushed, 3)}


def percentile(values, pct):
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100.0
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def machine():
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.freedesktop_os_release().get('PRETTY_NAME', '?')}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", choices=["sim", "lab"], default="sim")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--size-mib", type=float, default=10)
    parser.add_argument("--timeout", type=float, default=120, help="seconds a run may wait for B")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between polls of B")
    parser.add_argument("--inventory", default=os.path.join(REPO, "lab", "inventory"), help="lab: the inventory")
    parser.add_argument("--source", default="harbor1", help="lab: inventory name of the node pushed to")
    parser.add_argument("--peer", default="harbor2", help="lab: inventory name of the node polled")
    parser.add_argument("--ca", default=os.path.join(REPO, "lab", ".state", "pki", "ca.crt"),
                        help="lab: CA that verifies the nodes' certificates")
    parser.add_argument("--json", help="also write the summary and every run to this file")
    args = parser.parse_args()

    runs, load_before = [], os.getloadavg()
    with (lab_nodes if args.target == "lab" else sim_nodes)(args) as (a, b):
        a.sh(f"docker login -u {shlex.quote(a.auth[0])} --password-stdin {a.host} >/dev/null",
             input_text=a.auth[1])
        for run in range(1, args.runs + 1):
            runs.append(one_run(a, b, run, args))
            print(f"run {run}: push {runs[-1]['push_s']:.2f} s, replication latency {runs[-1]['latency_s']:.3f} s",
                  flush=True)
    latencies = [r["latency_s"] for r in runs]
    result = {
        "benchmark": "replication_latency", "target": args.target, "source": a.host, "peer": b.host,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "runs": len(runs), "size_mib": args.size_mib,
        "latency_median_s": round(statistics.median(latencies), 3),
        "latency_p90_s": round(percentile(latencies, 90), 3),
        "latency_min_s": min(latencies), "latency_max_s": max(latencies),
        "push_median_s": round(statistics.median(r["push_s"] for r in runs), 3),
    }
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({**result, "samples": runs}, fh, indent=2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
