#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_preheat_instance
short_description: Manage Harbor's P2P preheat provider instances (Dragonfly, Kraken)
version_added: 0.1.0
description:
  - Create, update or delete the P2P preheat instance O(name), the provider Harbor asks to preheat artifacts.
  - Harbor does not contact the provider when an instance is saved.
  - O(auth_info) is write-only (Harbor 2.14.4 and newer never return it), see O(update_secret).
  - The vendor of an instance cannot change; remove it (O(state=absent)) and create it again.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource.described
options:
  name:
    description: Name of the instance, letters and digits separated by single C(.), C(_) or C(-).
    type: str
    required: true
  vendor:
    description: The provider. Required to create the instance.
    type: str
    choices: [dragonfly, kraken]
  endpoint:
    description: URL of the provider's manager. Required to create the instance.
    type: str
  auth_mode:
    description: How Harbor authenticates to the provider; all but V(NONE) need O(auth_info).
    type: str
    choices: [NONE, BASIC, OAUTH, CUSTOM]
    default: NONE
  auth_info:
    description:
      - The credentials of O(auth_mode), for example C(username) and C(password) for V(BASIC), C(token) for V(OAUTH).
        Write-only.
    type: dict
  update_secret:
    description:
      - V(on_create) sends O(auth_info) only when the instance is created (or changed otherwise on a Harbor older than
        2.14.4, which clears the credentials an update does not carry).
      - V(always) sends it on every run (Harbor cannot tell whether it differs, so this always reports a change).
    type: str
    choices: [always, on_create]
    default: on_create
  enabled:
    description: Whether the instance is enabled.
    type: bool
    default: true
  default:
    description: Whether this is the default instance.
    type: bool
    default: false
  insecure:
    description: Whether Harbor skips the verification of the provider's certificate.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Preheat through the Dragonfly manager
  harborops.ha.harbor_preheat_instance:
    name: dragonfly
    vendor: dragonfly
    endpoint: https://dragonfly-manager.example.com
    auth_mode: BASIC
    auth_info:
      username: harbor
      password: "{{ vault_dragonfly_password }}"
    default: true
'''

RETURN = r'''
instance:
  description: The instance as Harbor returns it after the run, never with its credentials (empty when absent, and in
    check mode for a new one).
  returned: always
  type: dict
  sample: {id: 1, name: dragonfly, vendor: dragonfly, endpoint: "https://dragonfly-manager.example.com", auth_mode: BASIC,
           enabled: true, default: true, insecure: false, status: Unknown, setup_timestamp: 1767225600}
id:
  description: Id of the instance (null in check mode for one that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 1
auth_info_updated:
  description: Whether O(auth_info) was sent by this run (the values are never returned).
  returned: when O(state=present)
  type: bool
  sample: false
'''

import re
from urllib.parse import quote

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, Resource, Secret, converge_main

NAME_RE = re.compile(r'^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$')  # src/server/v2.0/handler/preheat.go nameRegex
# from 2.14.4 an update without auth_info keeps the stored one (mergePreheatInstanceAuthOnUpdate)
KEEPS_AUTH = (2, 14, 4)
FIELDS = ('vendor', 'endpoint', 'description', 'auth_mode', 'enabled', 'default', 'insecure')


class PreheatInstance(Resource):
    key = 'instance'
    path = '/p2p/preheat/instances'
    secret = Secret('auth_info', type='dict', flag='auth_info_updated')
    described = True

    def input_errors(self):
        errors = super(PreheatInstance, self).input_errors()
        if self.name and not NAME_RE.match(self.name):
            errors.append('name %r must be letters and digits separated by single . _ or -' % self.name)
        if self.params['state'] == 'present':
            if self.params['auth_mode'] != 'NONE' and not self.params['auth_info']:
                errors.append('auth_info is required with auth_mode=%s' % self.params['auth_mode'])
            if self.params['auth_mode'] == 'NONE' and self.params['auth_info']:
                errors.append('auth_info is only used with an auth_mode other than NONE')
            info = self.params['auth_info'] or {}
            if not all(isinstance(value, str) for value in info.values()):
                errors.append('auth_info values must be strings')
        endpoint = self.params['endpoint']
        if endpoint is not None and not re.match(r'^https?://[^/\s]+', endpoint.strip()):
            errors.append('endpoint must be an http:// or https:// URL, got %r' % endpoint)
        return errors

    def find(self):
        return self.module.get(self.object_path({}))

    def object_path(self, obj):
        return '%s/%s' % (self.path, quote(self.name, safe=''))

    def current(self, obj):
        view = dict((key, obj.get(key)) for key in FIELDS)
        view.update(description=obj.get('description') or '', auth_mode=obj.get('auth_mode') or 'NONE',
                    enabled=bool(obj.get('enabled')), default=bool(obj.get('default')),
                    insecure=bool(obj.get('insecure')))
        if view['endpoint']:
            view['endpoint'] = view['endpoint'].rstrip('/')
        return view

    def desired(self):
        view = dict((key, self.params[key]) for key in FIELDS)
        if view['endpoint']:
            view['endpoint'] = view['endpoint'].strip().rstrip('/')
        return view

    def prepare(self):
        if self.params['vendor'] is not None and self.params['state'] == 'present':
            existing = self.find()
            if existing and existing.get('vendor') != self.params['vendor']:
                raise HarborError('vendor: instance %r is a %s instance and Harbor cannot change its vendor; remove it '
                                  '(state=absent) and create it again' % (self.name, existing.get('vendor')))

    def create_body(self):
        missing = [option for option in ('vendor', 'endpoint') if self.params[option] is None]
        if missing:
            raise HarborError('%s required to create preheat instance %r' % (' and '.join(missing), self.name))
        body = dict(self.desired(), name=self.name, description=self.params['description'] or '',
                    auth_info=self.params['auth_info'] or {})
        return body

    def create(self):
        self.module.request('POST', self.path, body=self.create_body(), ok=(201, 200))
        self.module.result['auth_info_updated'] = bool(self.params['auth_info'])
        created = self.find()
        if created is None:
            raise HarborError('Harbor created preheat instance %r but does not show it' % self.name)
        return created

    def update(self, existing, current, desired, changes, secret):
        version = self.module.harbor_version()
        send = secret or (version is not None and version < KEEPS_AUTH and self.params['auth_mode'] != 'NONE')
        body = self.public(existing)
        body.update(dict((key, desired[key]) for key in changes))
        body['auth_info'] = (self.params['auth_info'] or {}) if send or desired['auth_mode'] == 'NONE' else {}
        self.module.request('PUT', self.object_path(existing), body=body)
        self.module.result['auth_info_updated'] = bool(send and self.params['auth_info'])


def main():
    converge_main(PreheatInstance, dict(
        vendor=dict(type='str', choices=['dragonfly', 'kraken']),
        endpoint=dict(type='str'),
        auth_mode=dict(type='str', default='NONE', choices=['NONE', 'BASIC', 'OAUTH', 'CUSTOM']),
        enabled=dict(type='bool', default=True),
        default=dict(type='bool', default=False),
        insecure=dict(type='bool', default=False),
    ))


if __name__ == '__main__':
    main()
