# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""harborops.ha.topology_errors on plain dicts (hostvars, groups): the rules, without ansible-playbook.

tests/integration/test_topology_checks.py runs the same rules through site.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.harborops.ha.plugins.filter.topology_errors import topology_errors


def inventory(topology='dual_master', nodes=None, db=(), harbor_data=True, **common):
    nodes = nodes if nodes is not None else {'harbor1': '192.0.2.11', 'harbor2': '192.0.2.12'}
    common = dict({'harborops_topology': topology, 'harborops_vip_address': '192.0.2.100',
                   'harborops_vip_name': 'harbor.example.test'}, **common)
    hostvars = {}
    for host, address in list(nodes.items()) + [(h, '192.0.2.%d' % (21 + i)) for i, h in enumerate(db)]:
        hostvars[host] = dict(common)
        if address is not None:
            hostvars[host]['harborops_address'] = address
    groups = {'all': list(hostvars), 'ungrouped': [], 'harbor': list(nodes)}
    if topology == 'shared_storage':
        for group in ('etcd', 'postgresql', 'redis'):
            groups[group] = list(db)
        if harbor_data:
            groups['harbor_data'] = list(nodes)
    return hostvars, groups


def errors(hostvars, groups, **kwargs):
    return topology_errors(hostvars, groups, **kwargs)


def test_minimal_inventories_have_no_error():
    assert errors(*inventory()) == []
    assert errors(*inventory('shared_storage', db=('db1', 'db2', 'db3'))) == []
    assert errors(*inventory('shared_storage', db=('db1',))) == []


def test_topology_defaults_to_dual_master_and_must_be_known_and_agreed():
    hostvars, groups = inventory()
    for h in hostvars.values():
        del h['harborops_topology']
    assert errors(hostvars, groups) == []
    hostvars['harbor2']['harborops_topology'] = 'shared_storage'
    assert errors(hostvars, groups) == [
        'harborops_topology: the hosts disagree (dual_master on harbor1; shared_storage on harbor2); '
        'set it once, for all hosts (group_vars/all).']
    assert errors(*inventory('ring')) == [
        "harborops_topology: 'ring' (on harbor1, harbor2) is not a topology; use dual_master or shared_storage."]


def test_no_harbor_group_stops_the_other_checks():
    hostvars, groups = inventory()
    groups['harbor'] = []
    assert errors(hostvars, groups) == ["groups: the inventory has no host in group 'harbor' (the Harbor nodes)."]


def test_addresses_missing_invalid_and_shared():
    assert errors(*inventory(nodes={'harbor1': '192.0.2.11', 'harbor2': None})) == [
        'harborops_address: Harbor node(s) harbor2 have none; set it per host to the IPv4 address the other nodes '
        'reach it at.']
    assert errors(*inventory(nodes={'harbor1': '192.0.2.11', 'harbor2': ''}))[0].startswith(
        'harborops_address: Harbor node(s) harbor2 have none')
    assert errors(*inventory(nodes={'harbor1': '192.0.2.11', 'harbor2': 'harbor2.example.test'})) == [
        "harborops_address: 'harbor2.example.test' of Harbor node harbor2 is not an IPv4 address (keepalived and the "
        "VIP need one)."]
    hostvars, groups = inventory('shared_storage', db=('db1', 'db2', 'db3'))
    hostvars['db3']['harborops_address'] = '192.0.2.12'
    assert errors(hostvars, groups) == [
        'harborops_address: harbor2, db3 all have 192.0.2.12; every host needs an address of its own.']


@pytest.mark.parametrize('name', ['harborops_vip_address', 'harborops_vip_name'])
def test_vip_and_its_name_are_required_and_agreed(name):
    hostvars, groups = inventory()
    del hostvars['harbor1'][name]
    assert errors(hostvars, groups)[0].startswith('%s: not set (for harbor1)' % name)
    hostvars['harbor1'][name] = '192.0.2.101'
    assert errors(hostvars, groups)[0].startswith('%s: the Harbor nodes disagree (' % name)


def test_vip_subnet_rule_uses_each_nodes_prefix():
    assert errors(*inventory(harborops_vip_address='198.51.100.100')) == [
        'harborops_vip_address: 198.51.100.100 is outside the subnet of Harbor node %s (192.0.2.0/24, from '
        'harborops_address 192.0.2.%s and harborops_vip_prefix 24): keepalived can only raise the VIP inside the '
        "subnet of the node's interface, so it must lie in the subnet of every node." % (host, last)
        for host, last in (('harbor1', 11), ('harbor2', 12))]
    # 192.0.2.200 is in 192.0.2.0/24 but not in 192.0.2.0/25.
    assert errors(*inventory(harborops_vip_address='192.0.2.200')) == []
    found = errors(*inventory(harborops_vip_address='192.0.2.200', harborops_vip_prefix=25))
    assert len(found) == 2 and all('outside the subnet' in e and '192.0.2.0/25' in e for e in found)
    # The default prefix is a parameter (the role's topology_default_vip_prefix).
    assert len(errors(*inventory(harborops_vip_address='192.0.2.200'), default_prefix=25)) == 2
    # A wider prefix on one node only: the VIP must still fit the other.
    hostvars, groups = inventory(harborops_vip_address='192.0.3.100')
    hostvars['harbor1']['harborops_vip_prefix'] = 16
    assert [e.split(' (')[0] for e in errors(hostvars, groups)] == [
        'harborops_vip_address: 192.0.3.100 is outside the subnet of Harbor node harbor2']
    assert errors(*inventory(harborops_vip_prefix='wide'))[0] == (
        "harborops_vip_prefix: 'wide' on harbor1 is not a prefix length (1-32).")
    assert errors(*inventory(harborops_vip_address='192.0.2.255'))[0].startswith(
        'harborops_vip_address: 192.0.2.255 is the network or broadcast address of 192.0.2.0/24')
    assert errors(*inventory(harborops_vip_address='192.0.2.12')) == [
        'harborops_vip_address: 192.0.2.12 is also the harborops_address of harbor2; the VIP needs an address of its own.']
    assert errors(*inventory(harborops_vip_address='vip.example.test')) == [
        "harborops_vip_address: 'vip.example.test' is not an IPv4 address."]


def test_vip_name_is_no_hosts_name():
    assert errors(*inventory(harborops_vip_name='harbor1.example.test')) == [
        "harborops_vip_name: 'harbor1.example.test' is also the inventory name of harbor1; the VIP needs a name of its "
        "own (replication and the certificate address each node by its own name)."]


@pytest.mark.parametrize('value, what', [
    ('192.0.2.100', 'the VIP (harborops_vip_address 192.0.2.100)'),
    ('Harbor.Example.Test', 'the VIP name (harborops_vip_name harbor.example.test)'),
])
def test_harbor_hostname_is_not_the_vip(value, what):
    hostvars, groups = inventory()
    hostvars['harbor2']['harbor_hostname'] = value
    assert errors(hostvars, groups) == [
        "harbor_hostname: harbor2 sets it to %s; each node's Harbor hostname must be the node's own name or address "
        "(replication and the token service reach nodes one by one). Leave it unset for the default." % what]
    hostvars['harbor2']['harbor_hostname'] = '192.0.2.12'
    assert errors(hostvars, groups) == []


def test_shared_storage_needs_its_back_end_groups():
    hostvars, groups = inventory('shared_storage', db=('db1', 'db2'), harbor_data=False)
    del groups['redis']
    groups['postgresql'] = []
    assert errors(hostvars, groups) == [
        "groups: harborops_topology is shared_storage but group 'postgresql' has no host (the PostgreSQL/Patroni "
        "hosts of the shared database).",
        "groups: harborops_topology is shared_storage but group 'redis' has no host (the Redis/Sentinel hosts of the "
        "shared cache).",
        "groups: group 'etcd' has 2 hosts (db1, db2); etcd needs an odd number (1, 3, 5) so that a majority survives "
        "a failure.",
        "groups: harborops_topology is shared_storage but Harbor node(s) harbor1, harbor2 are not in group "
        "'harbor_data' (the shared /data volume and the node's database endpoint).",
    ]
    # The same groups mean nothing to dual_master.
    assert errors(*inventory('dual_master', db=('db1', 'db2'))) == []


def test_a_value_that_cannot_be_evaluated_is_named():
    class Broken(dict):
        def __getitem__(self, name):
            if name == 'harborops_vip_name':
                raise ValueError("'vip_domain' is undefined")
            return dict.__getitem__(self, name)

    hostvars, groups = inventory()
    hostvars['harbor1'] = Broken(hostvars['harbor1'])
    assert errors(hostvars, groups)[0] == "harborops_vip_name: cannot be evaluated on harbor1: 'vip_domain' is undefined"
