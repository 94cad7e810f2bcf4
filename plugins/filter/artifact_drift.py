# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
name: artifact_drift
short_description: Compare the artifacts every Harbor node holds
version_added: 0.1.0
description:
  - Takes, per node, the C(artifacts) list gathered by M(harborops.ha.harbor_info) and reports, per repository,
    which digests each node holds and whether all nodes agree.
  - Event-based replication is not retried by Harbor, so after a node was down this is how drift is found.
options:
  _input:
    description: Mapping of node name to that node's artifact list (each item has C(repository) and C(digest), optionally C(tags)).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Report drift between the nodes
  ansible.builtin.set_fact:
    drift: "{{ {'harbor1': h1.artifacts, 'harbor2': h2.artifacts} | harborops.ha.artifact_drift }}"
'''

RETURN = r'''
_value:
  description: Drift report.
  type: dict
  contains:
    in_sync:
      description: True when every node holds the same digests (and tags) in every repository.
      type: bool
    repositories:
      description: Per repository, C(in_sync) and per node the sorted C(digest) list (C(digest:tag) for tagged artifacts).
      type: dict
    differing:
      description: Names of the repositories that differ, sorted.
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError


def _holdings(artifacts):
    """repository -> sorted list of 'digest' / 'digest:tag' entries for one node."""
    held = {}
    for art in artifacts or []:
        if not isinstance(art, dict) or 'repository' not in art or 'digest' not in art:
            raise AnsibleFilterError('artifact_drift: every artifact needs repository and digest, got %r' % (art,))
        tags = art.get('tags') or []
        entries = ['%s:%s' % (art['digest'], t) for t in tags] or [art['digest']]
        held.setdefault(art['repository'], set()).update(entries)
    return dict((repo, sorted(v)) for repo, v in held.items())


def artifact_drift(artifacts_by_node):
    if not isinstance(artifacts_by_node, dict) or not artifacts_by_node:
        raise AnsibleFilterError('artifact_drift: the input must be a non-empty mapping of node name to artifact list')
    holdings = dict((node, _holdings(arts)) for node, arts in artifacts_by_node.items())
    repositories = {}
    for repo in sorted(set(r for h in holdings.values() for r in h)):
        per_node = dict((node, h.get(repo, [])) for node, h in holdings.items())
        views = set(tuple(v) for v in per_node.values())
        repositories[repo] = {'in_sync': len(views) == 1, 'nodes': per_node}
    differing = sorted(r for r, v in repositories.items() if not v['in_sync'])
    return {'in_sync': not differing, 'repositories': repositories, 'differing': differing}


class FilterModule(object):
    def filters(self):
        return {'artifact_drift': artifact_drift}
