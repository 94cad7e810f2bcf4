#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_registry
short_description: Manage Harbor registry endpoints (replication targets and proxy-cache upstreams)
version_added: 0.1.0
description:
  - Create, update or delete a registry endpoint in Harbor (Administration > Registries), identified by its exact O(name).
  - Harbor checks that the remote registry answers on every create and update; an unreachable remote fails the task
    and nothing is changed.
  - Harbor never returns the stored secret, so O(access_secret) is only sent on creation unless O(update_secret=always).
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource.described
options:
  name:
    description: Name of the registry endpoint (unique in Harbor, at most 64 characters).
    type: str
    required: true
  type:
    description:
      - Adapter type of the remote registry. Required to create an endpoint.
      - Harbor cannot change the type of an existing endpoint, see O(recreate_on_type_change).
    type: str
    choices: [harbor, docker-hub, docker-registry, huawei-SWR, google-gcr, aws-ecr, azure-acr, ali-acr,
              jfrog-artifactory, quay, gitlab, dtr, tencent-tcr, github-ghcr, volcengine-cr]
  url:
    description:
      - URL of the remote registry. Required to create an endpoint.
      - Compared the way Harbor stores it (trailing C(/) and query removed, C(http://) added when no scheme).
    type: str
  access_key:
    description: User name (or robot name, or access key ID) Harbor uses to log in to the remote registry.
    type: str
  access_secret:
    description: Password or secret for O(access_key). Write-only, see O(update_secret).
    type: str
  credential_type:
    description: How Harbor authenticates to the remote.
    type: str
    choices: [basic, oauth]
    default: basic
  update_secret:
    description:
      - V(on_create) sends O(access_secret) only when the endpoint is created, or together with a changed O(access_key)
        or O(url).
      - V(always) sends it on every run, which always reports a change (Harbor cannot tell whether it differs).
    type: str
    choices: [always, on_create]
    default: on_create
  insecure:
    description: Skip TLS verification of the remote registry. Left unmanaged when not set.
    type: bool
  ca_certificate:
    description:
      - PEM CA certificate Harbor uses to verify the remote (Harbor 2.15 and later). Left unmanaged when not set.
    type: str
  recreate_on_type_change:
    description:
      - When the existing endpoint has another O(type), delete and re-create it instead of failing.
      - Harbor refuses the deletion while replication policies or proxy-cache projects reference the endpoint.
    type: bool
    default: false
seealso:
  - module: harborops.ha.harbor_replication_policy
'''

EXAMPLES = r'''
- name: Register the peer Harbor of the other site
  harborops.ha.harbor_registry:
    harbor_url: https://harbor-a.example.com
    harbor_username: admin
    harbor_password: "{{ vault_harbor_admin_password }}"
    name: site-b
    type: harbor
    url: https://harbor-b.example.com
    access_key: robot$replicator
    access_secret: "{{ vault_replicator_secret }}"
    description: DR peer

- name: Rotate the secret (always sends it, so always reports a change)
  harborops.ha.harbor_registry:
    name: site-b
    access_secret: "{{ vault_new_secret }}"
    update_secret: always

- name: Remove the endpoint
  harborops.ha.harbor_registry:
    name: site-b
    state: absent
'''

RETURN = r'''
registry:
  description: The endpoint as Harbor returns it after the run (the secret is masked by Harbor as C(*****)). Empty when absent.
  returned: always
  type: dict
  sample:
    id: 3
    name: site-b
    type: harbor
    url: https://harbor-b.example.com
    insecure: false
    status: healthy
    credential: {type: basic, access_key: robot$replicator, access_secret: '*****'}
id:
  description: Id of the endpoint (null in check mode for an endpoint that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 3
secret_updated:
  description: True when O(access_secret) was sent to Harbor in an update (the value itself is never returned).
  returned: when the secret was sent in an update
  type: bool
  sample: true
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, Resource, Secret, converge_main
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import normalize_url

REGISTRY_TYPES = ['harbor', 'docker-hub', 'docker-registry', 'huawei-SWR', 'google-gcr', 'aws-ecr', 'azure-acr',
                  'ali-acr', 'jfrog-artifactory', 'quay', 'gitlab', 'dtr', 'tencent-tcr', 'github-ghcr',
                  'volcengine-cr']


def current_view(registry):
    """The comparable, secret-free fields of a GET /registries/{id} answer."""
    credential = registry.get('credential') or {}
    return {
        'name': registry.get('name'),
        'type': registry.get('type'),
        'url': normalize_url(registry.get('url')),
        'access_key': credential.get('access_key') or '',
        'credential_type': credential.get('type') or 'basic',
        'insecure': bool(registry.get('insecure', False)),
        'description': registry.get('description') or '',
        'ca_certificate': (registry.get('ca_certificate') or '').strip(),
    }


def desired_view(params):
    """What the user asked for; None means 'not managed'."""
    return {
        'name': params['name'],
        'type': params['type'],
        'url': normalize_url(params['url']),
        'access_key': params['access_key'],
        # the credential type only matters when there is a credential
        'credential_type': params['credential_type'] if params['access_key'] else None,
        'insecure': params['insecure'],
        'description': params['description'],
        'ca_certificate': params['ca_certificate'].strip() if params['ca_certificate'] is not None else None,
    }


def update_body(changes, desired, params):
    """Harbor's flat RegistryUpdate: only what changes, plus the secret when due."""
    body = {}
    for key in changes:
        body[key] = desired[key]
    if 'credential_type' in body or 'access_key' in body:
        body['credential_type'] = params['credential_type']
    send_secret = params['access_secret'] is not None and (
        params['update_secret'] == 'always' or 'access_key' in changes or 'url' in changes)
    if send_secret:
        body['access_secret'] = params['access_secret']
        body.setdefault('access_key', params['access_key'])
        body.setdefault('credential_type', params['credential_type'])
    return body, send_secret


def create_body(params, name=None):
    body = {
        'name': name or params['name'],
        'type': params['type'],
        'url': normalize_url(params['url']),
        'insecure': bool(params['insecure']),
        'description': params['description'] or '',
    }
    if params['access_key']:
        body['credential'] = {'type': params['credential_type'], 'access_key': params['access_key'],
                              'access_secret': params['access_secret'] or ''}
    if params['ca_certificate']:
        body['ca_certificate'] = params['ca_certificate']
    return body


def staging_name(name):
    """Where a re-created endpoint waits until the old one is gone (Harbor's names: at most 64)."""
    return name[:54] + '.recreate'


class Registry(Resource):
    """A type change re-creates the endpoint without a window where neither exists because of a
    failed create: the new one is created under staging_name() first (Harbor checks the remote
    then), the old one deleted, the new one renamed. A run that stops in between leaves the
    staged endpoint, which the next run finds and renames."""

    key = 'registry'
    path = '/registries'
    secret = Secret('access_secret')
    described = True
    since = {'ca_certificate': (2, 15, 0)}

    def input_errors(self):
        errors = super(Registry, self).input_errors()
        if len(self.name) > 64:
            errors.append('name must be at most 64 characters (Harbor\'s limit)')
        if self.params['state'] == 'present' and self.params['url'] is not None and not self.params['url'].strip():
            errors.append('url must not be empty')
        return errors

    def find(self):
        return (self.module.find_by_name(self.path, self.name)
                or self.module.find_by_name(self.path, staging_name(self.name)))

    def public(self, obj):
        obj = dict(obj or {})
        if isinstance(obj.get('credential'), dict):
            obj['credential'] = dict(obj['credential'], access_secret='*****')
        return obj

    def label(self, obj):
        return current_view(obj)

    def current(self, obj):
        if self.params['type'] and obj.get('type') != self.params['type'] and not self.params['recreate_on_type_change']:
            raise HarborError('registry %r has type %r but type=%r was requested: Harbor cannot change the type of '
                              'an endpoint; set recreate_on_type_change=true to delete and re-create it'
                              % (self.name, obj.get('type'), self.params['type']))
        return current_view(obj)

    def desired(self):
        return desired_view(self.params)

    def create_body(self):
        for required in ('type', 'url'):
            if not self.params[required]:
                raise HarborError('%s is required to create registry %r' % (required, self.name))
        return create_body(self.params)

    def send_secret(self, changes):
        return update_body(changes, desired_view(self.params), self.params)[1]

    def update(self, existing, current, desired, changes, secret):
        if 'type' in changes:
            self.recreate(existing)
            return
        body, sent = update_body(changes, desired, self.params)
        self.module.request('PUT', self.object_path(existing), body=body)
        if sent:
            self.module.result['secret_updated'] = True

    def recreate(self, existing):
        staged = staging_name(self.name)
        if existing['name'] != staged:
            old = self.module.find_by_name(self.path, staged)
            if old:  # a staged copy from an earlier attempt: start over from the parameters
                self.module.delete('/registries/%d' % old['id'])
            response = self.module.request('POST', self.path, body=create_body(self.params, staged), ok=(201,))
            tail = response.headers.get('Location', '').rstrip('/').rsplit('/', 1)[-1]
            new = {'id': int(tail)} if tail.isdigit() else self.module.find_by_name(self.path, staged)
            try:
                self.module.request('DELETE', self.object_path(existing), ok=(200, 404))
            except HarborError as exc:
                self.module.delete('/registries/%d' % new['id'])
                raise HarborError('registry %r: the old endpoint (type %r) could not be deleted, so nothing was '
                                  're-created: %s' % (self.name, existing.get('type'), exc), status=exc.status)
            existing = new
        self.module.request('PUT', '/registries/%d' % existing['id'], body={'name': self.name})
        self.module.result['id'] = existing['id']
        self.recreated = existing

    def finish(self):
        if getattr(self, 'recreated', None):
            self.module.result[self.key] = self.public(self.read(self.recreated))


def main():
    converge_main(Registry, dict(
        type=dict(type='str', choices=REGISTRY_TYPES),
        url=dict(type='str'),
        access_key=dict(type='str', no_log=False),
        credential_type=dict(type='str', default='basic', choices=['basic', 'oauth']),
        insecure=dict(type='bool'),
        ca_certificate=dict(type='str'),
        recreate_on_type_change=dict(type='bool', default=False),
    ))


if __name__ == '__main__':
    main()
