"""Integration tests of the housekeeping and policy modules (issue 17: harbor_gc, harbor_label, ...)
against one harbor-sim, through tests/integration/harbor_modules.yml like test_harbor_modules.py.

The sim runs with a GC time window of 0 hours (Harbor's core ``GC_TIME_WINDOW_HOURS``), so a GC right
after a deletion frees the blobs and the module's report of what was freed can be checked."""

import os
import sys

import pytest
import requests

from harbor_sim import testing
import test_harbor_modules
from test_harbor_modules import ADMIN_PASSWORD, check, create_project, push_image, run_playbook

# the scanner adapter of harbor-sim's own suite (its metadata, an API key under /key/)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'harbor_sim', 'tests'))
from housekeeping_support import SCANNER_KEY, scanner_adapter  # noqa: E402

pytestmark = pytest.mark.integration

# secrets of these targets: test_harbor_modules.check() fails when one shows up in the -vvv output
test_harbor_modules.SECRETS.update(
    webhook_token='HookToken-5Vd8', webhook_token_new='HookToken-New-7Qs2', scanner_key=SCANNER_KEY,
    preheat_password='PreheatPw-8Jx3')

ROLE_PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'harbor_housekeeping_role.yml')
TARGETS = ['harbor_gc', 'harbor_label', 'harbor_immutable_rule', 'harbor_retention', 'harbor_webhook',
           'harbor_audit_purge', 'harbor_scanner', 'harbor_security', 'harbor_preheat_instance']


@pytest.fixture(scope='module')
def sim(tmp_path_factory, harbor_version):
    env = dict(os.environ, GC_TIME_WINDOW_HOURS='0')
    with testing.SimProcess(str(tmp_path_factory.mktemp('housekeeping-sim')), admin_password=ADMIN_PASSWORD,
                            env=env, harbor_version=harbor_version) as process:
        yield process


@pytest.fixture(scope='module')
def adapter():
    with scanner_adapter() as url:
        yield url


def delete_artifact(sim, project, repository, digest):
    response = requests.delete('%s/api/v2.0/projects/%s/repositories/%s/artifacts/%s'
                               % (sim.url, project, repository, digest), auth=('admin', ADMIN_PASSWORD), timeout=30)
    assert response.status_code == 200, response.text


def create_proxy_cache(sim, name):
    """A proxy-cache project of the sim itself: Harbor gives it a default retention policy."""
    auth = ('admin', ADMIN_PASSWORD)
    response = requests.post(sim.url + '/api/v2.0/registries', auth=auth, timeout=30, json={
        'name': name + '-upstream', 'type': 'docker-registry', 'url': sim.url, 'insecure': True})
    assert response.status_code == 201, response.text
    registry_id = int(response.headers['Location'].rsplit('/', 1)[-1])
    response = requests.post(sim.url + '/api/v2.0/projects', auth=auth, timeout=30, json={
        'project_name': name, 'registry_id': registry_id, 'metadata': {'public': 'false'}})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize('target', TARGETS)
def test_target(sim, adapter, tmp_path, target):
    extra = {'sim_port': sim.port, 'adapter_url': adapter, 'closed_port': testing.free_port(),
             'sim_version': sim.harbor_version}
    if target == 'harbor_gc':
        # an image pushed and deleted: its blobs are garbage the module's run frees
        create_project(sim, 'gc-src')
        delete_artifact(sim, 'gc-src', 'app', push_image(sim, tmp_path, 'gc-src/app:v1'))
    if target in ('harbor_label', 'harbor_immutable_rule', 'harbor_webhook'):
        create_project(sim, target.replace('harbor_', '').split('_')[0] + '-proj')
    if target == 'harbor_retention':
        create_project(sim, 'retention-proj')
        create_proxy_cache(sim, 'retention-cache')
    proc = run_playbook(target, sim.url, tmp_path, extra)
    check(proc, target)


def test_housekeeping_role(sim, adapter, tmp_path):
    """The harbor_housekeeping role applies every kind once; its second run changes nothing."""
    create_project(sim, 'role-proj')
    extra = {'adapter_url': adapter, 'harbor_target': 'role', 'sim_version': sim.harbor_version}
    for attempt in ('first', 'second'):
        proc = run_playbook('role-' + attempt, sim.url, tmp_path, extra, playbook=ROLE_PLAYBOOK)
        check(proc, 'role-' + attempt)
    recap = [line for line in proc.stdout.splitlines() if line.startswith('localhost ')][-1]
    assert 'changed=1 ' in recap, recap  # the garbage collection run, and nothing else
