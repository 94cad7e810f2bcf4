"""The harbor_* modules adapt to the Harbor version they talk to (issue 15 item 4), against the
oldest release harbor-sim plays: options that release does not have fail clearly before anything
changes, and what it does not return never makes a run report a change."""

import pytest

from harbor_sim import testing
from test_harbor_faults import ADMIN_PASSWORD, api, named, request_log, run

pytestmark = pytest.mark.integration
OLDEST = testing.versions.SUPPORTED[0]
PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'


@pytest.fixture(scope='module')
def old_sim(tmp_path_factory):
    with testing.SimProcess(str(tmp_path_factory.mktemp('old-sim')), admin_password=ADMIN_PASSWORD,
                            harbor_version=OLDEST) as process:
        yield process


def test_the_sim_plays_the_oldest_release(old_sim):
    assert OLDEST.startswith('2.12.')
    assert api(old_sim, '/systeminfo')['harbor_version'].startswith('v%s-' % OLDEST)


def test_options_of_newer_releases_fail_before_any_write(old_sim, tmp_path):
    request_log(old_sim, clear=True)
    endpoint = dict(name='ver-peer', type='harbor', url=old_sim.url, access_key='admin', access_secret=ADMIN_PASSWORD)
    result = run(tmp_path, 'harbor_registry', dict(endpoint, ca_certificate=PEM), old_sim)
    assert result['failed'], result
    assert result['msg'] == 'ca_certificate needs Harbor 2.15.0 or newer; %s runs %s' % (old_sim.url, OLDEST)
    project = dict(name='ver-proxy', proxy_cache_registry='ver-peer', metadata={'max_upstream_conn': 5})
    result = run(tmp_path, 'harbor_project', project, old_sim)
    assert result['failed'] and 'metadata.max_upstream_conn needs Harbor 2.14.1 or newer' in result['msg'], result
    # a setting of 2.13: GET /configurations of 2.12 does not have it, Harbor would drop it
    result = run(tmp_path, 'harbor_config', dict(extra_settings={'disabled_audit_log_event_types': 'pull'}),
                 old_sim)
    assert result['failed'] and 'has no setting disabled_audit_log_event_types' in result['msg'], result
    assert [r for r in request_log(old_sim) if r['method'] != 'GET'] == []
    assert named(old_sim, '/registries', 'ver-peer') == [] and named(old_sim, '/projects', 'ver-proxy') == []


def test_converging_on_the_oldest_release_is_idempotent(old_sim, tmp_path):
    endpoint = dict(name='ver-peer', type='harbor', url=old_sim.url, access_key='admin', access_secret=ADMIN_PASSWORD,
                    insecure=False, description='no ca_certificate before 2.15')
    policy = dict(name='ver-pol', dest_registry='ver-peer', trigger={'type': 'scheduled', 'cron': '0 0 3 * * *'},
                  filters=[{'type': 'name', 'value': 'ver/**'}])
    project = dict(name='ver-apps', public=False, metadata={'auto_scan': True, 'auto_sbom_generation': True})
    cases = [('harbor_registry', endpoint), ('harbor_replication_policy', policy), ('harbor_project', project)]
    for module, args in cases:
        first = run(tmp_path, module, args, old_sim)
        assert not first.get('failed') and first['changed'], (module, first)
    request_log(old_sim, clear=True)
    for module, args in cases:
        again = run(tmp_path, module, args, old_sim)
        assert not again.get('failed') and not again['changed'], (module, again)
    assert [r for r in request_log(old_sim) if r['method'] != 'GET'] == []
    assert 'ca_certificate' not in named(old_sim, '/registries', 'ver-peer')[0]
