"""The harbor_* modules under faults (issue 13): bad input, broken answers, lost answers, half-made
objects and races, against harbor-sim with its /_sim/faults rules.

Each case runs the module itself (``python -m ansible_collections.harborops.ha.plugins.modules.X``
with an args file, as Ansible runs it on the target, minus the playbook: a second per run instead
of five) and asserts the message, that no Python traceback came out, and Harbor's state afterwards
(read from the sim's API and its request log)."""

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from harbor_sim import testing
from test_harbor_modules import ADMIN_PASSWORD, collections_path

pytestmark = pytest.mark.integration
ADMIN = ('admin', ADMIN_PASSWORD)
ROBOT_SECRET = 'RobotFault-Secret9'


@pytest.fixture(scope='module')
def sim(tmp_path_factory, harbor_version):
    with testing.SimProcess(str(tmp_path_factory.mktemp('fault-sim')), admin_password=ADMIN_PASSWORD,
                            harbor_version=harbor_version) as process:
        yield process


@pytest.fixture(autouse=True)
def no_faults(sim):
    faults(sim, [])
    yield
    faults(sim, [])


def faults(sim, rules):
    response = requests.put(sim.url + '/_sim/faults', auth=ADMIN, json={'rules': rules}, timeout=10)
    assert response.status_code == 200, response.text


def api(sim, path, **query):
    response = requests.get(sim.url + '/api/v2.0' + path, params=query, auth=ADMIN, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def named(sim, path, name):
    return [item for item in api(sim, path, q='name=%s' % name) if item['name'] == name]


def request_log(sim, clear=False):
    if clear:
        requests.delete(sim.url + '/_sim/requests', auth=ADMIN, timeout=10)
        return []
    return requests.get(sim.url + '/_sim/requests', auth=ADMIN, timeout=10).json()


def start_module(tmp_path, module, args, sim=None, label='run'):
    """Start the module in a process; returns (process, args file)."""
    params = dict(harbor_username='admin', harbor_password=ADMIN_PASSWORD, retries=3, timeout=10)
    if sim is not None:
        params['harbor_url'] = sim.url
    params.update(args)
    args_file = tmp_path / ('%s-%s-%d.json' % (module, label, time.monotonic_ns()))
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': params}))
    os.chmod(str(args_file), 0o600)
    env = dict(os.environ, PYTHONPATH=collections_path())
    for key in ('HARBOR_URL', 'HARBOR_USERNAME', 'HARBOR_PASSWORD', 'HARBOR_VALIDATE_CERTS', 'HARBOR_CA_PATH'):
        env.pop(key, None)
    command = [sys.executable, '-m', 'ansible_collections.harborops.ha.plugins.modules.' + module, str(args_file)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True)


def finish(process):
    stdout, stderr = process.communicate(timeout=300)
    assert 'Traceback' not in stdout + stderr, stdout + stderr
    result = json.loads(stdout[stdout.index('{'):])
    assert ADMIN_PASSWORD not in stdout + stderr and ROBOT_SECRET not in stdout + stderr
    return result


def run(tmp_path, module, args, sim=None):
    return finish(start_module(tmp_path, module, args, sim))


def test_bad_input_fails_before_any_request(sim, tmp_path):
    request_log(sim, clear=True)
    https = 'https://127.0.0.1:%d' % sim.port
    cases = [
        (dict(harbor_url=https, ca_path=str(tmp_path / 'missing-ca.crt'), name='x'),
         'ca_path %s does not exist' % (tmp_path / 'missing-ca.crt')),
        (dict(harbor_url=sim.url, timeout=0, name='x'), 'timeout must be a positive number of seconds, got 0'),
        (dict(harbor_url=sim.url, name=''), 'name must not be empty'),
        (dict(harbor_url=sim.url, name='fault-meta', metadata={'auto_scan': True, 'colour': 'red'}),
         'metadata: Harbor does not keep colour'),
    ]
    for args, message in cases:
        result = run(tmp_path, 'harbor_project', args)
        assert result.get('failed') and message in result['msg'], (args, result)
    assert request_log(sim) == []
    assert named(sim, '/projects', 'fault-meta') == []


def test_http_url_warns_that_credentials_go_in_clear(sim, tmp_path):
    result = run(tmp_path, 'harbor_info', dict(gather=['health']), sim)
    warnings = json.dumps(result.get('warnings'))
    assert 'is plain http://: the credentials of admin go over the network in clear text' in warnings, result


def test_a_200_answer_that_is_not_json_is_a_clean_failure(sim, tmp_path):
    faults(sim, [{'method': 'GET', 'path': '/api/v2.0/projects', 'status': 200, 'body': '<html>maintenance</html>',
                  'times': 0}])
    result = run(tmp_path, 'harbor_project', dict(name='fault-html'), sim)
    assert result['failed'] and 'Harbor answered GET /projects with HTTP 200 and a body that is not JSON' in result['msg']
    faults(sim, [])
    assert named(sim, '/projects', 'fault-html') == []


def test_a_lost_create_answer_is_looked_up_not_resent(sim, tmp_path):
    request_log(sim, clear=True)
    faults(sim, [{'method': 'POST', 'path': '/api/v2.0/projects', 'reset': True, 'process': True}])
    result = run(tmp_path, 'harbor_project', dict(name='fault-reset', public=True), sim)
    assert not result.get('failed'), result
    assert result['changed'] and result['project']['name'] == 'fault-reset'
    assert len(named(sim, '/projects', 'fault-reset')) == 1
    posts = [r for r in request_log(sim) if r['method'] == 'POST']
    assert [(r['path'], r['status']) for r in posts] == [('/api/v2.0/projects', 'reset')]
    again = run(tmp_path, 'harbor_project', dict(name='fault-reset', public=True), sim)
    assert not again.get('failed') and not again['changed']


@pytest.fixture(scope='module')
def policy(sim, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('fault-policy')
    for module, args in (('harbor_registry', dict(name='fault-peer', type='harbor', url=sim.url, access_key='admin',
                                                  access_secret=ADMIN_PASSWORD)),
                         ('harbor_replication_policy', dict(name='fault-pol', dest_registry='fault-peer',
                                                            filters=[{'type': 'name', 'value': 'fault-none/**'}]))):
        result = run(tmp_path, module, args, sim)
        assert not result.get('failed'), result
    return named(sim, '/replication/policies', 'fault-pol')[0]['id']


def test_a_lost_execution_start_never_starts_twice(sim, tmp_path, policy):
    before = len(api(sim, '/replication/executions', policy_id=policy))
    faults(sim, [{'method': 'POST', 'path': '/api/v2.0/replication/executions', 'reset': True, 'process': True}])
    result = run(tmp_path, 'harbor_replication_execution', dict(policy='fault-pol', wait_timeout=60, poll_interval=1),
                 sim)
    assert not result.get('failed'), result
    assert result['changed'] and result['status'] == 'Succeed'
    assert len(api(sim, '/replication/executions', policy_id=policy)) == before + 1
    # the connection dropped before Harbor started anything: said so, nothing started
    faults(sim, [{'method': 'POST', 'path': '/api/v2.0/replication/executions', 'reset': True}])
    failed = run(tmp_path, 'harbor_replication_execution', dict(policy='fault-pol'), sim)
    assert failed['failed'] and 'none was started: run again' in failed['msg'], failed
    assert len(api(sim, '/replication/executions', policy_id=policy)) == before + 1


def robot_can_log_in(sim, name):
    response = requests.get(sim.url + '/api/v2.0/users/current', auth=('robot$' + name, ROBOT_SECRET), timeout=10)
    return response.status_code == 412  # an authenticated robot; wrong credentials are anonymous: 401


def test_a_robot_whose_secret_cannot_be_set_is_never_left_usable(sim, tmp_path):
    args = dict(name='fault-bot', secret=ROBOT_SECRET,
                permissions=[{'kind': 'project', 'namespace': '*', 'access': [{'resource': 'repository',
                                                                               'action': 'pull'}]}])
    faults(sim, [{'method': 'PATCH', 'path': '/api/v2.0/robots/*', 'status': 500}])
    result = run(tmp_path, 'harbor_robot', args, sim)
    assert result['failed'] and 'could not be completed' in result['msg'] and 'removed again' in result['msg']
    assert named(sim, '/robots', 'robot$fault-bot') == []
    # the removal fails too: the robot stays, disabled, and the next run (default on_create) completes it
    faults(sim, [{'method': 'PATCH', 'path': '/api/v2.0/robots/*', 'status': 500},
                 {'method': 'DELETE', 'path': '/api/v2.0/robots/*', 'status': 500}])
    result = run(tmp_path, 'harbor_robot', args, sim)
    assert result['failed'] and 'stays disabled until the next run completes it' in result['msg'], result
    left = named(sim, '/robots', 'robot$fault-bot')
    assert len(left) == 1 and left[0]['disable'] is True and not robot_can_log_in(sim, 'fault-bot')
    faults(sim, [])
    result = run(tmp_path, 'harbor_robot', args, sim)
    assert not result.get('failed') and result['changed'] and result['secret_updated'], result
    assert named(sim, '/robots', 'robot$fault-bot')[0]['disable'] is False and robot_can_log_in(sim, 'fault-bot')
    assert not run(tmp_path, 'harbor_robot', args, sim)['changed']


def test_a_failed_recreate_keeps_the_old_endpoint(sim, tmp_path):
    base = dict(name='fault-recreate', url=sim.url, access_key='admin', access_secret=ADMIN_PASSWORD)
    assert not run(tmp_path, 'harbor_registry', dict(base, type='harbor'), sim).get('failed')
    old = named(sim, '/registries', 'fault-recreate')[0]
    faults(sim, [{'method': 'POST', 'path': '/api/v2.0/registries', 'status': 500}])
    result = run(tmp_path, 'harbor_registry', dict(base, type='docker-registry', recreate_on_type_change=True), sim)
    assert result['failed'] and 'HTTP 500' in result['msg']
    registries = [r for r in api(sim, '/registries') if r['name'].startswith('fault-recreate')]
    assert [(r['id'], r['name'], r['type']) for r in registries] == [(old['id'], 'fault-recreate', 'harbor')]
    # the rename after the delete fails: the staged endpoint is left, the next run finishes it
    faults(sim, [{'method': 'PUT', 'path': '/api/v2.0/registries/*', 'status': 500}])
    result = run(tmp_path, 'harbor_registry', dict(base, type='docker-registry', recreate_on_type_change=True), sim)
    assert result['failed']
    faults(sim, [])
    result = run(tmp_path, 'harbor_registry', dict(base, type='docker-registry', recreate_on_type_change=True), sim)
    assert not result.get('failed') and result['changed'], result
    registries = [r for r in api(sim, '/registries') if r['name'].startswith('fault-recreate')]
    assert [(r['name'], r['type']) for r in registries] == [('fault-recreate', 'docker-registry')]


def test_parallel_creation_ends_with_every_run_ok_and_one_object(sim, tmp_path):
    # every lookup answers late (longer than the five processes take to start): all five runs
    # find nothing and all POST; one creates, four get 409 and converge what exists
    faults(sim, [{'method': 'GET', 'path': '/api/v2.0/projects', 'process': True, 'delay': 6, 'times': 5}])
    request_log(sim, clear=True)
    processes = [start_module(tmp_path, 'harbor_project', dict(name='fault-race', metadata={'auto_scan': True}), sim,
                              label=str(n)) for n in range(5)]
    results = [finish(process) for process in processes]
    assert [r.get('failed', False) for r in results] == [False] * 5, ([r.get('msg') for r in results], request_log(sim))
    assert len(named(sim, '/projects', 'fault-race')) == 1
    assert named(sim, '/projects', 'fault-race')[0]['metadata']['auto_scan'] == 'true'
    posts = sorted(r['status'] for r in request_log(sim) if r['method'] == 'POST')
    assert posts == [201, 409, 409, 409, 409], '\n'.join('%(method)s %(path)s %(status)s' % r for r in request_log(sim))
    assert sum(1 for r in results if r['changed']) == 1
