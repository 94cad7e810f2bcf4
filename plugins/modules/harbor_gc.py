#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_gc
short_description: Schedule Harbor's garbage collection, or run it now and report what it freed
version_added: 0.1.0
description:
  - Sets the schedule of Harbor's garbage collection and its parameters (C(/system/gc/schedule)); only what is given
    is compared and changed.
  - With O(run=true) starts a garbage collection now and, with O(wait=true), waits for it and returns what it freed.
    Harbor keeps blobs younger than its time window (C(GC_TIME_WINDOW_HOURS) of Harbor's core, 2 hours by default),
    so a run right after a deletion may free nothing.
  - In dual master every Harbor node has its own storage; run this on every node (C(harbor_url) of the node, not
    the VIP) to reclaim what replication deleted there.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_schedule
options:
  delete_untagged:
    description: Whether garbage collection also deletes untagged artifacts (of the schedule, and of O(run)).
    type: bool
  delete_tag:
    description: Whether garbage collection also deletes tags of deleted artifacts (Harbor 2.15 or newer).
    type: bool
  workers:
    description: Number of workers deleting blobs in parallel, 1 to 10.
    type: int
  run:
    description:
      - Start a garbage collection now, with O(delete_untagged), O(delete_tag), O(workers) and O(dry_run).
      - A run that deletes is a change; a dry run is not. In check mode nothing is started.
    type: bool
    default: false
  dry_run:
    description: With O(run=true), only report what would be freed.
    type: bool
    default: false
  wait:
    description: With O(run=true), wait until the run ends and return what it freed; a failed run fails the task.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the run (it goes on in Harbor after that; the task fails).
    type: int
    default: 1800
'''

EXAMPLES = r'''
- name: Collect garbage every Sunday at 03:00, untagged artifacts included
  harborops.ha.harbor_gc:
    schedule:
      type: Custom
      cron: "0 0 3 * * 0"
    delete_untagged: true
    workers: 2

- name: Reclaim the storage on every node now (each node has its own storage in dual master)
  harborops.ha.harbor_gc:
    harbor_url: "https://{{ harborops_address }}"
    run: true
    delete_untagged: true
  register: gc

- name: Show what was freed
  ansible.builtin.debug:
    msg: "{{ gc.run.freed_space }} bytes, {{ gc.run.purged_blobs }} blobs"
'''

RETURN = r'''
schedule:
  description: The schedule after the run; C(type) V(None) when there is none. Its parameters as Harbor keeps them.
  returned: always
  type: dict
  sample: {schedule: {type: Custom, cron: "0 0 3 * * 0"}, delete_untagged: true, workers: 2}
run:
  description:
    - The garbage collection started by O(run=true) (empty otherwise, and in check mode).
    - C(freed_space) (bytes), C(purged_blobs) and C(purged_manifests) once it ended (with O(wait=true)).
  returned: always
  type: dict
  sample: {id: 12, status: Success, dry_run: false, freed_space: 1048576, purged_blobs: 3, purged_manifests: 1}
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError
from ansible_collections.harborops.ha.plugins.module_utils._harbor_schedule import (
    SystemSchedule, desired_schedule, job_main, run_errors, schedule_errors)

PARAMETERS = ('delete_untagged', 'delete_tag', 'workers')
RESULTS = ('freed_space', 'purged_blobs', 'purged_manifests')


def input_errors(params):
    errors = schedule_errors(params['schedule'])
    if params['workers'] is not None and not 1 <= params['workers'] <= 10:
        errors.append('workers must be 1 to 10, got %s' % params['workers'])
    return errors + run_errors(params)


def garbage_collection(module):
    params = module.params
    errors = input_errors(params) or module.version_errors(
        {'delete_tag': (2, 15, 0)} if params['delete_tag'] is not None else {})
    if errors:
        raise HarborError('; '.join(errors))
    gc = SystemSchedule(module, 'gc', 'garbage collection')
    parameters = dict((key, params[key]) for key in PARAMETERS)
    module.result['schedule'] = gc.converge(desired_schedule(params['schedule']), parameters)
    module.result['run'] = {}
    if params['run']:
        module.result['run'] = gc.run_now(parameters, params['dry_run'], params['wait'], params['wait_timeout'],
                                          results=RESULTS)


def main():
    job_main(garbage_collection, dict(
        delete_untagged=dict(type='bool'),
        delete_tag=dict(type='bool'),
        workers=dict(type='int'),
    ), wait_timeout=1800)


if __name__ == '__main__':
    main()
