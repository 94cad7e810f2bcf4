"""Test tiers (README "Tests", pytest.ini markers): every test belongs to exactly one tier.

A test marked ``sim``, ``integration`` or ``containers`` belongs to that tier; a test with none of
these markers is a unit test and needs nothing: while it runs (setup, call, teardown), starting a
subprocess or listening on a socket fails it, with a message naming the markers. So a test that
starts a server cannot land in ``make test-unit`` unnoticed.

A ``containers`` test fails (never skips) when no Docker engine answers: that tier exists to run
them."""

from __future__ import annotations

import collections
import contextlib
import functools
import re
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


# --- pytest-xdist: which tests must share a worker (scripts/run-pytest.sh runs the integration tier
# with -n 2 --dist loadscope). A unit of work is a file and the Harbor release in the test's id
# (tests/integration/conftest.py runs the sim-backed tests once per release, each release with its own
# module-scoped sim): those tests depend on the state the earlier ones left in that sim, so they run in
# order on one worker. A file whose fixtures are all function-scoped (certificates, inventory checks)
# is not a unit: its tests are scheduled one by one and fill the gaps. This replaces loadscope's
# own split (file or class) and xdist's loadgroup, whose xdist_group marks pytest-xdist 3.8 turns into
# a nodeid suffix that pytest 9.2 no longer reads (every test then scheduled alone).
_SHARED_FIXTURE = re.compile(r"""scope=['"](?:module|class|package|session)['"]""")
_RELEASE_IN_ID = re.compile(r"^[^\[]*\[(\d+\.\d+\.\d+)[-\]]")  # the first parameter: harbor_version


def xdist_scope(nodeid, shares_state):
    """The unit of work of ``nodeid``: ``file[release]``, ``file``, or the test alone.
    ``shares_state(path)`` says whether the file has fixtures wider than a test."""
    path, _sep, name = nodeid.partition("::")
    release = _RELEASE_IN_ID.match(name)
    if release:
        return f"{path}[{release.group(1)}]"
    return path if shares_state(path) else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    @functools.lru_cache(maxsize=None)
    def shares_state(path):
        try:
            return bool(_SHARED_FIXTURE.search((config.rootpath / path).read_text()))
        except OSError:
            return True

    class ReleaseScopeScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return xdist_scope(nodeid, shares_state)

    return ReleaseScopeScheduling(config, log)


# What each Harbor release costs: the summed durations of the tests that carry the user property
# harbor_version (tests/integration/conftest.py), printed at the end of the run.
_durations_by_release = collections.defaultdict(lambda: [set(), 0.0])


def pytest_runtest_logreport(report):
    release = dict(report.user_properties).get("harbor_version")
    if release:
        entry = _durations_by_release[release]
        entry[0].add(report.nodeid)
        entry[1] += report.duration


def pytest_terminal_summary(terminalreporter):
    if _durations_by_release:
        parts = [f"{release}: {len(nodeids)} tests, {seconds:.0f} s"
                 for release, (nodeids, seconds) in _durations_by_release.items()]
        terminalreporter.write_line("test time per Harbor release (summed durations; the workers run side by side): "
                                    + "; ".join(parts))
