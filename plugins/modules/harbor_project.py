#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

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
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource
options:
  name:
    description: Project name (lower case letters, digits and C(._-) separators).
    type: str
    required: true
  public:
    description: Anyone may pull from a public project. Left unmanaged when not set (Harbor creates private projects).
    type: bool
  metadata:
    description:
      - Other project metadata keys, among C(auto_scan), C(prevent_vul), C(severity), C(reuse_sys_cve_allowlist),
        C(enable_content_trust), C(enable_content_trust_cosign), C(auto_sbom_generation), and for proxy-cache projects
        C(proxy_speed_kb), C(max_upstream_conn) (Harbor 2.14.1 and later) and C(proxy_cache_local_on_not_found) (2.15.1).
      - Any other key, a proxy-cache key on a normal project, or a key the Harbor answering is too old for, fails before
        anything is changed (Harbor would drop it silently, and the task would report a change on every run).
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

import re

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, Resource, converge_main
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import harbor_bool

MAX_QUOTA = 1024 ** 5  # Harbor's upper bound: 1024 TB
NAME_RE = re.compile(r'^[a-z0-9]+(?:[._-][a-z0-9]+)*$')  # Harbor's project name rule (src/lib/utils)
# ProjectMetadata keys Harbor keeps (ProjectMetadata in api/v2.0/swagger.yaml of each tag), with the
# first release that has them where it is inside the supported range (2.12 has all the others); any
# other key Harbor drops, so it could never converge. retention_id is Harbor's own (retention API).
METADATA_SINCE = {
    'public': None, 'enable_content_trust': None, 'enable_content_trust_cosign': None, 'prevent_vul': None,
    'severity': None, 'auto_scan': None, 'auto_sbom_generation': None, 'reuse_sys_cve_allowlist': None,
    'proxy_speed_kb': None, 'max_upstream_conn': (2, 14, 1), 'proxy_cache_local_on_not_found': (2, 15, 1),
}
PROXY_ONLY = ('proxy_speed_kb', 'max_upstream_conn', 'proxy_cache_local_on_not_found')
SEVERITIES = ('none', 'low', 'medium', 'high', 'critical')


def desired_metadata(params):
    """User metadata in Harbor's string form (severity lower-cased as Harbor stores it); ``public`` folded in."""
    meta = dict((str(k), harbor_bool(v)) for k, v in (params['metadata'] or {}).items())
    if 'severity' in meta:
        meta['severity'] = meta['severity'].lower()
    if params['public'] is not None:
        meta['public'] = harbor_bool(params['public'])
    return meta


def metadata_errors(meta, proxy=None):
    """Keys Harbor would drop (unknown, or proxy-only on a normal project) and bad severities."""
    errors = []
    unknown = sorted(set(meta) - set(METADATA_SINCE))
    if unknown:
        errors.append('metadata: Harbor does not keep %s (known keys: %s)'
                      % (', '.join(unknown), ', '.join(sorted(METADATA_SINCE))))
    if meta.get('severity') is not None and meta['severity'] not in SEVERITIES:
        errors.append('metadata.severity must be one of %s, got %r' % (', '.join(SEVERITIES), meta['severity']))
    if proxy is False:
        only = sorted(k for k in PROXY_ONLY if k in meta)
        if only:
            errors.append('metadata: %s only apply to proxy-cache projects (see proxy_cache_registry); Harbor drops '
                          'them on other projects' % ', '.join(only))
    return errors


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


class Project(Resource):
    key = 'project'
    path = '/projects'
    id_key = 'project_id'

    def __init__(self, module):
        super(Project, self).__init__(module)
        self.meta = desired_metadata(self.params)
        self.registry_id = None
        self.quota = None

    @property
    def since(self):
        return dict(('metadata.%s' % k, METADATA_SINCE[k]) for k in self.meta if METADATA_SINCE.get(k))

    def input_errors(self):
        errors = super(Project, self).input_errors()
        if errors:
            return errors
        if not NAME_RE.match(self.name) or len(self.name) > 255:
            errors.append('name %r must be lower-case letters and digits separated by single . _ or - '
                          '(Harbor\'s project name rule)' % self.name)
        if self.params['state'] == 'present':
            problem = quota_error(self.params['storage_quota'])
            if problem:
                errors.append(problem)
            proxy = True if self.params['proxy_cache_registry'] else None
            errors.extend(metadata_errors(self.meta, proxy))
        return errors

    def prepare(self):
        name = self.params['proxy_cache_registry']
        if name and self.params['state'] == 'present':
            registry = self.module.find_by_name('/registries', name)
            if not registry:
                raise HarborError('proxy_cache_registry: no registry endpoint named %r exists in Harbor' % name)
            self.registry_id = registry['id']

    def desired(self):
        return {'metadata': self.meta or None, 'storage_quota': self.params['storage_quota']}

    def current(self, obj):
        proxy = bool(obj.get('registry_id'))
        if self.registry_id is not None and (obj.get('registry_id') or 0) != self.registry_id:
            raise HarborError('project %r exists with proxy-cache registry id %s; Harbor cannot change it to %r '
                              '(delete and re-create the project)'
                              % (self.name, obj.get('registry_id') or 'none', self.params['proxy_cache_registry']))
        errors = metadata_errors(self.meta, proxy)
        if errors:
            raise HarborError('; '.join(errors))
        meta = obj.get('metadata') or {}
        view = {'metadata': dict((k, meta.get(k)) for k in self.meta)}
        if self.params['storage_quota'] is not None:
            self.quota = project_quota(self.module, obj[self.id_key])
            if self.quota is None:
                raise HarborError('project %r has no quota record (is quota_per_project_enable off?)' % self.name)
            view['storage_quota'] = self.quota.get('hard', {}).get('storage')
        return view

    def diff(self, current, desired, keys):
        before, after = super(Project, self).diff(current, desired, keys)
        if not current:
            after['name'] = self.name
            if self.params['proxy_cache_registry']:
                after['proxy_cache_registry'] = self.params['proxy_cache_registry']
        return before, after

    def create_body(self):
        body = {'project_name': self.name, 'metadata': self.meta}
        if self.params['storage_quota'] is not None:
            body['storage_limit'] = self.params['storage_quota']
        if self.registry_id:
            body['registry_id'] = self.registry_id
        return body

    def create(self):
        created = super(Project, self).create()
        self.recover(created)
        return created

    def recover(self, found):
        """storage_limit at creation is ignored for non-admins or with per-project quotas off: check it."""
        if self.params['storage_quota'] is not None:
            quota = project_quota(self.module, found[self.id_key])
            if quota and quota.get('hard', {}).get('storage') != self.params['storage_quota']:
                self.module.request('PUT', '/quotas/%d' % quota['id'], body={'hard': {'storage': self.params['storage_quota']}})
        return found

    def finish(self):
        if self.params['storage_quota'] is not None:
            self.module.result['storage_quota'] = self.params['storage_quota']

    def update(self, existing, current, desired, changes, secret):
        if 'metadata' in changes:
            meta = current['metadata']
            self.module.request('PUT', self.object_path(existing),
                                body={'metadata': dict((k, v) for k, v in self.meta.items() if meta.get(k) != v)})
        if 'storage_quota' in changes:
            self.module.request('PUT', '/quotas/%d' % self.quota['id'],
                                body={'hard': {'storage': self.params['storage_quota']}})


def main():
    converge_main(Project, dict(
        public=dict(type='bool'),
        metadata=dict(type='dict'),
        storage_quota=dict(type='int'),
        proxy_cache_registry=dict(type='str'),
    ))


if __name__ == '__main__':
    main()
