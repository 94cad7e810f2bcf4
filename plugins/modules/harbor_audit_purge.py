#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_audit_purge
short_description: Schedule the purge of Harbor's audit logs, or purge now
version_added: 0.1.0
description:
  - Sets the schedule of the audit-log purge (C(/system/purgeaudit/schedule)) and what it purges, the logs older
    than O(retention_hours) of the O(event_types). Only what is given is compared and changed.
  - With O(run=true) purges now and, with O(wait=true), waits for the purge to end.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_schedule
options:
  retention_hours:
    description: Audit logs older than this many hours are purged (1 to 240000). Required to create the schedule.
    type: int
  event_types:
    description:
      - The event types purged, for example V(create_artifact), V(delete_artifact), V(pull_artifact), V(other)
        (Harbor 2.13 or newer; 2.12 calls them operations, V(create), V(delete), V(pull), and other names fail
        because Harbor 2.12 would ignore them). Compared as a set.
        Required to create the schedule.
    type: list
    elements: str
  run:
    description: Purge now, with O(retention_hours), O(event_types) (Harbor's scheduled values when not given) and O(dry_run).
    type: bool
    default: false
  dry_run:
    description: With O(run=true), only report what would be purged; a dry run is not a change.
    type: bool
    default: false
  wait:
    description: With O(run=true), wait until the purge ends; a failed purge fails the task.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the purge.
    type: int
    default: 600
'''

EXAMPLES = r'''
- name: Keep 90 days of audit logs, purged every night
  harborops.ha.harbor_audit_purge:
    schedule:
      type: Daily
    retention_hours: 2160
    event_types: [create_artifact, delete_artifact, pull_artifact, other]
'''

RETURN = r'''
schedule:
  description: The schedule after the run (C(type) V(None) when there is none) with its parameters as Harbor keeps them.
  returned: always
  type: dict
  sample: {schedule: {type: Daily, cron: "0 0 0 * * *"}, audit_retention_hour: 2160,
           include_event_types: "create_artifact,delete_artifact,other,pull_artifact", dry_run: false}
run:
  description: The purge started by O(run=true) (empty otherwise, and in check mode).
  returned: always
  type: dict
  sample: {id: 4, status: Success, dry_run: false}
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError
from ansible_collections.harborops.ha.plugins.module_utils._harbor_schedule import (
    SystemSchedule, desired_schedule, job_main, run_errors, schedule_errors)

MAX_RETENTION_HOURS = 240000  # src/common/const.go MaxAuditRetentionHour
# Harbor 2.12 purges these operations only and ignores any other name (src/pkg/audit/dao/dao.go permitOps)
OPERATIONS = ('create', 'delete', 'pull')


def input_errors(params):
    errors = schedule_errors(params['schedule'])
    hours = params['retention_hours']
    if hours is not None and not 1 <= hours <= MAX_RETENTION_HOURS:
        errors.append('retention_hours must be 1 to %d, got %s' % (MAX_RETENTION_HOURS, hours))
    events = params['event_types']
    if events is not None and (not events or not all((e or '').strip() for e in events)):
        errors.append('event_types must be a list of non-empty event type names')
    return errors + run_errors(params)


def events_key(module):
    """include_event_types from Harbor 2.13, include_operations before (src/common/const.go)."""
    version = module.harbor_version()
    return 'include_operations' if version is not None and version < (2, 13, 0) else 'include_event_types'


def audit_purge(module):
    params = module.params
    errors = input_errors(params)
    if errors:
        raise HarborError('; '.join(errors))
    purge = SystemSchedule(module, 'purgeaudit', 'audit log purge')
    key = events_key(module)
    events = params['event_types']
    if key == 'include_operations' and events is not None:
        ignored = sorted(set(e for e in events if e.strip().lower() not in OPERATIONS))
        if ignored:
            raise HarborError('event_types: Harbor %s purges only the operations %s and would ignore %s (event type '
                              'names need Harbor 2.13.0 or newer)' % ('.'.join(str(p) for p in module.harbor_version()),
                                                                      ', '.join(OPERATIONS), ', '.join(ignored)))
    parameters = {'audit_retention_hour': params['retention_hours'],
                  key: ','.join(sorted(set(events))) if events is not None else None}
    schedule = desired_schedule(params['schedule'])
    if schedule and schedule['type'] != 'None':
        current = purge.read()
        missing = [option for option, name in (('retention_hours', 'audit_retention_hour'), ('event_types', key))
                   if parameters[name] is None and name not in current]
        if missing:
            raise HarborError('%s required to schedule the audit log purge' % ' and '.join(missing))
    # Harbor checks the parameters on every write, removing the schedule too: always send them
    module.result['schedule'] = purge.converge(schedule, parameters, send_always=('dry_run',))
    module.result['run'] = {}
    if params['run']:
        current = module.result['schedule']
        run_parameters = dict((name, value if value is not None else current.get(name))
                              for name, value in parameters.items())
        if any(value is None for value in run_parameters.values()):
            raise HarborError('retention_hours and event_types are required to purge (there is no schedule to take them from)')
        module.result['run'] = purge.run_now(run_parameters, params['dry_run'], params['wait'], params['wait_timeout'])


def main():
    job_main(audit_purge, dict(
        retention_hours=dict(type='int'),
        event_types=dict(type='list', elements='str'),
    ), wait_timeout=600)


if __name__ == '__main__':
    main()
