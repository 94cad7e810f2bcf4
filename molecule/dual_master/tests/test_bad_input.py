"""Bad keepalived input fails early with a message naming the variable, changing nothing."""

import os
import re
import subprocess

import pytest

testinfra_hosts = ["dm-front"]

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = {
    "vip-outside-subnet": (["-e", "keepalived_vip=10.9.9.9"], "keepalived_vip '10.9.9.9' must be an IPv4 address inside the subnet"),
    "missing-auth-password": (["-e", "keepalived_auth_password="], "keepalived_auth_password is missing or unusable"),
    "equal-priority-without-nopreempt": (
        ["-e", '{"keepalived_nopreempt": false, "keepalived_priority": 100}'],
        "is shared with a peer",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_before_any_change(case):
    extra, message = CASES[case]
    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.cfg"))
    # Molecule may force colours for its own output; the recap is parsed below.
    env.pop("ANSIBLE_FORCE_COLOR", None)
    env["ANSIBLE_NOCOLOR"] = "1"
    res = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], os.path.join(HERE, "bad_input.yml"), *extra],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    out = re.sub(r"\x1b\[[0-9;]*m", "", res.stdout + res.stderr)
    assert res.returncode != 0, out
    assert message in " ".join(out.split()), out
    assert "dmLab8ch" not in out
    recap = re.findall(r"dm-harbor\d\s*:.*changed=(\d+)", out)
    assert recap and all(c == "0" for c in recap), out
