#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_webhook
short_description: Manage the webhook policies of a Harbor project
version_added: 0.1.0
description:
  - Create, update or delete the webhook (notification) policy O(name) of O(project), which sends events to
    targets.
  - O(event_types) are compared as a set, O(targets) as a set of targets (order does not matter).
  - A target's O(targets[].auth_header) is compared with what Harbor keeps, but it is never returned nor shown in a
    diff (a change shows as C(********)).
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource.described
  - harborops.ha.harbor_resource.project
options:
  name:
    description: Name of the policy, unique in the project.
    type: str
    required: true
  enabled:
    description: Whether events are sent.
    type: bool
    default: true
  event_types:
    description: The events sent. Required to create the policy.
    type: list
    elements: str
    choices: [PUSH_ARTIFACT, PULL_ARTIFACT, DELETE_ARTIFACT, QUOTA_EXCEED, QUOTA_WARNING, SCANNING_FAILED,
              SCANNING_STOPPED, SCANNING_COMPLETED, REPLICATION, TAG_RETENTION]
  targets:
    description: Where the events go. Required to create the policy.
    type: list
    elements: dict
    suboptions:
      type:
        description: An HTTP endpoint receiving JSON, or a Slack incoming webhook.
        type: str
        choices: [http, slack]
        default: http
      address:
        description: The endpoint's C(http://) or C(https://) URL.
        type: str
        required: true
      auth_header:
        description: Value of the C(Authorization) header Harbor sends (write-only, never returned).
        type: str
      skip_cert_verify:
        description: Whether Harbor skips the verification of the endpoint's certificate.
        type: bool
        default: false
      payload_format:
        description: Format of an V(http) target's payload (V(Default) when not given); a V(slack) target has none.
        type: str
        choices: [Default, CloudEvents]
'''

EXAMPLES = r'''
- name: Tell the CI about every push and deletion in team-a
  harborops.ha.harbor_webhook:
    project: team-a
    name: ci
    event_types: [PUSH_ARTIFACT, DELETE_ARTIFACT]
    targets:
      - address: https://ci.example.com/hooks/harbor
        auth_header: "Bearer {{ vault_ci_hook_token }}"
        payload_format: CloudEvents
'''

RETURN = r'''
webhook:
  description: The policy as Harbor returns it after the run, without the targets' auth headers (empty when absent,
    and in check mode for a new policy).
  returned: always
  type: dict
  sample:
    id: 1
    name: ci
    enabled: true
    event_types: [PUSH_ARTIFACT, DELETE_ARTIFACT]
    targets: [{type: http, address: "https://ci.example.com/hooks/harbor", payload_format: CloudEvents}]
id:
  description: Id of the policy (null in check mode for a policy that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 1
'''

from urllib.parse import urlsplit

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, Resource, converge_main
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import diff_view

EVENT_TYPES = ['PUSH_ARTIFACT', 'PULL_ARTIFACT', 'DELETE_ARTIFACT', 'QUOTA_EXCEED', 'QUOTA_WARNING', 'SCANNING_FAILED',
               'SCANNING_STOPPED', 'SCANNING_COMPLETED', 'REPLICATION', 'TAG_RETENTION']
MASK = '********'


def target_view(target):
    """A target as Harbor stores it (src/server/v2.0/handler/webhook.go validateTargets: an http target
    without payload format gets Default)."""
    ttype = target.get('type') or 'http'
    payload = target.get('payload_format') or ('Default' if ttype == 'http' else '')
    return {'type': ttype, 'address': target.get('address') or '', 'auth_header': target.get('auth_header') or '',
            'skip_cert_verify': bool(target.get('skip_cert_verify')), 'payload_format': payload}


def target_set(targets):
    return sorted((target_view(t) for t in targets or []), key=lambda t: (t['type'], t['address'], t['payload_format']))


def masked(targets, changed_from=None):
    """Targets without their auth header's value: MASK when set (and flagged when it differs from
    the one of the same address in ``changed_from``)."""
    others = dict((t['address'], t['auth_header']) for t in changed_from or [])
    out = []
    for target in targets or []:
        target = dict(target)
        if target['auth_header']:
            differs = changed_from is not None and others.get(target['address']) != target['auth_header']
            target['auth_header'] = MASK + (' (changed)' if differs else '')
        out.append(target)
    return out


class Webhook(Resource):
    key = 'webhook'
    project_scoped = True
    project_path = 'webhook/policies'
    described = True

    def input_errors(self):
        errors = super(Webhook, self).input_errors()
        for index, target in enumerate(self.params['targets'] or []):
            parts = urlsplit((target['address'] or '').strip())
            if parts.scheme not in ('http', 'https') or not parts.netloc:
                errors.append('targets[%d].address must be an http:// or https:// URL, got %r' % (index, target['address']))
            if target['type'] == 'slack' and target['payload_format']:
                errors.append('targets[%d].payload_format is not used with type slack' % index)
        if self.params['event_types'] is not None and not self.params['event_types']:
            errors.append('event_types must not be empty')
        if self.params['targets'] is not None and not self.params['targets']:
            errors.append('targets must not be empty')
        return errors

    def find(self):
        for policy in self.module.list(self.path):
            if policy.get('name') == self.name:
                return policy
        return None

    def public(self, obj):
        obj = dict(obj or {})
        if obj.get('targets'):
            obj['targets'] = [dict((k, v) for k, v in t.items() if k != 'auth_header') for t in obj['targets']]
        return obj

    def label(self, obj):
        return {'project': self.params['project'], 'name': obj.get('name')}

    def current(self, obj):
        return {'description': obj.get('description') or '', 'enabled': bool(obj.get('enabled')),
                'event_types': sorted(set(obj.get('event_types') or [])), 'targets': target_set(obj.get('targets'))}

    def desired(self):
        events = self.params['event_types']
        return {'description': self.params['description'], 'enabled': self.params['enabled'],
                'event_types': sorted(set(events)) if events is not None else None,
                'targets': target_set(self.params['targets']) if self.params['targets'] is not None else None}

    def diff(self, current, desired, keys):
        before, after = diff_view(current, desired, keys)
        if 'targets' in keys:
            before['targets'] = masked(before['targets'])
            after['targets'] = masked(after['targets'], current.get('targets') or [])
        return before, after

    def body(self, current, desired):
        merged = dict(current, **dict((k, v) for k, v in desired.items() if v is not None))
        return {'name': self.name, 'description': merged.get('description') or '', 'enabled': merged['enabled'],
                'event_types': merged.get('event_types'), 'targets': merged.get('targets')}

    def create_body(self):
        if not self.params['event_types'] or not self.params['targets']:
            raise HarborError('event_types and targets are required to create webhook policy %r' % self.name)
        return self.body({}, self.desired())

    def update(self, existing, current, desired, changes, secret):
        self.module.request('PUT', self.object_path(existing), body=dict(self.body(current, desired), id=existing['id']))


def main():
    converge_main(Webhook, dict(
        enabled=dict(type='bool', default=True),
        event_types=dict(type='list', elements='str', choices=EVENT_TYPES),
        targets=dict(type='list', elements='dict', options=dict(
            type=dict(type='str', default='http', choices=['http', 'slack']),
            address=dict(type='str', required=True),
            auth_header=dict(type='str', no_log=True),
            skip_cert_verify=dict(type='bool', default=False),
            payload_format=dict(type='str', choices=['Default', 'CloudEvents']),
        )),
    ))


if __name__ == '__main__':
    main()
