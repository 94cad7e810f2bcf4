"""Bad input fails early, names the variable, changes nothing, never prints a secret."""
import os
import pathlib
import re
import subprocess

import pytest

SCENARIO = pathlib.Path(__file__).resolve().parent.parent

CASES = {
    "etcd_even_members": (["-e", "ss_hosts=harbor_data", "-e", "ss_role=etcd", "-e", "etcd_group=harbor_data"],
                          "needs an odd number"),
    "pg_missing_password": (["-e", "ss_hosts=postgresql", "-e", "ss_role=postgresql",
                             "-e", "postgresql_harbor_password="], "postgresql_harbor_password must be set"),
    "pg_mismatched_password": (["-e", "ss_hosts=postgresql", "-e", "ss_role=postgresql", "-e", "ss_case=pg_mismatch"],
                               "postgresql_superuser_password must be set"),
    "pg_even_etcd": (["-e", "ss_hosts=postgresql", "-e", "ss_role=postgresql", "-e", "postgresql_etcd_group=harbor_data"],
                     "needs an odd number"),
    "redis_missing_password": (["-e", "ss_hosts=redis", "-e", "ss_role=redis", "-e", "redis_password="],
                               "redis_password must be set"),
    "nfs_mount_without_server": (["-e", "ss_hosts=harbor_data", "-e", "ss_role=nfs", "-e", "nfs_mode=mount"],
                                 "mount needs"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_early(case):
    extra, message = CASES[case]
    run = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], str(SCENARIO / "bad_input.yml"),
         "-e", "ss_case=" + case, *extra],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "ANSIBLE_INJECT_FACT_VARS": "false", "ANSIBLE_FORCE_COLOR": "false"},
    )
    out = run.stdout + run.stderr
    assert run.returncode != 0, out
    assert message in re.sub(r"\s+", " ", out), out
    assert re.findall(r"changed=(\d+)", out) and all(c == "0" for c in re.findall(r"changed=(\d+)", out)), out
    for secret in ("lab-postgres-superuser", "first-value", "other-value", "lab-redis"):
        assert secret not in out
