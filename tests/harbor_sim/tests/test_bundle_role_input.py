"""The harbor role refuses bad input early, before anything on a node changes: no bundle,
a missing bundle, a checksum mismatch (path and URL), a file that is no Harbor offline installer or
one of an unsupported Harbor release, Harbor's default passwords, the VIP as hostname. The node is
this machine over a local connection with a temporary install root that must stay absent."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
import subprocess

import pytest
from simcore_support import fake_bundle

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[3]
PLAY = """- name: Harbor role input check
  hosts: node
  gather_facts: false
  roles:
    - role: harborops.ha.harbor
"""


@pytest.fixture()
def env(tmp_path):
    if not shutil.which("ansible-playbook"):
        pytest.fail("ansible-playbook is required (make venv)")
    bundle = fake_bundle(tmp_path / "harbor-offline-installer-v2.12.4.tgz", "v2.12.4", "2.12.0")
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "inventory").write_text("node ansible_connection=local ansible_python_interpreter=python3\n")
    base = {
        "harbor_bundle_path": str(bundle),
        "harbor_bundle_sha256": hashlib.sha256(bundle.read_bytes()).hexdigest(),
        "harbor_install_root": str(tmp_path / "install"),
        "harbor_data_volume": str(tmp_path / "data"),
        "harbor_hostname": "node1.lab",
        "harbor_admin_password": "An-Adm1n-pw",
        "harbor_database_password": "A-db-pw",
        "harbor_bundle_cache_dir": str(tmp_path / "cache"),
    }
    return tmp_path, base


def run(tmp_path, extra):
    (tmp_path / "vars.json").write_text(json.dumps(extra))
    environ = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(REPO / "build" / "collections"),
                   ANSIBLE_FORCE_COLOR="false", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="false")
    res = subprocess.run(["ansible-playbook", "-i", str(tmp_path / "inventory"), str(tmp_path / "play.yml"),
                          "-e", "@" + str(tmp_path / "vars.json")], capture_output=True, text=True,
                         env=environ, timeout=300)
    return res.returncode, res.stdout + res.stderr


@pytest.mark.parametrize("change, message", [
    ({"harbor_bundle_path": ""}, "Set exactly one of harbor_bundle_url and harbor_bundle_path"),
    ({"harbor_bundle_sha256": ""}, "harbor_bundle_sha256 to the bundle's 64-hex-digit sha256"),
    ({"harbor_bundle_path": "/nonexistent/harbor-offline-installer-v9.9.9.tgz"}, "does not exist on the controller"),
    ({"harbor_bundle_sha256": "0" * 64}, "harbor_bundle_sha256 expects 0000"),
    ({"harbor_admin_password": "Harbor12345"}, "must not be Harbor's published"),
    ({"harbor_database_password": "root123"}, "must not be Harbor's published"),
    ({"harbor_external_url": "https://node1.lab"}, "not the VIP/front name"),
    ({"harbor_hostname": "reg.mydomain.com"}, "must be this node's own name"),
    ({"harbor_https_certificate": "/your/certificate/path"}, "not Harbor's template paths"),
])
def test_bad_input_fails_before_the_node_changes(env, change, message):
    tmp_path, base = env
    rc, out = run(tmp_path, {**base, **change})
    assert rc != 0
    assert message in out, out[-3000:]
    assert not (tmp_path / "install").exists()


@pytest.mark.parametrize("version, yml_version, message", [
    ("v2.11.2", "2.11.0", "Harbor v2.11.2 is not supported; this role renders harbor.yml for Harbor 2.12, 2.13, 2.14, 2.15"),
    ("v2.16.0", "2.16.0", "Harbor v2.16.0 is not supported"),
    (None, None, "is not a Harbor offline installer"),
])
def test_bundle_of_an_unsupported_release_is_refused(env, version, yml_version, message):
    """The release is read from the bundle (image archive, harbor.yml.tmpl), not from its file name."""
    tmp_path, base = env
    bundle = tmp_path / "harbor-offline-installer-v2.15.2.tgz"
    if version:
        fake_bundle(bundle, version, yml_version)
    else:
        bundle.write_bytes(b"not really a bundle")
    rc, out = run(tmp_path, {**base, "harbor_bundle_path": str(bundle),
                             "harbor_bundle_sha256": hashlib.sha256(bundle.read_bytes()).hexdigest()})
    assert rc != 0
    assert message in out and "harbor_bundle_path " + str(bundle) in out, out[-3000:]
    assert not (tmp_path / "install").exists()


def test_checksum_mismatch_of_a_downloaded_bundle(env):
    tmp_path, base = env
    url = "file://" + base.pop("harbor_bundle_path")
    rc, out = run(tmp_path, {**base, "harbor_bundle_url": url, "harbor_bundle_sha256": "a" * 64})
    assert rc != 0
    assert "could not be used" in out and "harbor_bundle_sha256 expects" in out, out[-3000:]
    assert not (tmp_path / "install").exists()


def test_passwords_never_appear_in_the_output(env):
    tmp_path, base = env
    rc, out = run(tmp_path, {**base, "harbor_admin_password": "Harbor12345", "harbor_database_password": "S3cr3t-db"})
    assert rc != 0
    assert "S3cr3t-db" not in out


def test_default_passwords_pass_validation_when_allowed(env):
    """With harbor_allow_default_passwords the run gets past validation and the checksum, to the
    docker check (this machine's engine may or may not answer; either way validation passed)."""
    tmp_path, base = env
    rc, out = run(tmp_path, {**base, "harbor_admin_password": "Harbor12345", "harbor_database_password": "root123",
                             "harbor_allow_default_passwords": True})
    assert "must not be Harbor's published" not in out
    # the role's next step after validation and the checksum: its one probe of the node's Docker
    assert "Ask the node about Docker, Compose and the installed Harbor" in out, out[-3000:]
