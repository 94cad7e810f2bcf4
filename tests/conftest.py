"""Test tiers (README "Tests", pytest.ini markers): every test belongs to exactly one tier.

A test marked ``sim``, ``integration`` or ``containers`` belongs to that tier; a test with none of
these markers is a unit test and needs nothing: while it runs (setup, call, teardown), starting a
subprocess or listening on a socket fails it, with a message naming the markers. So a test that
starts a server cannot land in ``make test-unit`` unnoticed.

A ``containers`` test fails (never skips) when no Docker engine answers: that tier exists to run
them."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess

import pytest

TIERS = ("sim", "integration", "containers")


def tier_of(item):
    marked = [name for name in TIERS if item.get_closest_marker(name) is not None]
    if len(marked) > 1:
        raise pytest.UsageError(f"{item.nodeid}: more than one tier marker {marked} (pytest.ini)")
    return marked[0] if marked else "unit"


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier_of(item)


class NotAUnitTest(AssertionError):
    pass


def _refuse(what):
    def refuse(*args, **kwargs):
        raise NotAUnitTest(f"a unit test {what}: mark it sim, integration or containers (pytest.ini)")
    return refuse


@contextlib.contextmanager
def _unit_guard(item):
    if tier_of(item) != "unit":
        yield
        return
    saved = subprocess.Popen._execute_child, socket.socket.listen
    subprocess.Popen._execute_child = _refuse("started a subprocess")
    socket.socket.listen = _refuse("listened on a socket")
    try:
        yield
    finally:
        subprocess.Popen._execute_child, socket.socket.listen = saved


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    if tier_of(item) == "containers":
        _require_docker()
    with _unit_guard(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    with _unit_guard(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    with _unit_guard(item):
        return (yield)


_docker = {}


def _require_docker():
    if "error" not in _docker:
        if not shutil.which("docker"):
            _docker["error"] = "no docker CLI"
        else:
            res = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=120, check=False)
            _docker["error"] = None if res.returncode == 0 else (res.stderr.strip() or "docker info failed")
    if _docker["error"]:
        pytest.fail(f"this test needs the Docker engine (make docker-engine): {_docker['error']}", pytrace=False)
