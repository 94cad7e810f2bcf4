# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the collection: this file is not a public API. Only modules of
# harborops.ha may import it; its interface can change in any release.
"""Harbor's system jobs with one schedule: ``/system/<vendor>/schedule`` (GET, POST, PUT), a run
started with schedule type ``Manual`` and its execution at ``/system/<vendor>/<id>``.

Garbage collection (``gc``), audit-log purge (``purgeaudit``) and scan all (``scanAll``) share
this shape (Harbor: src/server/v2.0/handler/gc.go, purge.go, scan_all.go)."""

import json
import time

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, HarborModule
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import (
    changed_keys, cron_error, diff_view)

SCHEDULE_TYPES = ['Hourly', 'Daily', 'Weekly', 'Custom', 'None']
# the crons Harbor's portal sends for the fixed types (src/portal cron-selection)
DEFAULT_CRONS = {'Hourly': '0 0 * * * *', 'Daily': '0 0 0 * * *', 'Weekly': '0 0 0 * * 0'}
FINAL_STATUSES = ('Success', 'Error', 'Stopped')
POLL_DELAY = 1


def schedule_argument_spec(option='schedule'):
    """The ``schedule`` option (or ``option``): ``{type, cron}`` (doc fragment harborops.ha.harbor_schedule)."""
    return {option: dict(type='dict', options=dict(
        type=dict(type='str', required=True, choices=SCHEDULE_TYPES),
        cron=dict(type='str')))}


def job_main(job, argument_spec, wait_timeout):
    """main() of a system job's module: ``argument_spec`` plus the ``schedule`` and the options of a run
    now (``run``, ``dry_run``, ``wait``, ``wait_timeout`` defaulting to ``wait_timeout``), then ``job(module)``."""
    spec = schedule_argument_spec()
    spec.update(
        run=dict(type='bool', default=False),
        dry_run=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=wait_timeout),
    )
    spec.update(argument_spec)
    HarborModule(argument_spec=spec).run(job)


def run_errors(params):
    """Problems with the options of a run now (job_main), before any request."""
    errors = []
    if params['dry_run'] and not params['run']:
        errors.append('dry_run is only used with run=true')
    if params['wait_timeout'] <= 0:
        errors.append('wait_timeout must be a positive number of seconds')
    return errors


def desired_schedule(schedule):
    """``{type, cron}`` as Harbor stores it (fixed types get the portal's cron), or None."""
    if schedule is None:
        return None
    stype = schedule['type']
    if stype == 'None':
        return {'type': 'None', 'cron': ''}
    return {'type': stype, 'cron': schedule.get('cron') or DEFAULT_CRONS.get(stype)}


def schedule_errors(schedule):
    """Problems with the ``schedule`` option, before any request."""
    if schedule is None:
        return []
    if schedule['type'] == 'Custom' and not schedule.get('cron'):
        return ['schedule.cron is required when schedule.type is Custom']
    if schedule['type'] == 'None':
        return ['schedule.cron is only used with a schedule type other than None'] if schedule.get('cron') else []
    if schedule.get('cron'):
        problem = cron_error(schedule['cron'])
        if problem:
            return ['schedule.cron %r %s' % (schedule['cron'], problem)]
    return []


def json_parameters(value):
    """``job_parameters`` is a JSON string in Harbor's answers; {} when absent or unreadable."""
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(value or '{}')
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class SystemSchedule(object):
    """The schedule and the runs of one system job (``vendor``: gc, purgeaudit, scanAll)."""

    def __init__(self, module, vendor, what):
        self.module = module
        self.path = '/system/%s' % vendor
        self.what = what

    def read(self):
        """The schedule as ``{schedule: {type, cron}, <parameter>: value...}``; type None when
        there is none."""
        raw = self.module.get(self.path + '/schedule') or {}
        schedule = raw.get('schedule') or {}
        stype = schedule.get('type') or 'None'
        view = json_parameters(raw.get('job_parameters'))
        view['schedule'] = {'type': stype, 'cron': (schedule.get('cron') or '') if stype != 'None' else ''}
        return view

    def converge(self, schedule, parameters, send_always=()):
        """Bring the schedule to ``schedule`` (``{type, cron}``; None: keep it) with ``parameters``
        (None values: keep what Harbor has). ``send_always``: parameters every write carries,
        Harbor's value when the user gave none. Returns the schedule after the run (as read())."""
        have = self.read()
        want = dict((key, value) for key, value in parameters.items() if value is not None)
        if schedule is not None:
            want['schedule'] = schedule
        if (schedule or have['schedule'])['type'] == 'None':
            want = dict((key, value) for key, value in want.items() if key == 'schedule')  # no schedule, no parameters
        changes = changed_keys(have, want)
        if not changes:
            return have
        after = dict(have, **want)
        self.module.result['changed'] = True
        self.module.set_diff(*diff_view(have, want, changes))
        if self.module.check_mode:
            return after
        body = {'schedule': {'type': after['schedule']['type']},
                'parameters': dict((key, after[key]) for key in list(parameters) + list(send_always) if key in after)}
        if after['schedule']['type'] != 'None':
            body['schedule']['cron'] = after['schedule']['cron']
        method = 'POST' if have['schedule']['type'] == 'None' else 'PUT'
        self.module.request(method, self.path + '/schedule', body=body, ok=(200, 201))
        return self.read()

    def run_now(self, parameters, dry_run, wait, timeout, results=()):
        """Start a run with ``parameters`` (None values left out) and ``dry_run``; with ``wait``, wait
        for it and add ``results`` (keys of the execution's job_parameters) to the returned
        ``{id, status, dry_run, ...}``. A run that deletes is a change, a dry run is not; check
        mode starts nothing and returns {}."""
        if not dry_run:
            self.module.result['changed'] = True
        if self.module.check_mode:
            return {}
        body = dict((key, value) for key, value in parameters.items() if value is not None)
        body['dry_run'] = dry_run
        run = {'id': self.start(body), 'status': 'Running', 'dry_run': dry_run}
        if wait:
            done = self.wait(run['id'], timeout)
            run['status'] = done['job_status']
            run.update((key, done['job_parameters'].get(key, 0)) for key in results)
        return run

    def start(self, parameters):
        """Start a run now (schedule type Manual); returns its execution id."""
        response = self.module.request('POST', self.path + '/schedule', ok=(201, 200),
                                       body={'schedule': {'type': 'Manual'}, 'parameters': parameters})
        tail = response.headers.get('Location', '').rstrip('/').rsplit('/', 1)[-1]
        if not tail.isdigit() or tail == '0':
            raise HarborError('Harbor started the %s run but did not say its id (Location %r)'
                              % (self.what, response.headers.get('Location')))
        return int(tail)

    def execution(self, execution_id):
        found = self.module.get('%s/%d' % (self.path, execution_id))
        if found is None:
            raise HarborError('the %s run %d is not in Harbor' % (self.what, execution_id))
        return dict(found, job_parameters=json_parameters(found.get('job_parameters')))

    def wait(self, execution_id, timeout):
        """Poll the run until its status is final; a run that fails raises with its log's end."""
        deadline = time.time() + timeout
        while True:
            run = self.execution(execution_id)
            if run.get('job_status') in FINAL_STATUSES:
                break
            if time.time() >= deadline:
                raise HarborError('the %s run %d is still %s after wait_timeout=%ss; it goes on in Harbor'
                                  % (self.what, execution_id, run.get('job_status'), timeout))
            time.sleep(POLL_DELAY)
        if run['job_status'] != 'Success':
            raise HarborError('the %s run %d ended %s: %s' % (self.what, execution_id, run['job_status'],
                                                              self.log_tail(execution_id)))
        return run

    def log_tail(self, execution_id, lines=5):
        try:
            response = self.module.request('GET', '%s/%d/log' % (self.path, execution_id))
        except HarborError as exc:
            return '(its log could not be read: %s)' % exc
        return ' | '.join((response.text or '').strip().splitlines()[-lines:]) or '(empty log)'
