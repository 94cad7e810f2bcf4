# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
name: replication_edges
short_description: Who pushes to whom in a Harbor replication topology
version_added: 0.1.0
description:
  - Turns an ordered list of Harbor nodes and a topology name into the list of push edges
    C({src, dest}), one per replication endpoint and policy the source node needs.
  - V(mesh) every node pushes to every other node (dual-master and beyond two nodes).
  - V(fan_out) the primary pushes to every other node.
  - V(chain) each node pushes to the next one in the list (HQ -> branch -> branch).
  - V(none) no replication.
options:
  _input:
    description: Harbor node names, in order (order matters for V(chain), and for V(fan_out) when no primary is given).
    type: list
    elements: str
    required: true
  topology:
    description: Topology name.
    type: str
    choices: [mesh, fan_out, chain, none]
    required: true
  primary:
    description: The pushing node of V(fan_out); defaults to the first node.
    type: str
'''

EXAMPLES = r'''
- name: Edges of a dual-master pair
  ansible.builtin.debug:
    msg: "{{ ['harbor1', 'harbor2'] | harborops.ha.replication_edges('mesh') }}"
  # [{src: harbor1, dest: harbor2}, {src: harbor2, dest: harbor1}]
'''

RETURN = r'''
_value:
  description: Push edges, sorted by source then destination for mesh and fan_out, in list order for chain.
  type: list
  elements: dict
'''

from ansible.errors import AnsibleFilterError

TOPOLOGIES = ('mesh', 'fan_out', 'chain', 'none')


def replication_edges(nodes, topology, primary=None):
    if topology not in TOPOLOGIES:
        raise AnsibleFilterError('replication_edges: topology must be one of %s, got %r' % (', '.join(TOPOLOGIES), topology))
    if not isinstance(nodes, (list, tuple)) or not all(isinstance(n, str) and n for n in nodes):
        raise AnsibleFilterError('replication_edges: the input must be a list of node names')
    duplicates = sorted(set(n for n in nodes if list(nodes).count(n) > 1))
    if duplicates:
        raise AnsibleFilterError('replication_edges: node names appear more than once: %s' % ', '.join(duplicates))
    if topology == 'none' or len(nodes) < 2:
        return []
    if topology == 'mesh':
        return [{'src': s, 'dest': d} for s in sorted(nodes) for d in sorted(nodes) if s != d]
    if topology == 'fan_out':
        hub = primary or nodes[0]
        if hub not in nodes:
            raise AnsibleFilterError('replication_edges: primary %r is not one of the nodes %s' % (hub, ', '.join(nodes)))
        return [{'src': hub, 'dest': d} for d in sorted(nodes) if d != hub]
    return [{'src': nodes[i], 'dest': nodes[i + 1]} for i in range(len(nodes) - 1)]


class FilterModule(object):
    def filters(self):
        return {'replication_edges': replication_edges}
