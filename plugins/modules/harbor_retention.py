#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_retention
short_description: Manage the tag retention policy of a Harbor project
version_added: 0.1.0
description:
  - Sets the rules and the schedule of the one tag retention policy of O(project), or removes it.
  - A retention run deletes every artifact that no enabled rule retains (immutable artifacts excepted); the
    deletions are replicated like any other.
  - Harbor does not check the rules when the policy is written, only when it runs; this module checks them before
    any request.
  - The rules are compared as an ordered list; O(cron) only when given.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource
  - harborops.ha.harbor_resource.project
  - harborops.ha.harbor_rule_selectors.retention
options:
  cron:
    description:
      - When retention runs, six fields, seconds first (C(0 0 0 * * *) is every midnight); V("") runs it only by
        hand. Not given, the schedule is left as it is (a new policy gets none).
    type: str
'''

EXAMPLES = r'''
- name: Keep the 10 newest artifacts of every repository and every release tag, nightly
  harborops.ha.harbor_retention:
    project: team-a
    cron: "0 0 2 * * *"
    rules:
      - template: latestPushedK
        count: 10
      - template: always
        tag_pattern: "v*"
        untagged: false
'''

RETURN = r'''
policy:
  description: The retention policy as Harbor returns it after the run (empty when absent, and in check mode for a new one).
  returned: always
  type: dict
  sample:
    id: 2
    algorithm: or
    rules:
      - {id: 1, priority: 1, action: retain, template: latestPushedK, params: {latestPushedK: 10},
         tag_selectors: [{kind: doublestar, decoration: matches, pattern: "**", extras: '{"untagged":true}'}],
         scope_selectors: {repository: [{kind: doublestar, decoration: repoMatches, pattern: "**"}]}}
    trigger: {kind: Schedule, settings: {cron: "0 0 2 * * *"}}
    scope: {level: project, ref: 5}
id:
  description: Id of the policy (null in check mode for a policy that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 2
'''

import json

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, Resource, converge_main
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import cron_error
from ansible_collections.harborops.ha.plugins.module_utils._harbor_selectors import (
    REPO_OPTIONS, first_selectors, harbor_selectors, selector_argument_spec)

MAX_RULES = 15


def rule_view(rule):
    """A rule as the module's options describe it, from Harbor's shape (the comparable form)."""
    template = rule.get('template')
    tag, repo = first_selectors(rule)
    try:
        extras = json.loads(tag.get('extras') or '{}')
    except ValueError:
        extras = {}
    # without extras, matches keeps untagged artifacts and excludes drops them
    # (src/lib/selector/selectors/doublestar/selector.go)
    untagged = extras.get('untagged') if 'untagged' in extras else tag.get('decoration') == 'matches'
    return {'template': template, 'count': (rule.get('params') or {}).get(template),
            'tag_pattern': tag.get('pattern'), 'tag_decoration': tag.get('decoration'),
            'untagged': bool(untagged), 'repository_pattern': repo.get('pattern'),
            'repository_decoration': REPO_OPTIONS.get(repo.get('decoration'), repo.get('decoration')),
            'disabled': bool(rule.get('disabled'))}


def harbor_rule(view, priority):
    """A rule option in Harbor's shape (what the portal sends)."""
    rule = {'priority': priority, 'disabled': view['disabled'], 'action': 'retain', 'template': view['template'],
            'params': {} if view['template'] == 'always' else {view['template']: view['count']}}
    rule.update(harbor_selectors(view, extras={'untagged': view['untagged']}))
    return rule


def rules_errors(rules):
    errors = []
    if len(rules) > MAX_RULES:
        errors.append('rules: Harbor allows at most %d rules, got %d' % (MAX_RULES, len(rules)))
    for index, rule in enumerate(rules):
        where = 'rules[%d]' % index
        if rule['template'] == 'always' and rule['count'] is not None:
            errors.append('%s.count is not used with template always' % where)
        elif rule['template'] != 'always' and (rule['count'] is None or rule['count'] < 0):
            errors.append('%s.count is required with template %s (0 or more)' % (where, rule['template']))
        for key in ('tag_pattern', 'repository_pattern'):
            if not (rule[key] or '').strip():
                errors.append('%s.%s must not be empty (** selects everything)' % (where, key))
        if rule in rules[:index]:
            errors.append('%s is the same as rules[%d]; Harbor refuses two equal rules' % (where, rules.index(rule)))
    return errors


def policy_cron(policy):
    trigger = policy.get('trigger') or {}
    return ((trigger.get('settings') or {}).get('cron') or '') if trigger.get('kind') == 'Schedule' else ''


class Retention(Resource):
    key = 'policy'
    path = '/retentions'
    name_option = 'project'
    project_scoped = True

    def input_errors(self):
        errors = super(Retention, self).input_errors()
        rules = self.params['rules']
        if rules is not None:
            errors.extend(rules_errors(rules))
        cron = self.params['cron']
        if cron and cron_error(cron):
            errors.append('cron %r %s' % (cron, cron_error(cron)))
        return errors

    def find(self):
        """The policy's id is the project's metadata retention_id."""
        project = self.module.get('/projects/%d' % self.project['project_id']) or {}
        policy_id = (project.get('metadata') or {}).get('retention_id')
        if not policy_id or not str(policy_id).isdigit():
            return None
        return self.module.get('%s/%s' % (self.path, policy_id))

    def label(self, obj):
        return {'project': self.name}

    def current(self, obj):
        return {'rules': [rule_view(rule) for rule in obj.get('rules') or []], 'cron': policy_cron(obj)}

    def desired(self):
        return {'rules': self.params['rules'], 'cron': self.params['cron']}

    def body(self, existing, desired):
        current = self.current(existing) if existing else {'rules': [], 'cron': ''}
        rules = desired['rules'] if desired['rules'] is not None else current['rules']
        cron = desired['cron'] if desired['cron'] is not None else current['cron']
        body = {'algorithm': 'or', 'rules': [harbor_rule(rule, index + 1) for index, rule in enumerate(rules)],
                'trigger': {'kind': 'Schedule', 'settings': {'cron': cron}},
                'scope': {'level': 'project', 'ref': self.project['project_id']}}
        if existing:
            body['id'] = existing['id']
        return body

    def create_body(self):
        if not self.params['rules']:
            raise HarborError('rules are required to create the retention policy of project %r' % self.name)
        return self.body(None, self.desired())

    def update(self, existing, current, desired, changes, secret):
        self.module.request('PUT', self.object_path(existing), body=self.body(existing, desired))


def main():
    converge_main(Retention, dict(
        rules=dict(type='list', elements='dict', options=dict(
            selector_argument_spec(),
            template=dict(type='str', required=True, choices=['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush',
                                                              'nDaysSinceLastPull', 'always']),
            count=dict(type='int'),
            tag_pattern=dict(type='str', default='**'),
            untagged=dict(type='bool', default=True),
        )),
        cron=dict(type='str'),
    ))


if __name__ == '__main__':
    main()
