#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_scanner
short_description: Manage Harbor's scanner registrations and the default scanner
version_added: 0.1.0
description:
  - Register, update or remove the scanner adapter O(name) (for example a Trivy or Clair adapter), and make it the
    default scanner with O(default=true).
  - Harbor asks the adapter for its metadata (C(GET <url>/api/v1/metadata)) when it registers it; an adapter it
    cannot reach fails the task.
  - O(access_credential) is write-only (Harbor 2.14.4 and newer never return it), see O(update_secret).
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource.described
options:
  name:
    description: Name of the registration (C(Trivy) is reserved for Harbor's own).
    type: str
    required: true
  url:
    description: Base URL of the scanner adapter. Required to register it.
    type: str
  auth:
    description: How Harbor authenticates to the adapter; all but V(none) need O(access_credential).
    type: str
    choices: [none, Basic, Bearer, X-ScannerAdapter-API-Key]
    default: none
  access_credential:
    description:
      - The credential of O(auth), C(user:password) for V(Basic), the token or API key otherwise. Write-only.
    type: str
  update_secret:
    description:
      - V(on_create) sends O(access_credential) only when the registration is created (or changed otherwise on a Harbor
        older than 2.14.4, which needs it with every update).
      - V(always) sends it on every run (Harbor cannot tell whether it differs, so this always reports a change).
    type: str
    choices: [always, on_create]
    default: on_create
  skip_cert_verify:
    description: Whether Harbor skips the verification of the adapter's certificate.
    type: bool
    default: false
  use_internal_addr:
    description: Whether the adapter pulls the artifacts through Harbor's internal address.
    type: bool
    default: false
  disabled:
    description: Whether the registration is disabled.
    type: bool
    default: false
  default:
    description:
      - V(true) makes this the default scanner (the one every project uses unless it chose another; scan all needs
        one). V(false) only checks it is not the default (make another one the default instead).
    type: bool
'''

EXAMPLES = r'''
- name: Register the Trivy adapter of the security team and make it the default
  harborops.ha.harbor_scanner:
    name: trivy-central
    url: https://trivy-adapter.example.com:8443
    auth: X-ScannerAdapter-API-Key
    access_credential: "{{ vault_trivy_api_key }}"
    default: true
'''

RETURN = r'''
scanner:
  description: The registration as Harbor returns it after the run, never with the credential (empty when absent, and
    in check mode for a new one).
  returned: always
  type: dict
  sample: {uuid: 7c2c..., name: trivy-central, url: "https://trivy-adapter.example.com:8443", auth: X-ScannerAdapter-API-Key,
           is_default: true, disabled: false, skip_certVerify: false, use_internal_addr: false}
id:
  description: UUID of the registration (null in check mode for one that does not exist yet).
  returned: when O(state=present)
  type: str
  sample: 7c2c5b0e-1d0f-11ee-a6a5-0242ac120005
credential_updated:
  description: Whether O(access_credential) was sent by this run (the value is never returned).
  returned: when O(state=present)
  type: bool
  sample: false
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, Resource, Secret, converge_main
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import normalize_url

# from 2.14.4 an update without the credential keeps the stored one (src/controller/scanner/base_controller.go)
KEEPS_CREDENTIAL = (2, 14, 4)


class Scanner(Resource):
    key = 'scanner'
    path = '/scanners'
    id_key = 'uuid'
    secret = Secret('access_credential', flag='credential_updated')
    described = True

    def input_errors(self):
        errors = super(Scanner, self).input_errors()
        if self.name == 'Trivy':
            errors.append('name Trivy is reserved for the scanner Harbor installs')
        url = self.params['url']
        if url is not None and normalize_url(url).split('://', 1)[0] not in ('http', 'https'):
            errors.append('url must be an http:// or https:// URL, got %r' % url)
        if self.params['auth'] != 'none' and self.params['access_credential'] is None and self.params['state'] == 'present':
            errors.append('access_credential is required with auth=%s' % self.params['auth'])
        if self.params['auth'] == 'none' and self.params['access_credential'] is not None:
            errors.append('access_credential is only used with an auth other than none')
        return errors

    def current(self, obj):
        if self.params['default'] is False and obj.get('is_default'):
            raise HarborError('default=false: scanner %r is the default; make another scanner the default instead'
                              % self.name)
        return {'url': normalize_url(obj.get('url')), 'description': obj.get('description') or '',
                'auth': obj.get('auth') or 'none', 'skip_cert_verify': bool(obj.get('skip_certVerify')),
                'use_internal_addr': bool(obj.get('use_internal_addr')), 'disabled': bool(obj.get('disabled')),
                'default': bool(obj.get('is_default'))}

    def desired(self):
        url = self.params['url']
        return {'url': normalize_url(url) if url is not None else None, 'description': self.params['description'],
                'auth': self.params['auth'], 'skip_cert_verify': self.params['skip_cert_verify'],
                'use_internal_addr': self.params['use_internal_addr'], 'disabled': self.params['disabled'],
                'default': self.params['default']}

    def body(self, current, desired, credential):
        merged = dict(current, **dict((k, v) for k, v in desired.items() if v is not None))
        return {'name': self.name, 'url': merged['url'], 'description': merged.get('description') or '',
                'auth': '' if merged['auth'] == 'none' else merged['auth'],
                'access_credential': (self.params['access_credential'] or '') if credential else '',
                'skip_certVerify': merged['skip_cert_verify'], 'use_internal_addr': merged['use_internal_addr'],
                'disabled': merged['disabled']}

    def create_body(self):
        if self.params['url'] is None:
            raise HarborError('url is required to register scanner %r' % self.name)
        if self.params['default'] is False:
            raise HarborError('default=false: Harbor makes the first registration the default; register another '
                              'scanner first or leave default out')
        return self.body({'description': ''}, self.desired(), True)

    def create(self):
        try:
            created = super(Scanner, self).create()
        except HarborError as exc:
            if exc.status != 500:
                raise
            raise HarborError('Harbor could not register scanner %r: it asks the adapter at %s for its metadata '
                              '(GET /api/v1/metadata) and that failed (adapter unreachable, wrong auth or credential, '
                              'or not a scanner adapter): %s' % (self.name, self.params['url'], exc), status=500)
        self.module.result['credential_updated'] = self.params['access_credential'] is not None
        if self.params['default']:
            self.module.request('PATCH', self.object_path(created), body={'is_default': True})
        return created

    def update(self, existing, current, desired, changes, secret):
        fields = [key for key in changes if key != 'default']
        if fields or secret:
            version = self.module.harbor_version()
            credential = secret or (version is not None and version < KEEPS_CREDENTIAL)
            self.module.request('PUT', self.object_path(existing), body=self.body(current, desired, credential))
            self.module.result['credential_updated'] = bool(credential and self.params['access_credential'])
        if 'default' in changes and self.params['default']:
            self.module.request('PATCH', self.object_path(existing), body={'is_default': True})


def main():
    converge_main(Scanner, dict(
        url=dict(type='str'),
        auth=dict(type='str', default='none', choices=['none', 'Basic', 'Bearer', 'X-ScannerAdapter-API-Key']),
        skip_cert_verify=dict(type='bool', default=False),
        use_internal_addr=dict(type='bool', default=False),
        disabled=dict(type='bool', default=False),
        default=dict(type='bool'),
    ))


if __name__ == '__main__':
    main()
