#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_replication_execution
short_description: Start a Harbor replication policy and wait for the result
version_added: 0.1.0
description:
  - Starts one execution of the replication policy named O(policy) and, with O(wait=true), waits until it ends.
  - Fails when the execution ends C(Failed) or C(Stopped), or does not end within O(wait_timeout) seconds.
  - Every run starts a new execution, so the task always reports a change (in check mode nothing is started).
extends_documentation_fragment:
  - harborops.ha.harbor
attributes:
  check_mode:
    description: In check mode the policy is looked up and nothing is started.
    support: full
  diff_mode:
    description: Starting an execution has no before/after state.
    support: none
  idempotent:
    description: Each run starts a new execution.
    support: none
options:
  policy:
    description: Exact name of the replication policy to run. It must be enabled.
    type: str
    required: true
  wait:
    description: Wait until the execution has finished.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the execution to finish.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two status requests while waiting.
    type: int
    default: 2
seealso:
  - module: harborops.ha.harbor_replication_policy
'''

EXAMPLES = r'''
- name: Replicate now and wait (fails if any task fails)
  harborops.ha.harbor_replication_execution:
    policy: to-site-b
    wait_timeout: 1800
  register: run

- name: Show what was copied
  ansible.builtin.debug:
    msg: "{{ run.execution.succeed }} of {{ run.execution.total }} tasks succeeded"
'''

RETURN = r'''
execution:
  description: The execution as Harbor reports it (at the end when O(wait=true), just after the start otherwise).
  returned: success, not in check mode
  type: dict
  sample:
    id: 12
    policy_id: 7
    status: Succeed
    status_text: ''
    trigger: manual
    total: 4
    succeed: 4
    failed: 0
    in_progress: 0
    stopped: 0
status:
  description: Final (or current) status, one of C(InProgress), C(Succeed), C(Failed), C(Stopped).
  returned: success, not in check mode
  type: str
  sample: Succeed
failed_tasks:
  description: Source and destination of failed tasks (when the execution failed).
  returned: when the execution failed
  type: list
  elements: dict
  sample: [{src_resource: library/app:1.0, dst_resource: library/app:1.0, status: Failed}]
'''

import time

from ansible_collections.harborops.ha.plugins.module_utils._harbor import (
    EXECUTION_FINAL, HarborError, HarborModule, HarborUncertain, json_body)


def summary(execution):
    return '%s (total %s, succeed %s, failed %s, stopped %s, in progress %s)%s' % (
        execution.get('status'), execution.get('total', 0), execution.get('succeed', 0), execution.get('failed', 0),
        execution.get('stopped', 0), execution.get('in_progress', 0),
        ': %s' % execution['status_text'] if execution.get('status_text') else '')


def failed_tasks(module, execution_id):
    tasks = module.list('/replication/executions/%s/tasks' % execution_id, {'status': 'Failed'})
    return [dict((k, t.get(k)) for k in ('id', 'src_resource', 'dst_resource', 'operation', 'status'))
            for t in tasks if t.get('status') == 'Failed']


def newest_execution_id(module, policy_id):
    """Id of the policy's newest execution (0 when none): one page of one, newest first."""
    response = module.request('GET', '/replication/executions',
                              {'policy_id': policy_id, 'sort': '-id', 'page': 1, 'page_size': 1})
    executions = json_body(response, 'GET /replication/executions', list) or []
    return max([e.get('id') or 0 for e in executions] or [0])


def start(module, policy):
    """POST one execution, never twice: when the answer is lost, the policy's executions tell
    whether Harbor started it (a newer one than before the POST), and the run goes on with it."""
    before = newest_execution_id(module, policy['id'])
    try:
        return module.create('/replication/executions', {'policy_id': policy['id']})
    except HarborUncertain as exc:
        after = newest_execution_id(module, policy['id'])
        if after <= before:
            module.result['changed'] = False
            raise HarborError('%s; no new execution of policy %r exists, so none was started: run again'
                              % (exc, module.params['policy']))
        return after


def run(module):
    params = module.params
    if not params['policy'].strip():
        raise HarborError('policy must not be empty')
    if params['wait_timeout'] < 1 or params['poll_interval'] < 1:
        raise HarborError('wait_timeout and poll_interval must be positive')
    policy = module.find_by_name('/replication/policies', params['policy'])
    if not policy:
        raise HarborError('policy: no replication policy named %r exists in Harbor' % params['policy'])
    if not policy.get('enabled'):
        raise HarborError('replication policy %r is disabled; Harbor only starts enabled policies' % params['policy'])
    if module.check_mode:
        module.result['changed'] = True
        return
    execution_id = start(module, policy)
    execution = module.get('/replication/executions/%s' % execution_id) or {}
    deadline = time.time() + params['wait_timeout']
    while params['wait'] and execution.get('status') not in EXECUTION_FINAL:
        if time.time() >= deadline:
            module.result.update(execution=execution, status=execution.get('status'))
            raise HarborError('replication execution %s of policy %r did not finish within %ss; last status %s'
                              % (execution_id, params['policy'], params['wait_timeout'], summary(execution)))
        time.sleep(params['poll_interval'])
        execution = module.get('/replication/executions/%s' % execution_id) or {}
    module.result.update(execution=execution, status=execution.get('status'))
    if execution.get('status') in ('Failed', 'Stopped'):
        module.result['failed_tasks'] = failed_tasks(module, execution_id)
        raise HarborError('replication execution %s of policy %r ended %s'
                          % (execution_id, params['policy'], summary(execution)))


def main():
    module = HarborModule(
        argument_spec=dict(
            policy=dict(type='str', required=True),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=600),
            poll_interval=dict(type='int', default=2),
        ),
    )
    module.run(run)


if __name__ == '__main__':
    main()
