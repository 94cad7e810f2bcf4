"""Event-based replication latency of harbor-sim: docker push to sim A -> pullable on sim B.

Starts two sims (A with an event_based policy to a `harbor` endpoint pointing at B), then N
times: build a ~SIZE MiB image from random bytes (`docker import`), `docker push` it to A,
and poll B's /v2/ manifest until it answers 200. Latency = push returned -> manifest on B.
Prints each run, the median and p90, as JSON on the last line.

    .venv/bin/python bench/replication_latency.py --runs 10 --size-mib 10
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "harbor_sim"))

from harbor_sim.testing import SimProcess  # noqa: E402

ADMIN = ("admin", "Harbor12345")


def docker(env, *args, input_text=None):
    proc = subprocess.run(["docker", *args], env=env, input=input_text, text=True,
                          capture_output=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"docker {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


def setup_policy(a, b):
    api = a.url + "/api/v2.0"
    resp = requests.post(api + "/registries", auth=ADMIN, timeout=30, json={
        "name": "bench-b", "type": "harbor", "url": b.url, "insecure": True,
        "credential": {"type": "basic", "access_key": ADMIN[0], "access_secret": ADMIN[1]}})
    resp.raise_for_status()
    reg_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    resp = requests.post(api + "/replication/policies", auth=ADMIN, timeout=30, json={
        "name": "bench", "src_registry": {"id": 0}, "dest_registry": {"id": reg_id},
        "trigger": {"type": "event_based"}, "enabled": True, "override": True,
        "filters": [{"type": "name", "value": "library/bench"}]})
    resp.raise_for_status()


def percentile(values, pct):
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100.0
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--size-mib", type=float, default=10)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="simdata-bench-") as tmp:
        env = dict(os.environ, DOCKER_CONFIG=os.path.join(tmp, "docker"))
        os.makedirs(env["DOCKER_CONFIG"])
        created = []
        with SimProcess(os.path.join(tmp, "a")) as a, SimProcess(os.path.join(tmp, "b")) as b:
            setup_policy(a, b)
            a_host = a.url.split("://")[1]
            docker(env, "login", "-u", ADMIN[0], "--password-stdin", a_host, input_text=ADMIN[1])
            latencies, pushes = [], []
            try:
                for run in range(args.runs):
                    tag = f"r{run}-{uuid.uuid4().hex[:6]}"
                    layer = os.path.join(tmp, f"{tag}.tar")
                    payload = os.path.join(tmp, "payload.bin")
                    with open(payload, "wb") as fh:
                        fh.write(os.urandom(int(args.size_mib * 1024 * 1024)))
                    subprocess.run(["tar", "-C", tmp, "-cf", layer, "payload.bin"], check=True)
                    ref = f"{a_host}/library/bench:{tag}"
                    docker(env, "import", layer, ref)
                    created.append(ref)
                    os.unlink(layer)
                    t0 = time.monotonic()
                    docker(env, "push", ref)
                    t1 = time.monotonic()
                    url = f"{b.url}/v2/library/bench/manifests/{tag}"
                    headers = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}
                    while True:
                        r = requests.head(url, auth=ADMIN, headers=headers, timeout=10)
                        if r.status_code == 200:
                            break
                        if time.monotonic() - t1 > args.timeout:
                            raise SystemExit(f"run {run}: not on B after {args.timeout}s")
                        time.sleep(0.02)
                    t2 = time.monotonic()
                    latencies.append(t2 - t1)
                    pushes.append(t1 - t0)
                    print(f"run {run}: push {t1 - t0:.2f}s, replication latency {t2 - t1:.2f}s",
                          flush=True)
            finally:
                for ref in created:
                    subprocess.run(["docker", "rmi", "-f", ref], env=env, capture_output=True, check=False)
        result = {"runs": len(latencies), "size_mib": args.size_mib,
                  "latency_median_s": round(statistics.median(latencies), 3),
                  "latency_p90_s": round(percentile(latencies, 90), 3),
                  "push_median_s": round(statistics.median(pushes), 3)}
        print(json.dumps(result))


if __name__ == "__main__":
    main()
