"""The GC job without the registry's storage (harbor_sim/gc.py): like Harbor's job when
registryctl is unreachable, it fails and says so in its log."""

from __future__ import annotations

import types

import pytest

from harbor_sim import gc


def test_gc_without_registry_storage_fails(tmp_path):
    dataplane = types.SimpleNamespace(registry_proc=None)
    settings = types.SimpleNamespace(data_dir=str(tmp_path), registry_storage=None)
    log = gc.JobLog()
    with pytest.raises(gc.GCFailed):
        gc.run(dataplane, settings, {"dry_run": True}, log)
    assert "failed to start gc as registry controller is unreachable" in log.text()
    assert "[ERROR] [/jobservice/job/impl/gc/garbage_collection.go]" in log.text()


def test_time_window_from_the_environment(monkeypatch):
    monkeypatch.delenv("GC_TIME_WINDOW_HOURS", raising=False)
    assert gc.time_window_hours() == 2
    monkeypatch.setenv("GC_TIME_WINDOW_HOURS", "0")
    assert gc.time_window_hours() == 0
