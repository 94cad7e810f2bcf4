"""Replication topologies: who pushes to whom."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.harborops.ha.plugins.filter.replication_edges import replication_edges


def pairs(edges):
    return [(e['src'], e['dest']) for e in edges]


def test_mesh_of_two_is_dual_master():
    assert pairs(replication_edges(['harbor2', 'harbor1'], 'mesh')) == [('harbor1', 'harbor2'), ('harbor2', 'harbor1')]


def test_mesh_of_three_has_every_ordered_pair_once():
    edges = pairs(replication_edges(['a', 'b', 'c'], 'mesh'))
    assert len(edges) == 6 and len(set(edges)) == 6
    assert all(s != d for s, d in edges)


def test_fan_out_defaults_to_first_node_and_honours_primary():
    assert pairs(replication_edges(['hq', 'b1', 'b2'], 'fan_out')) == [('hq', 'b1'), ('hq', 'b2')]
    assert pairs(replication_edges(['hq', 'b1', 'b2'], 'fan_out', 'b2')) == [('b2', 'b1'), ('b2', 'hq')]


def test_chain_follows_list_order():
    assert pairs(replication_edges(['hq', 'branch1', 'branch0'], 'chain')) == [('hq', 'branch1'), ('branch1', 'branch0')]


def test_single_node_and_none_give_no_edges():
    assert replication_edges(['only'], 'mesh') == []
    assert replication_edges(['a', 'b'], 'none') == []


@pytest.mark.parametrize('nodes, topology, primary, message', [
    (['a', 'b'], 'ring', None, 'topology must be one of'),
    (['a', 'a'], 'mesh', None, 'more than once: a'),
    (['a', 'b'], 'fan_out', 'z', "primary 'z' is not one of"),
    ('a,b', 'mesh', None, 'list of node names'),
])
def test_bad_input_is_named(nodes, topology, primary, message):
    with pytest.raises(AnsibleFilterError, match=message):
        replication_edges(nodes, topology, primary)
