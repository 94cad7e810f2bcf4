#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_replication_policy
short_description: Manage Harbor replication policies
version_added: 0.1.0
description:
  - Create, update or delete a replication policy identified by its exact O(name).
  - Harbor's update replaces the whole policy, so every option has a definite value (its default when not given)
    and an update always sends the complete policy.
  - Registries are given by name and resolved to ids; C(Local) (or omitting the option) is this Harbor.
    Exactly one side must be a remote registry (push mode when the source is local, pull mode otherwise).
  - With O(state=absent), an enabled policy is disabled first (so that pushes start no new execution), then its
    executions that have not ended (an event-based policy towards a peer that is down keeps one running) are
    stopped, and the module waits up to 120 seconds for them to end, since Harbor refuses to delete a policy while
    one runs. If they do not end, the policy stays disabled and is not deleted; the next run deletes it.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource
options:
  name:
    description: Name of the policy (unique in Harbor).
    type: str
    required: true
  description:
    description: Free-text description.
    type: str
    default: ''
  src_registry:
    description: Name of the source registry endpoint (see M(harborops.ha.harbor_registry)); C(Local) for this Harbor.
    type: str
    default: Local
  dest_registry:
    description: Name of the destination registry endpoint; C(Local) for this Harbor.
    type: str
    default: Local
  dest_namespace:
    description: Destination namespace (project); empty keeps the source namespace.
    type: str
    default: ''
  dest_namespace_replace_count:
    description:
      - How many leading components of the source repository path the destination namespace replaces.
      - V(-1) flattens all of them (Harbor's default), V(0) keeps the whole path under O(dest_namespace).
    type: int
    choices: [-1, 0, 1, 2, 3]
    default: -1
  trigger:
    description: When the policy runs.
    type: dict
    default: {type: manual}
    suboptions:
      type:
        description:
          - V(manual) runs only when started (M(harborops.ha.harbor_replication_execution)).
          - V(scheduled) runs on O(trigger.cron).
          - V(event_based) runs on every push or deletion; Harbor only fires it when the source is C(Local).
        type: str
        choices: [manual, scheduled, event_based]
        default: manual
      cron:
        description:
          - Schedule for V(scheduled) in Harbor's 6-field form C(second minute hour day-of-month month day-of-week);
            the second must be C(0) and the minute must not be C(*). Example C(0 0 2 * * *) (daily at 02:00).
        type: str
  filters:
    description: Resource filters; compared without regard to order.
    type: list
    elements: dict
    default: []
    suboptions:
      type:
        description: What the filter matches on.
        type: str
        required: true
        choices: [name, tag, label, resource]
      value:
        description:
          - Pattern for V(name) and V(tag) (doublestar, for example C(library/**)), a list of label names for V(label),
            V(image) or V(artifact) for V(resource).
        type: raw
        required: true
      decoration:
        description: For V(tag) and V(label) filters only.
        type: str
        choices: [matches, excludes]
  replicate_deletion:
    description:
      - Replicate deletions (event-based policies only). Sent to Harbor both as C(deletion), the field Harbor reads,
        and as C(replicate_deletion).
    type: bool
    default: false
  override:
    description: Overwrite artifacts that already exist at the destination.
    type: bool
    default: true
  enabled:
    description: Whether the policy is enabled (a disabled policy neither runs on schedule/events nor can be started).
    type: bool
    default: true
  speed:
    description: Bandwidth limit per task in KB/s; V(0) or V(-1) means unlimited (Harbor stores negative values as 0).
    type: int
    default: 0
  copy_by_chunk:
    description: Copy blobs in chunks (Harbor 2.7 and later).
    type: bool
    default: false
notes:
  - In check mode a policy that refers to a registry created earlier in the same check-mode run fails, as that registry
    does not exist yet.
seealso:
  - module: harborops.ha.harbor_registry
  - module: harborops.ha.harbor_replication_execution
'''

EXAMPLES = r'''
- name: Push every image to the peer site on each push, deletions included
  harborops.ha.harbor_replication_policy:
    name: to-site-b
    dest_registry: site-b
    trigger:
      type: event_based
    replicate_deletion: true
    filters:
      - type: name
        value: "**"

- name: Pull the base images nightly, flattened into the base project
  harborops.ha.harbor_replication_policy:
    name: pull-base
    src_registry: upstream
    dest_namespace: base
    dest_namespace_replace_count: 1
    trigger:
      type: scheduled
      cron: "0 30 2 * * *"
    filters:
      - type: tag
        value: "v*"
        decoration: matches

- name: Delete the policy
  harborops.ha.harbor_replication_policy:
    name: pull-base
    state: absent
'''

RETURN = r'''
policy:
  description: The policy as Harbor returns it after the run (empty when absent, or not created yet in check mode).
  returned: always
  type: dict
  sample:
    id: 7
    name: to-site-b
    enabled: true
    trigger: {type: event_based, trigger_settings: {}}
    dest_registry: {id: 3, name: site-b}
    src_registry: {id: 0, name: Local}
id:
  description: Id of the policy (null in check mode for a policy that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 7
'''

import time

from ansible_collections.harborops.ha.plugins.module_utils._harbor import (
    EXECUTION_FINAL, HarborError, Resource, converge_main)
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import (
    canonical_filters, cron_error)

LOCAL = 'Local'
# How long state=absent waits for the stopped executions of a policy to end before deleting it.
STOP_TIMEOUT = 120
STOP_POLL = 2


def input_errors(params):
    """Problems with the arguments that Harbor would refuse (checked before any request)."""
    errors = []
    src_local = params['src_registry'] == LOCAL
    dest_local = params['dest_registry'] == LOCAL
    if src_local == dest_local:
        errors.append('exactly one of src_registry and dest_registry must name a remote registry, the other must be '
                      'Local (got src_registry=%r, dest_registry=%r)' % (params['src_registry'], params['dest_registry']))
    trigger = params['trigger'] or {}
    if trigger.get('type') == 'scheduled':
        problem = cron_error(trigger.get('cron'))
        if problem:
            errors.append('trigger.cron %r is invalid: %s' % (trigger.get('cron'), problem))
    elif trigger.get('cron'):
        errors.append('trigger.cron is only used with trigger.type=scheduled')
    if trigger.get('type') == 'event_based' and not src_local:
        errors.append('trigger.type=event_based needs src_registry=Local: Harbor fires events only for local pushes')
    for item in params['filters'] or []:
        ftype, value = item.get('type'), item.get('value')
        if ftype == 'label':
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                errors.append('filters: a label filter value must be a list of label names')
        elif not isinstance(value, str) or not value:
            errors.append('filters: a %s filter value must be a non-empty string' % ftype)
        if ftype == 'resource' and value not in ('image', 'artifact'):
            errors.append('filters: a resource filter value must be image or artifact, not %r' % (value,))
        if item.get('decoration') and ftype not in ('tag', 'label'):
            errors.append('filters: only tag and label filters take a decoration')
    return errors


def user_filters(filters):
    """The filters list in Harbor's body shape (label value always a list)."""
    result = []
    for item in filters or []:
        value = item['value']
        if item['type'] == 'label' and isinstance(value, str):
            value = [value]
        entry = {'type': item['type'], 'value': value}
        if item.get('decoration'):
            entry['decoration'] = item['decoration']
        result.append(entry)
    return result


def desired_state(params, src_id, dest_id):
    """The whole policy, comparable form (registry ids, canonical filters)."""
    trigger = params['trigger'] or {}
    return {
        'name': params['name'],
        'description': params['description'] or '',
        'src_registry': src_id,
        'dest_registry': dest_id,
        'dest_namespace': params['dest_namespace'] or '',
        'dest_namespace_replace_count': params['dest_namespace_replace_count'],
        'trigger': {'type': trigger.get('type') or 'manual',
                    'cron': (trigger.get('cron') or '') if trigger.get('type') == 'scheduled' else ''},
        'filters': canonical_filters(user_filters(params['filters'])),
        'replicate_deletion': params['replicate_deletion'],
        'override': params['override'],
        'enabled': params['enabled'],
        'speed': max(params['speed'], 0),
        'copy_by_chunk': params['copy_by_chunk'],
    }


def current_state(policy):
    """A GET /replication/policies answer in the comparable form; missing keys are Harbor's omitted zeros."""
    trigger = policy.get('trigger') or {}
    settings = trigger.get('trigger_settings') or {}
    count = policy.get('dest_namespace_replace_count')
    return {
        'name': policy.get('name'),
        'description': policy.get('description') or '',
        'src_registry': (policy.get('src_registry') or {}).get('id') or 0,
        'dest_registry': (policy.get('dest_registry') or {}).get('id') or 0,
        'dest_namespace': policy.get('dest_namespace') or '',
        'dest_namespace_replace_count': -1 if count is None else count,
        'trigger': {'type': trigger.get('type') or 'manual', 'cron': settings.get('cron') or ''},
        'filters': canonical_filters(policy.get('filters')),
        'replicate_deletion': bool(policy.get('deletion') or policy.get('replicate_deletion')),
        'override': bool(policy.get('override')),
        'enabled': bool(policy.get('enabled')),
        'speed': max(policy.get('speed') or 0, 0),
        'copy_by_chunk': bool(policy.get('copy_by_chunk')),
    }


def request_body(desired, filters):
    """The full ReplicationPolicy body (PUT replaces the whole policy)."""
    trigger = {'type': desired['trigger']['type'], 'trigger_settings': {}}
    if desired['trigger']['cron']:
        trigger['trigger_settings']['cron'] = desired['trigger']['cron']
    return {
        'name': desired['name'],
        'description': desired['description'],
        'src_registry': {'id': desired['src_registry']},
        'dest_registry': {'id': desired['dest_registry']},
        'dest_namespace': desired['dest_namespace'],
        'dest_namespace_replace_count': desired['dest_namespace_replace_count'],
        'trigger': trigger,
        'filters': filters,
        'deletion': desired['replicate_deletion'],
        'replicate_deletion': desired['replicate_deletion'],
        'override': desired['override'],
        'enabled': desired['enabled'],
        'speed': desired['speed'],
        'copy_by_chunk': desired['copy_by_chunk'],
    }


def readable(state, names):
    """Diff view: registry ids shown as the names the user wrote."""
    view = dict(state)
    for key in ('src_registry', 'dest_registry'):
        if key in view:
            view[key] = names.get(view[key], view[key])
    return view


def registry_id(module, name, option):
    if name == LOCAL:
        return 0
    registry = module.find_by_name('/registries', name)
    if not registry:
        raise HarborError('%s: no registry endpoint named %r exists in Harbor' % (option, name))
    return registry['id']


class Policy(Resource):
    """Harbor's PUT replaces the whole policy: every option has a value and is compared."""

    key = 'policy'
    path = '/replication/policies'

    def input_errors(self):
        errors = super(Policy, self).input_errors()
        if not errors and self.params['state'] == 'present':
            errors = input_errors(self.params)
        return errors

    def prepare(self):
        if self.params['state'] == 'present':
            src_id = registry_id(self.module, self.params['src_registry'], 'src_registry')
            dest_id = registry_id(self.module, self.params['dest_registry'], 'dest_registry')
            self.names = {src_id: self.params['src_registry'], dest_id: self.params['dest_registry']}
            self.state = desired_state(self.params, src_id, dest_id)

    def current(self, obj):
        return current_state(obj)

    def desired(self):
        return self.state

    def diff(self, current, desired, keys):
        before, after = super(Policy, self).diff(current, desired, keys)
        return readable(before, self.names), readable(after, self.names)

    def create_body(self):
        return request_body(self.state, user_filters(self.params['filters']))

    def update_body(self, existing, desired, changes, secret):
        return self.create_body()

    def remove(self, existing):
        """Harbor deletes a policy only when every execution of it has ended (src/pkg/task/execution.go
        DeleteByVendor answers 412 otherwise), and an event-based policy towards a peer that is down keeps
        one running. An enabled policy is disabled first (PUT with enabled false), or a node that takes
        pushes starts a new execution after the last one stopped (Harbor's event handler and Start skip
        a disabled policy: src/controller/event/handler/replication/event/handler.go,
        src/controller/replication/execution.go). Then its unfinished executions are stopped (PUT
        /replication/executions/{id}, the UI's Stop, harmless on one that has ended meanwhile) and
        waited for, and the policy is deleted. A run that stops half way leaves the policy disabled;
        the next run deletes it."""
        def unfinished():
            return [e['id'] for e in self.module.list('/replication/executions', {'policy_id': existing['id']})
                    if e.get('status') not in EXECUTION_FINAL]

        if existing.get('enabled'):
            state = dict(current_state(existing), enabled=False)
            self.module.request('PUT', self.object_path(existing), body=request_body(state, user_filters(state['filters'])))
        running = unfinished()
        deadline = time.time() + STOP_TIMEOUT
        for execution_id in running:
            self.module.request('PUT', '/replication/executions/%s' % execution_id)
        while running:
            if time.time() > deadline:
                raise HarborError('policy %r: executions %s did not stop within %d seconds; the policy was disabled, '
                                  'not deleted' % (self.params['name'], ', '.join(map(str, running)), STOP_TIMEOUT))
            time.sleep(STOP_POLL)
            running = unfinished()
        super(Policy, self).remove(existing)


def main():
    converge_main(Policy, dict(
        description=dict(type='str', default=''),
        src_registry=dict(type='str', default=LOCAL),
        dest_registry=dict(type='str', default=LOCAL),
        dest_namespace=dict(type='str', default=''),
        dest_namespace_replace_count=dict(type='int', default=-1, choices=[-1, 0, 1, 2, 3]),
        trigger=dict(type='dict', default={'type': 'manual'}, options=dict(
            type=dict(type='str', default='manual', choices=['manual', 'scheduled', 'event_based']),
            cron=dict(type='str'),
        )),
        filters=dict(type='list', elements='dict', default=[], options=dict(
            type=dict(type='str', required=True, choices=['name', 'tag', 'label', 'resource']),
            value=dict(type='raw', required=True),
            decoration=dict(type='str', choices=['matches', 'excludes']),
        )),
        replicate_deletion=dict(type='bool', default=False),
        override=dict(type='bool', default=True),
        enabled=dict(type='bool', default=True),
        speed=dict(type='int', default=0),
        copy_by_chunk=dict(type='bool', default=False),
    ))


if __name__ == '__main__':
    main()
