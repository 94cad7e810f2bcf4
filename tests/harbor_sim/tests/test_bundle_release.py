"""roles/harbor/files/bundle_release.py: the Harbor release read from the bundle itself (unit)."""

from __future__ import annotations

import importlib.util
import json
import pathlib

from simcore_support import fake_bundle

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "roles" / "harbor" / "files" / "bundle_release.py"
_spec = importlib.util.spec_from_file_location("bundle_release", SCRIPT)
release = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release)


def test_release_and_yml_version_come_from_the_members(tmp_path, capsys):
    # the file name says 2.15.2; the bundle holds 2.13.5: the members win
    bundle = fake_bundle(tmp_path / "harbor-offline-installer-v2.15.2.tgz", "v2.13.5", "2.13.0")
    assert release.main(["bundle_release.py", str(bundle)]) == 0
    assert json.loads(capsys.readouterr().out) == {"version": "v2.13.5", "release": "2.13.5",
                                                    "yml_version": "2.13.0"}


def test_sim_build_suffix_is_kept_in_the_version(tmp_path, capsys):
    bundle = fake_bundle(tmp_path / "b.tgz", "v2.12.4-sim.1", "2.12.0")
    assert release.main(["bundle_release.py", str(bundle)]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == "v2.12.4-sim.1"


def test_not_an_installer(tmp_path, capsys):
    plain = tmp_path / "plain.tgz"
    plain.write_bytes(b"not gzip")
    assert release.main(["bundle_release.py", str(plain)]) == 1
    assert "is not a Harbor offline installer (not a readable .tgz" in capsys.readouterr().err
    without_tmpl = tmp_path / "no-tmpl.tgz"
    fake_bundle(without_tmpl, "v2.14.4", "")
    assert release.main(["bundle_release.py", str(without_tmpl)]) == 1
    assert "no harbor/harbor.yml.tmpl with a _version" in capsys.readouterr().err
