#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: harbor_project
short_description: Manage Harbor projects, their metadata, storage quota and proxy-cache upstream
version_added: 0.1.0
description:
  - Create, update or delete a Harbor project identified by its exact O(name).
  - Only the metadata keys you give are managed; others are left as they are.
  - The storage quota is set through Harbor's C(/quotas) API, so it can be changed after creation.
  - Harbor cannot rename a project or change its proxy-cache registry; asking for another O(proxy_cache_registry)
    fails with a clear message.
  - Harbor refuses to delete a project that still contains repositories.
author:
  - harborops maintainers (@harborops)
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_attributes
options:
  name:
    description: Project name (lower case letters, digits and C(._-) separators).
    type: str
    required: true
  state:
    description: Whether the project should exist.
    type: str
    choices: [present, absent]
    default: present
  public:
    description: Anyone may pull from a public project. Left unmanaged when not set (Harbor creates private projects).
    type: bool
  metadata:
    description:
      - Other project metadata keys, for example C(auto_scan), C(prevent_vul), C(severity), C(reuse_sys_cve_allowlist),
        C(enable_content_trust_cosign), C(auto_sbom_generation), C(proxy_speed_kb), C(max_upstream_conn).
      - Harbor stores every value as a string; booleans are converted to C(true)/C(false).
    type: dict
  storage_quota:
    description:
      - Storage quota of the project in bytes; V(-1) is unlimited. Left unmanaged when not set.
    type: int
  proxy_cache_registry:
    description:
      - Name of a registry endpoint (see M(harborops.ha.harbor_registry)); makes the project a proxy cache of it.
      - Only applied at creation (Harbor cannot change it later).
    type: str
seealso:
  - module: harborops.ha.harbor_project_member
'''

EXAMPLES = r'''
- name: A private project scanned on push, 50 GiB quota
  harborops.ha.harbor_project:
    name: team-a
    public: false
    metadata:
      auto_scan: true
      prevent_vul: true
      severity: high
    storage_quota: 53687091200

- name: A pull-through cache of Docker Hub
  harborops.ha.harbor_project:
    name: dockerhub-proxy
    public: true
    proxy_cache_registry: docker-hub

- name: Remove an (empty) project
  harborops.ha.harbor_project:
    name: team-a
    state: absent
'''

RETURN = r'''
project:
  description: The project as Harbor returns it after the run (empty when absent).
  returned: always
  type: dict
  sample: {project_id: 5, name: team-a, metadata: {public: 'false', auto_scan: 'true'}, repo_count: 0}
id:
  description: Id of the project (null in check mode for a project that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 5
storage_quota:
  description: Storage quota in bytes after the run (V(-1) unlimited).
  returned: when O(storage_quota) is set
  type: int
  sample: 53687091200
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, HarborModule
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import harbor_bool

MAX_QUOTA = 1024 ** 5  # Harbor's upper bound: 1024 TB


def desired_metadata(params):
    """User metadata in Harbor's string form; ``public`` folded in."""
    meta = dict((str(k), harbor_bool(v)) for k, v in (params['metadata'] or {}).items())
    if params['public'] is not None:
        meta['public'] = harbor_bool(params['public'])
    return meta


def metadata_changes(current, desired):
    """Keys of desired metadata whose string value differs (severity is lower-cased by Harbor)."""
    current = current or {}
    changes = {}
    for key, value in desired.items():
        have = current.get(key)
        if key == 'severity' and have is not None:
            have, value = have.lower(), value.lower()
        if have != value:
            changes[key] = desired[key]
    return changes


def quota_error(quota):
    if quota is None or quota == -1 or 1 <= quota <= MAX_QUOTA:
        return None
    return 'storage_quota must be -1 (unlimited) or between 1 and %d bytes, got %d' % (MAX_QUOTA, quota)


def project_quota(module, project_id):
    quotas = module.list('/quotas', {'reference': 'project', 'reference_id': project_id})
    for quota in quotas:
        if str((quota.get('ref') or {}).get('id')) == str(project_id):
            return quota
    return quotas[0] if quotas else None


def ensure(module):
    params = module.params
    problem = quota_error(params['storage_quota'])
    if problem:
        raise HarborError(problem)
    existing = module.find_by_name('/projects', params['name'])

    if params['state'] == 'absent':
        module.ensure_absent('project', existing, '/projects', id_key='project_id')
        return

    meta = desired_metadata(params)
    registry_id = None
    if params['proxy_cache_registry']:
        registry = module.find_by_name('/registries', params['proxy_cache_registry'])
        if not registry:
            raise HarborError('proxy_cache_registry: no registry endpoint named %r exists in Harbor'
                              % params['proxy_cache_registry'])
        registry_id = registry['id']

    if not existing:
        body = {'project_name': params['name'], 'metadata': meta}
        if params['storage_quota'] is not None:
            body['storage_limit'] = params['storage_quota']
        if registry_id:
            body['registry_id'] = registry_id
        after = {'name': params['name'], 'metadata': meta}
        for key in ('storage_quota', 'proxy_cache_registry'):
            if params[key] is not None:
                after[key] = params[key]
        module.set_diff({}, after)
        project_id = module.create('/projects', body)
        module.result['id'] = project_id
        if project_id is None:
            module.result['project'] = {}
            return
        # storage_limit at creation is ignored for non-admins or with per-project quotas off: check it.
        if params['storage_quota'] is not None:
            quota = project_quota(module, project_id)
            if quota and quota.get('hard', {}).get('storage') != params['storage_quota']:
                module.write('PUT', '/quotas/%d' % quota['id'], {'hard': {'storage': params['storage_quota']}})
            module.result['storage_quota'] = params['storage_quota']
        module.result['project'] = module.get('/projects/%d' % project_id)
        return

    project_id = existing['project_id']
    module.result['id'] = project_id
    if registry_id is not None and (existing.get('registry_id') or 0) != registry_id:
        raise HarborError('project %r exists with proxy-cache registry id %s; Harbor cannot change it to %r '
                          '(delete and re-create the project)' % (params['name'], existing.get('registry_id') or 'none',
                                                                  params['proxy_cache_registry']))
    current_meta = existing.get('metadata') or {}
    changes = metadata_changes(current_meta, meta)
    before = {'metadata': dict((k, current_meta.get(k)) for k in changes)}
    after = {'metadata': changes}
    quota = None
    if params['storage_quota'] is not None:
        quota = project_quota(module, project_id)
        if quota is None:
            raise HarborError('project %r has no quota record (is quota_per_project_enable off?)' % params['name'])
        have = quota.get('hard', {}).get('storage')
        module.result['storage_quota'] = params['storage_quota']
        if have != params['storage_quota']:
            before['storage_quota'], after['storage_quota'] = have, params['storage_quota']
    if changes or 'storage_quota' in after:
        module.set_diff(before, after)
    if changes:
        module.write('PUT', '/projects/%d' % project_id, {'metadata': changes})
    if 'storage_quota' in after:
        module.write('PUT', '/quotas/%d' % quota['id'], {'hard': {'storage': params['storage_quota']}})
    module.report('project', '/projects/%d' % project_id, existing)


def main():
    module = HarborModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            public=dict(type='bool'),
            metadata=dict(type='dict'),
            storage_quota=dict(type='int'),
            proxy_cache_registry=dict(type='str'),
        ),
    )
    module.run(ensure)


if __name__ == '__main__':
    main()
