"""What ../tasks/vip-client-stop.yml kept of the VIP client (ping every 0.2 s, docker pull after
docker pull through the VIP name, TLS verified) during a Day-2 step; shared by the scenarios'
verify tests (each scenario's tests/conftest.py puts this directory on sys.path)."""

import json
import os


def assert_client_through_the_vip_lost_no_pull(step, figures_file):
    """The step restarted Harbor on every node (so the VIP moved at least once): no failed pull, at
    most one failed ping per VIP move."""
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], figures_file), encoding="utf-8") as fh:
        fig = json.load(fh)
    counts = {key: int(fig[key]) for key in ("pings", "failed_pings", "pulls", "failed_pulls", "vip_moves")}
    print(f"{step} through the VIP: {counts}, {fig['seconds']} s")
    assert counts["vip_moves"] >= 1, counts
    assert counts["pulls"] >= 10 and counts["pings"] >= 50, counts
    failures = "\n".join(line for line in fig["log"].splitlines() if " fail" in line)
    assert counts["failed_pulls"] == 0, failures
    assert counts["failed_pings"] <= counts["vip_moves"], failures
