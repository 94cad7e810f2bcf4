#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_security
short_description: Manage Harbor's system CVE allowlist and the scan-all schedule
version_added: 0.1.0
description:
  - Sets the system-wide CVE allowlist (the vulnerabilities that never block a pull) and when Harbor scans every
    artifact. Each is left as it is when not given.
  - The allowlist's CVE ids are compared as a set.
  - The scan-all schedule needs a default scanner (see M(harborops.ha.harbor_scanner)); without one Harbor refuses it.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_schedule.scan_all
options:
  cve_allowlist:
    description: The system CVE allowlist; it replaces the one Harbor has.
    type: dict
    suboptions:
      items:
        description: CVE ids, for example V(CVE-2024-3094); an empty list empties the allowlist.
        type: list
        elements: str
        required: true
      expires_at:
        description: When the allowlist expires, in seconds since the epoch; not given, it never expires.
        type: int
'''

EXAMPLES = r'''
- name: Accept two CVEs everywhere until the end of 2026 and scan everything every night
  harborops.ha.harbor_security:
    cve_allowlist:
      items: [CVE-2024-3094, CVE-2023-44487]
      expires_at: 1798761600
    scan_all_schedule:
      type: Daily
'''

RETURN = r'''
cve_allowlist:
  description: The system CVE allowlist after the run (as before it when O(cve_allowlist) is not given).
  returned: always
  type: dict
  sample: {items: [{cve_id: CVE-2024-3094}], expires_at: 1798761600}
scan_all_schedule:
  description: The scan-all schedule after the run, C(type) V(None) when there is none (empty when not managed).
  returned: always
  type: dict
  sample: {schedule: {type: Daily, cron: "0 0 0 * * *"}}
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, HarborModule
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import changed_keys, diff_view
from ansible_collections.harborops.ha.plugins.module_utils._harbor_schedule import (
    SystemSchedule, desired_schedule, schedule_argument_spec, schedule_errors)

ALLOWLIST = '/system/CVEAllowlist'


def input_errors(params):
    errors = [error.replace('schedule.', 'scan_all_schedule.', 1) for error in schedule_errors(params['scan_all_schedule'])]
    allowlist = params['cve_allowlist']
    if allowlist is not None:
        items = [item.strip() for item in allowlist['items']]
        if not all(items):
            errors.append('cve_allowlist.items must not hold an empty CVE id')
        duplicates = sorted(set(item for item in items if items.count(item) > 1))
        if duplicates:
            # Harbor's validator refuses them with an untranslated 500
            errors.append('cve_allowlist.items holds %s more than once' % ', '.join(duplicates))
    return errors


def allowlist_view(allowlist):
    return {'items': sorted(item.get('cve_id') for item in allowlist.get('items') or []),
            'expires_at': allowlist.get('expires_at')}


def converge_allowlist(module, wanted, diff_parts):
    """PUT replaces the list; returns the allowlist after the run."""
    existing = module.get(ALLOWLIST) or {}
    if wanted is None:
        return existing
    current = allowlist_view(existing)
    desired = {'items': sorted(item.strip() for item in wanted['items']), 'expires_at': wanted.get('expires_at')}
    changes = changed_keys(current, desired) + (
        ['expires_at'] if desired['expires_at'] is None and current['expires_at'] is not None else [])
    if not changes:
        return existing
    module.result['changed'] = True
    before, after = diff_view(current, desired, changes)
    for key in changes:
        after[key] = desired[key]
    diff_parts.append(({'cve_allowlist': before}, {'cve_allowlist': after}))
    if module.check_mode:
        return dict(existing, items=[{'cve_id': item} for item in desired['items']], expires_at=desired['expires_at'])
    module.request('PUT', ALLOWLIST, body={'items': [{'cve_id': item} for item in desired['items']],
                                           'expires_at': desired['expires_at']})
    return module.get(ALLOWLIST) or {}


def security(module):
    params = module.params
    errors = input_errors(params)
    if errors:
        raise HarborError('; '.join(errors))
    diff_parts = []
    module.result['cve_allowlist'] = converge_allowlist(module, params['cve_allowlist'], diff_parts)
    module.result['scan_all_schedule'] = {}
    if params['scan_all_schedule'] is not None:
        scan_all = SystemSchedule(module, 'scanAll', 'scan all')
        schedule = scan_all.converge(desired_schedule(params['scan_all_schedule']), {})
        module.result['scan_all_schedule'] = {'schedule': schedule['schedule']}
        if module.result.get('diff'):
            diff = module.result.pop('diff')
            diff_parts.append(({'scan_all_schedule': diff['before']['schedule']},
                               {'scan_all_schedule': diff['after']['schedule']}))
    if diff_parts:
        module.set_diff(dict((k, v) for before, _after in diff_parts for k, v in before.items()),
                        dict((k, v) for _before, after in diff_parts for k, v in after.items()))


def main():
    module = HarborModule(argument_spec=dict(
        schedule_argument_spec('scan_all_schedule'),
        cve_allowlist=dict(type='dict', options=dict(
            items=dict(type='list', elements='str', required=True),
            expires_at=dict(type='int'),
        )),
    ))
    module.run(security)


if __name__ == '__main__':
    main()
