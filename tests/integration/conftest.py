"""The integration tier (pytest.ini marker ``integration``): the Harbor releases the tests against
harbor-sim run on, and how pytest-xdist spreads the tier over its workers.

Releases (issue 15: the module integration tests run against the oldest and the newest release):
every test that uses the ``harbor_version`` fixture, itself or through a sim fixture, runs once per
release of ``HARBOR_SIM_VERSIONS`` (space- or comma-separated), by default the newest and the oldest
release harbor-sim plays (harbor_sim/versions.py SUPPORTED). Its id names the release, for example
``test_target[2.12.4-harbor_project]``. ``HARBOR_SIM_VERSION=X`` alone runs them on X only. A test
that needs no sim (certificates, inventory checks) does not use the fixture and runs once.

Workers (scripts/run-pytest.sh runs this tier with ``-n 2 --dist loadscope``; the scheduler is
tests/conftest.py's ``pytest_xdist_make_scheduler``): the tests of one file and one release share a
module-scoped sim (and the state earlier tests left in it), so they are one unit and run in order on
one worker; the tests of a file without module-scoped fixtures (certificates, inventory checks) are
scheduled one by one and fill the gaps.

Each such test carries its release as the user property ``harbor_version``; at the end the tier prints
the summed test durations per release (tests/conftest.py, which the xdist controller loads)."""

from __future__ import annotations

import os

import pytest

from harbor_sim import versions


def sim_versions():
    """The releases the sim-backed tests run on, in order (newest first by default)."""
    listed = os.environ.get('HARBOR_SIM_VERSIONS', '').replace(',', ' ').split()
    if not listed and os.environ.get('HARBOR_SIM_VERSION'):
        listed = [os.environ['HARBOR_SIM_VERSION']]
    if not listed:
        listed = [versions.DEFAULT, versions.SUPPORTED[0]]
    unknown = [v for v in listed if v not in versions.SUPPORTED]
    if unknown:
        raise pytest.UsageError('HARBOR_SIM_VERSIONS: harbor-sim plays %s, not %s'
                                % (', '.join(versions.SUPPORTED), ', '.join(unknown)))
    return list(dict.fromkeys(listed))


def pytest_generate_tests(metafunc):
    if 'harbor_version' in metafunc.fixturenames:
        # module scope: pytest runs a file's tests release by release, one sim per file and release
        metafunc.parametrize('harbor_version', sim_versions(), scope='module')


def pytest_collection_modifyitems(items):
    for item in items:
        version = getattr(item, 'callspec', None) and item.callspec.params.get('harbor_version')
        if version:
            item.user_properties.append(('harbor_version', version))
