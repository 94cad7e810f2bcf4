# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11 item 3: an inventory that cannot work stops site.yml before any host is touched.

Each case writes a small inventory (connection local hosts) to tmp_path, runs the real
`ansible-playbook playbooks/site.yml` (or a step playbook alone) with the ansible.posix.json
callback, and asserts: rc != 0, the message naming the variable, and that nothing but the check
ran — the only play is "Site | check the inventory", every task executed is one of the topology
role's, and no host reports a change. As a safety net the inventory sets ansible_become_exe to
/bin/false: should the check ever let a broken inventory through, the base step's privileged
tasks could not change this machine either.

Positive cases run only the check (playbooks/check.yml) on a minimal valid dual_master and
shared_storage inventory. Item 4 is here too: harbor_certs' PKI directory defaults next to the
inventory, and a host list inventory gets an error naming harbor_certs_local_dir.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import subprocess
import sys

import pytest

from harbor_cert import cert_playbook

pytestmark = pytest.mark.integration

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
PLAYBOOKS = os.path.join(REPO, 'playbooks')

CHECK_PLAY = 'Site | check the inventory'
CHECK_TASK = 'Check that the inventory describes a topology that can work'
# Every task of roles/topology (the argument spec validation is prepended by ansible).
ROLE_TASK_PREFIXES = ('Validating arguments against arg spec', CHECK_TASK, "Remember that this run's inventory was checked")

VIP = '10.40.0.100'
VIP_NAME = 'harbor.topology.test'


def dual_master():
    return {'all': {
        'vars': {
            'ansible_connection': 'local',
            'ansible_python_interpreter': sys.executable,
            'ansible_become_exe': '/bin/false',
            'harborops_topology': 'dual_master',
            'harborops_vip_address': VIP,
            'harborops_vip_name': VIP_NAME,
        },
        'children': {
            'harbor': {'hosts': {'harbor1': {'harborops_address': '10.40.0.11'},
                                 'harbor2': {'harborops_address': '10.40.0.12'}}},
        },
    }}


def shared_storage():
    inventory = dual_master()
    inventory['all']['vars']['harborops_topology'] = 'shared_storage'
    db = {'hosts': {'db1': {'harborops_address': '10.40.0.21'}, 'db2': {'harborops_address': '10.40.0.22'},
                    'db3': {'harborops_address': '10.40.0.23'}}}
    inventory['all']['children'].update({
        'harbor_data': {'children': {'harbor': {}}},
        'etcd': copy.deepcopy(db), 'postgresql': copy.deepcopy(db), 'redis': copy.deepcopy(db),
    })
    return inventory


def ansible_env(tmp_path):
    """harbor_cert's ansible-playbook environment, with the json callback to read the run."""
    env = cert_playbook.ansible_env(tmp_path)
    env['ANSIBLE_STDOUT_CALLBACK'] = 'ansible.posix.json'
    return env


def run(tmp_path, inventory, playbook):
    """ansible-playbook with the json callback: (rc, parsed callback document, raw output)."""
    inventory_dir = tmp_path / 'inventory'
    inventory_dir.mkdir(exist_ok=True)
    (inventory_dir / 'hosts.yml').write_text(json.dumps(inventory))  # JSON is YAML
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory_dir),
               playbook if os.path.isabs(playbook) else os.path.join(PLAYBOOKS, playbook)]
    proc = subprocess.run(command, env=ansible_env(tmp_path), cwd=str(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=300, check=False)
    try:
        document = json.loads(proc.stdout[proc.stdout.index('{'):])
    except ValueError:
        raise AssertionError('no json callback output (rc %d):\n%s\n%s' % (proc.returncode, proc.stdout, proc.stderr))
    return proc.returncode, document, proc.stdout + proc.stderr


def executed(document):
    """[(play name, task name, {host: result})] of every task that ran on some host."""
    return [(play['play']['name'], task['task']['name'].split(' : ', 1)[-1], task['hosts'])
            for play in document['plays'] for task in play['tasks'] if task['hosts']]


def check_messages(document):
    for _play, task, hosts in executed(document):
        if task == CHECK_TASK:
            for result in hosts.values():
                msg = result.get('msg')
                return msg if isinstance(msg, list) else [msg]
    raise AssertionError('the check task did not run: %s' % [t for _p, t, _h in executed(document)])


def assert_stopped_by_the_check(rc, document, output, expected):
    assert rc != 0, output
    messages = check_messages(document)
    assert messages[0] == 'The inventory cannot work (nothing was changed):', messages
    assert any(expected in m for m in messages[1:]), 'expected %r in %s' % (expected, messages)
    # Nothing but the check ran: one play, the role's tasks only, no change anywhere.
    plays = [play['play']['name'] for play in document['plays']]
    assert plays == [CHECK_PLAY], plays
    tasks = [task for _play, task, _hosts in executed(document)]
    assert all(task.startswith(ROLE_TASK_PREFIXES) for task in tasks), tasks
    assert all(stats['changed'] == 0 for stats in document['stats'].values()), document['stats']
    assert sum(stats['failures'] for stats in document['stats'].values()) == 1, document['stats']
    return messages


def without_group(inventory, group):
    del inventory['all']['children'][group]
    return inventory


def setting(inventory, **values):
    inventory['all']['vars'].update(values)
    return inventory


def on_host(inventory, host, **values):
    for group in inventory['all']['children'].values():
        if host in group.get('hosts', {}):
            group['hosts'][host].update(values)
    return inventory


def unsetting(inventory, name):
    del inventory['all']['vars'][name]
    return inventory


def remove_from_host(inventory, host, name):
    for group in inventory['all']['children'].values():
        if host in group.get('hosts', {}):
            group['hosts'][host].pop(name, None)
    return inventory


def even_etcd(inventory):
    del inventory['all']['children']['etcd']['hosts']['db3']
    return inventory


def no_harbor_group(inventory):
    del inventory['all']['children']['harbor']
    inventory['all']['children']['front'] = {'hosts': {'front1': {'harborops_address': '10.40.0.31'}}}
    return inventory


CASES = {
    'unknown topology': (
        lambda: setting(dual_master(), harborops_topology='triple_master'),
        "harborops_topology: 'triple_master' (on harbor1, harbor2) is not a topology"),
    'no harbor group': (
        lambda: no_harbor_group(dual_master()),
        "groups: the inventory has no host in group 'harbor'"),
    'shared storage without postgresql': (
        lambda: without_group(shared_storage(), 'postgresql'),
        "groups: harborops_topology is shared_storage but group 'postgresql' has no host"),
    'shared storage without etcd': (
        lambda: without_group(shared_storage(), 'etcd'),
        "groups: harborops_topology is shared_storage but group 'etcd' has no host"),
    'shared storage without redis': (
        lambda: without_group(shared_storage(), 'redis'),
        "groups: harborops_topology is shared_storage but group 'redis' has no host"),
    'shared storage with an even etcd count': (
        lambda: even_etcd(shared_storage()),
        "groups: group 'etcd' has 2 hosts (db1, db2); etcd needs an odd number"),
    'shared storage without harbor_data': (
        lambda: without_group(shared_storage(), 'harbor_data'),
        "Harbor node(s) harbor1, harbor2 are not in group 'harbor_data'"),
    'VIP outside the nodes subnet': (
        lambda: setting(dual_master(), harborops_vip_address='10.41.0.100'),
        'harborops_vip_address: 10.41.0.100 is outside the subnet of Harbor node harbor1 (10.40.0.0/24, '
        'from harborops_address 10.40.0.11 and harborops_vip_prefix 24)'),
    'VIP outside a declared prefix': (
        lambda: setting(dual_master(), harborops_vip_address='10.40.0.200', harborops_vip_prefix=25),
        'harborops_vip_address: 10.40.0.200 is outside the subnet of Harbor node harbor1 (10.40.0.0/25'),
    'VIP is a node address': (
        lambda: setting(dual_master(), harborops_vip_address='10.40.0.12'),
        'harborops_vip_address: 10.40.0.12 is also the harborops_address of harbor2'),
    'harbor_hostname is the VIP': (
        lambda: on_host(dual_master(), 'harbor1', harbor_hostname=VIP),
        'harbor_hostname: harbor1 sets it to the VIP (harborops_vip_address 10.40.0.100)'),
    'harbor_hostname is the VIP name': (
        lambda: on_host(dual_master(), 'harbor2', harbor_hostname=VIP_NAME),
        'harbor_hostname: harbor2 sets it to the VIP name (harborops_vip_name harbor.topology.test)'),
    'node without harborops_address': (
        lambda: remove_from_host(dual_master(), 'harbor2', 'harborops_address'),
        'harborops_address: Harbor node(s) harbor2 have none'),
    'two nodes with one address': (
        lambda: on_host(dual_master(), 'harbor2', harborops_address='10.40.0.11'),
        'harborops_address: harbor1, harbor2 all have 10.40.0.11; every host needs an address of its own'),
    'missing harborops_vip_address': (
        lambda: unsetting(dual_master(), 'harborops_vip_address'),
        'harborops_vip_address: not set (for harbor1, harbor2)'),
    'missing harborops_vip_name': (
        lambda: unsetting(dual_master(), 'harborops_vip_name'),
        'harborops_vip_name: not set (for harbor1, harbor2)'),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_site_stops_before_touching_any_host(tmp_path, case):
    make_inventory, expected = CASES[case]
    rc, document, output = run(tmp_path, make_inventory(), 'site.yml')
    assert_stopped_by_the_check(rc, document, output, expected)


@pytest.mark.parametrize('step', ['base.yml', 'vip.yml'])
def test_a_step_playbook_alone_checks_first(tmp_path, step):
    rc, document, output = run(tmp_path, setting(dual_master(), harborops_vip_address='10.41.0.100'), step)
    assert_stopped_by_the_check(rc, document, output, 'harborops_vip_address: 10.41.0.100 is outside the subnet')


def test_every_problem_is_reported_at_once(tmp_path):
    inventory = on_host(even_etcd(shared_storage()), 'harbor2', harborops_address='10.40.0.11', harbor_hostname=VIP_NAME)
    unsetting(inventory, 'harborops_vip_address')
    rc, document, output = run(tmp_path, inventory, 'site.yml')
    messages = assert_stopped_by_the_check(rc, document, output, 'harborops_vip_address: not set')
    assert [m.split(':')[0] for m in messages[1:]] == ['harborops_address', 'harborops_vip_address', 'harbor_hostname',
                                                       'groups'], messages


@pytest.mark.parametrize('topology', ['dual_master', 'shared_storage'])
def test_a_minimal_valid_inventory_passes_the_check(tmp_path, topology):
    inventory = dual_master() if topology == 'dual_master' else shared_storage()
    # The check twice in one run, as site.yml imports it before every step: the second one skips.
    playbook = tmp_path / 'twice.yml'
    playbook.write_text(json.dumps([
        {'name': 'First', 'ansible.builtin.import_playbook': os.path.join(PLAYBOOKS, 'check.yml')},
        {'name': 'Second', 'ansible.builtin.import_playbook': os.path.join(PLAYBOOKS, 'check.yml')},
    ]))
    rc, document, output = run(tmp_path, inventory, str(playbook))
    assert rc == 0, output
    first, second = document['plays']
    results = {task['task']['name'].split(' : ', 1)[-1]: list(task['hosts'].values()) for task in first['tasks']}
    assert results[CHECK_TASK][0]['msg'].startswith('Topology %s: Harbor nodes harbor1, harbor2, VIP %s (%s)'
                                                    % (topology, VIP, VIP_NAME)), results
    skipped = [task for task in second['tasks'] if task['task']['name'].split(' : ', 1)[-1] == CHECK_TASK]
    assert skipped and all(r.get('skipped') for task in skipped for r in task['hosts'].values()), second['tasks']
    assert all(stats['changed'] == 0 for stats in document['stats'].values()), document['stats']


def test_the_lab_inventories_pass_the_check(tmp_path):
    for inventory in ('lab/inventory', 'lab/inventories/shared_storage'):
        if not os.path.isdir(os.path.join(REPO, inventory)):
            continue
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
                   os.path.join(REPO, inventory), os.path.join(PLAYBOOKS, 'check.yml')]
        proc = subprocess.run(command, env=ansible_env(tmp_path), cwd=str(tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, check=False)
        assert proc.returncode == 0, '%s:\n%s' % (inventory, proc.stdout)


# --- item 4: harbor_certs' PKI directory ---------------------------------------------------------
PKI_PLAYBOOK = [{
    'name': 'Evaluate the default of harbor_certs_local_dir',
    'hosts': 'harbor',
    'gather_facts': False,
    'tasks': [
        {'name': 'Load the role defaults',
         'ansible.builtin.include_vars': os.path.join(REPO, 'roles', 'harbor_certs', 'defaults', 'main.yml')},
        {'name': 'Show the PKI directory', 'ansible.builtin.debug': {'msg': '{{ harbor_certs_local_dir }}'}},
    ],
}]


def test_pki_directory_defaults_next_to_the_inventory(tmp_path):
    playbook = tmp_path / 'pki.yml'
    playbook.write_text(json.dumps(PKI_PLAYBOOK))
    rc, document, output = run(tmp_path, dual_master(), str(playbook))
    assert rc == 0, output
    shown = [r['msg'] for _p, task, hosts in executed(document) if task == 'Show the PKI directory' for r in hosts.values()]
    assert shown == [str(tmp_path / 'inventory' / '.harbor-pki')] * 2, shown
    assert REPO not in shown[0]


def test_pki_directory_without_an_inventory_directory_is_a_clear_error(tmp_path):
    playbook = tmp_path / 'pki.yml'
    playbook.write_text(json.dumps(PKI_PLAYBOOK))
    env = ansible_env(tmp_path)
    env['ANSIBLE_STDOUT_CALLBACK'] = 'ansible.builtin.default'
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'harbor1,', '-c', 'local',
               '-e', 'ansible_python_interpreter=%s' % sys.executable, str(playbook)]
    # A host list has no groups: make harbor1 the play's host through the 'all' pattern.
    playbook.write_text(json.dumps([dict(PKI_PLAYBOOK[0], hosts='all')]))
    proc = subprocess.run(command, env=env, cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, timeout=300, check=False)
    assert proc.returncode != 0, proc.stdout
    assert 'harbor_certs_local_dir: harbor1 has no inventory_dir' in proc.stdout, proc.stdout
