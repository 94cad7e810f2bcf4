#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: harbor_registry
short_description: Manage Harbor registry endpoints (replication targets and proxy-cache upstreams)
version_added: 0.1.0
description:
  - Create, update or delete a registry endpoint in Harbor (Administration > Registries), identified by its exact O(name).
  - Harbor checks that the remote registry answers on every create and update; an unreachable remote fails the task
    and nothing is changed.
  - Harbor never returns the stored secret, so O(access_secret) is only sent on creation unless O(update_secret=always).
author:
  - harborops maintainers (@harborops)
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_attributes
options:
  name:
    description: Name of the registry endpoint (unique in Harbor, at most 64 characters).
    type: str
    required: true
  state:
    description: Whether the endpoint should exist.
    type: str
    choices: [present, absent]
    default: present
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
  description:
    description: Free-text description. Left unmanaged when not set.
    type: str
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

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, HarborModule
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import (
    changed_keys, diff_view, normalize_url)

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


def create_body(params):
    body = {
        'name': params['name'],
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


def ensure(module):
    params = module.params
    existing = module.find_by_name('/registries', params['name'])
    managed = [k for k in ('name', 'type', 'url', 'access_key', 'insecure', 'description', 'ca_certificate')
               if params.get(k) is not None]

    if params['state'] == 'absent':
        module.ensure_absent('registry', existing, '/registries', view=current_view)
        return

    if existing and params['type'] and existing.get('type') != params['type']:
        if not params['recreate_on_type_change']:
            raise HarborError('registry %r has type %r but type=%r was requested: Harbor cannot change the type of '
                              'an endpoint; set recreate_on_type_change=true to delete and re-create it'
                              % (params['name'], existing.get('type'), params['type']))
        module.delete('/registries/%d' % existing['id'])
        module.set_diff(current_view(existing), {})
        existing = None

    if not existing:
        for required in ('type', 'url'):
            if not params[required]:
                raise HarborError('%s is required to create registry %r' % (required, params['name']))
        body = create_body(params)
        after = dict((k, v) for k, v in desired_view(params).items() if k in managed)
        module.set_diff({}, after)
        new_id = module.create('/registries', body)
        module.result.update(id=new_id, registry=module.get('/registries/%s' % new_id) if new_id else {})
        return

    current = current_view(existing)
    desired = desired_view(params)
    changes = changed_keys(current, desired)
    body, secret_sent = update_body(changes, desired, params)
    before, after = diff_view(current, desired, managed)
    module.set_diff(before, after)
    module.result['id'] = existing['id']
    if body:
        module.write('PUT', '/registries/%d' % existing['id'], body)
        if secret_sent:
            module.result['secret_updated'] = True
    module.result['registry'] = module.get('/registries/%d' % existing['id']) if not module.check_mode else existing


def main():
    module = HarborModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            type=dict(type='str', choices=REGISTRY_TYPES),
            url=dict(type='str'),
            access_key=dict(type='str', no_log=False),
            access_secret=dict(type='str', no_log=True),
            credential_type=dict(type='str', default='basic', choices=['basic', 'oauth']),
            update_secret=dict(type='str', default='on_create', choices=['always', 'on_create'], no_log=False),
            insecure=dict(type='bool'),
            description=dict(type='str'),
            ca_certificate=dict(type='str'),
            recreate_on_type_change=dict(type='bool', default=False),
        ),
    )
    module.run(ensure)


if __name__ == '__main__':
    main()
