"""Check mode on the converged pair changes nothing: the API steps (identity, replication) find
Harbor answering, ask it, and report changed=0. (The `check` step of the sequence runs the whole
converge in check mode on the fresh hosts, where these steps only report what they would do.)"""

import os
import re
import subprocess

testinfra_hosts = ["dm-front"]

PROJECT = os.environ.get("MOLECULE_PROJECT_DIRECTORY", os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def test_api_steps_in_check_mode_report_no_change_on_the_converged_pair():
    env = dict(os.environ)
    env.setdefault("ANSIBLE_CONFIG", os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.cfg"))
    # Molecule may force colours for its own output; the recap is parsed below.
    env.pop("ANSIBLE_FORCE_COLOR", None)
    env["ANSIBLE_NOCOLOR"] = "1"
    playbooks = [os.path.join(PROJECT, "playbooks", name) for name in ("identity.yml", "replication.yml")]
    res = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "--check", "--diff", *playbooks],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )
    out = re.sub(r"\x1b\[[0-9;]*m", "", res.stdout + res.stderr)
    assert res.returncode == 0, out
    # The probe found Harbor: nothing was skipped as "not installed yet".
    assert "does not answer yet" not in out, out
    # One PLAY RECAP per playbook given: each names both nodes.
    recap = re.findall(r"(dm-harbor\d)\s*:\s*ok=(\d+)\s+changed=(\d+)", out)
    assert out.count("PLAY RECAP") == len(playbooks), out
    assert sorted(name for name, ok, changed in recap) == sorted(["dm-harbor1", "dm-harbor2"] * len(playbooks)), out
    assert all(int(ok) > 0 and changed == "0" for name, ok, changed in recap), out
    assert "Dm-Replicator-Secret9" not in out and "Dm-Dev-passw0rd" not in out
