#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_immutable_rule
short_description: Manage the immutable tag rules of a Harbor project
version_added: 0.1.0
description:
  - Create, enable, disable or delete one immutable tag rule of O(project). A tag a rule selects cannot be moved by a
    push nor deleted; tag retention never deletes it.
  - A rule has no name in Harbor; it is identified by its selectors (O(tag_pattern), O(tag_decoration),
    O(repository_pattern), O(repository_decoration)). Changing a selector declares another rule; remove the old one
    with O(state=absent).
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource
  - harborops.ha.harbor_resource.project
  - harborops.ha.harbor_rule_selectors
options:
  tag_pattern:
    description: Tags the rule selects, a doublestar pattern such as V(v*) or V({latest,stable}).
    type: str
    required: true
  tag_decoration:
    description: Whether the rule applies to the tags O(tag_pattern) matches or to all the others.
    type: str
    choices: [matches, excludes]
    default: matches
'''

EXAMPLES = r'''
- name: Release tags of every repository of team-a can never be overwritten nor deleted
  harborops.ha.harbor_immutable_rule:
    project: team-a
    tag_pattern: "v*"

- name: Switch a rule off for a migration
  harborops.ha.harbor_immutable_rule:
    project: team-a
    tag_pattern: "v*"
    disabled: true
'''

RETURN = r'''
rule:
  description: The rule as Harbor returns it after the run (empty when absent, and in check mode for a new rule).
  returned: always
  type: dict
  sample:
    id: 4
    disabled: false
    action: immutable
    template: immutable_template
    tag_selectors: [{kind: doublestar, decoration: matches, pattern: "v*"}]
    scope_selectors: {repository: [{kind: doublestar, decoration: repoMatches, pattern: "**"}]}
id:
  description: Id of the rule (null in check mode for a rule that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 4
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import Resource, converge_main
from ansible_collections.harborops.ha.plugins.module_utils._harbor_selectors import (
    first_selectors, harbor_selectors, selector_argument_spec)


def selector_key(rule):
    """(tag decoration, tag pattern, repository decoration, repository pattern) of a rule: its identity."""
    tag, repo = first_selectors(rule)
    return (tag.get('decoration'), tag.get('pattern'), repo.get('decoration'), repo.get('pattern'))


class ImmutableRule(Resource):
    key = 'rule'
    name_option = 'tag_pattern'
    project_scoped = True
    project_path = 'immutabletagrules'

    def input_errors(self):
        errors = super(ImmutableRule, self).input_errors()
        if not (self.params['repository_pattern'] or '').strip():
            errors.append('repository_pattern must not be empty (** selects every repository)')
        return errors

    def find(self):
        wanted = selector_key(harbor_selectors(self.params))
        for rule in self.module.list(self.path):
            if selector_key(rule) == wanted:
                return rule
        return None

    def read(self, obj):
        """Harbor has no GET of one rule: list and pick it."""
        for rule in self.module.list(self.path):
            if rule.get('id') == obj.get('id'):
                return rule
        return None

    def label(self, obj):
        return {'project': self.params['project'], 'tag_pattern': self.params['tag_pattern'],
                'repository_pattern': self.params['repository_pattern']}

    def current(self, obj):
        return {'disabled': bool(obj.get('disabled'))}

    def desired(self):
        return {'disabled': self.params['disabled']}

    def diff(self, current, desired, keys):
        before, after = super(ImmutableRule, self).diff(current, desired, keys)
        if not current:
            after.update(self.label({}), tag_decoration=self.params['tag_decoration'],
                         repository_decoration=self.params['repository_decoration'])
        return before, after

    def body(self, rule_id=None):
        body = dict(harbor_selectors(self.params), action='immutable', template='immutable_template',
                    disabled=self.params['disabled'])
        if rule_id is not None:
            body['id'] = rule_id
        return body

    def create_body(self):
        return self.body()

    def create(self):
        created = super(ImmutableRule, self).create()
        if self.params['disabled']:
            # Harbor stores a new rule enabled whatever the request says (src/pkg/immutable/dao/dao.go)
            self.module.request('PUT', self.object_path(created), body=self.body(created['id']))
        return created

    def update(self, existing, current, desired, changes, secret):
        # only `disabled` can differ: Harbor then toggles the rule and ignores the rest of the body
        self.module.request('PUT', self.object_path(existing), body=dict(existing, disabled=self.params['disabled']))


def main():
    converge_main(ImmutableRule, selector_argument_spec())


if __name__ == '__main__':
    main()
