# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


def _schedule(option, description):
    """The documentation of a schedule option (module_utils/_harbor_schedule.py schedule_argument_spec(option))."""
    return r'''
options:
  {option}:
    description: {description}
    type: dict
    suboptions:
      type:
        description:
          - V(None) removes the schedule. V(Hourly), V(Daily) and V(Weekly) default O({option}.cron) to what
            Harbor's portal sends (C(0 0 * * * *), C(0 0 0 * * *), C(0 0 0 * * 0)).
        type: str
        required: true
        choices: [Hourly, Daily, Weekly, Custom, None]
      cron:
        description: Six fields, seconds first (C(0 30 2 * * *) is 02:30 every day); required for V(Custom).
        type: str
'''.format(option=option, description=description)


class ModuleDocFragment(object):
    """The schedule of a Harbor system job (module_utils/_harbor_schedule.py job_main): DOCUMENTATION for
    harbor_gc and harbor_audit_purge (their run options stay in the modules: what a run does differs),
    SCAN_ALL for harbor_security's scan_all_schedule. Both are set below from one template: ansible-test's
    yamllint reads a fragment's class attributes only when they are string literals."""


ModuleDocFragment.DOCUMENTATION = _schedule(
    'schedule', 'When Harbor runs the job on its own. Not given, the schedule is left as it is.')
ModuleDocFragment.SCAN_ALL = _schedule('scan_all_schedule', 'When Harbor scans every artifact.')
