#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_label
short_description: Manage Harbor labels (global or of one project)
version_added: 0.1.0
description:
  - Create, update or delete a label identified by O(name) and its scope (O(project) for a project label).
  - Only O(description) and O(color) that are given are compared; Harbor replaces both on every update, so the other
    one is sent as Harbor has it.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource.described
options:
  name:
    description: Name of the label (at most 128 characters). Harbor compares names exactly within a scope.
    type: str
    required: true
  scope:
    description: A global label (system administrators manage it, every project can use it) or a label of O(project).
    type: str
    choices: [global, project]
    default: global
  project:
    description: Project of a O(scope=project) label.
    type: str
  color:
    description: Color shown in Harbor's portal, for example V(#0065AB).
    type: str
'''

EXAMPLES = r'''
- name: A global label every project can put on artifacts
  harborops.ha.harbor_label:
    name: approved
    color: "#48960C"
    description: Passed the release checks

- name: A label of one project
  harborops.ha.harbor_label:
    name: nightly
    scope: project
    project: team-a
'''

RETURN = r'''
label:
  description: The label as Harbor returns it after the run (empty when absent, and in check mode for a new label).
  returned: always
  type: dict
  sample: {id: 3, name: approved, scope: g, project_id: 0, color: "#48960C", description: Passed the release checks}
id:
  description: Id of the label (null in check mode for a label that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 3
'''

import re

from ansible_collections.harborops.ha.plugins.module_utils._harbor import Resource, converge_main, find_exact

COLOR_RE = re.compile(r'^#[0-9A-Fa-f]{6}$')
SCOPES = {'global': 'g', 'project': 'p'}


class Label(Resource):
    key = 'label'
    path = '/labels'
    described = True

    def input_errors(self):
        errors = super(Label, self).input_errors()
        if len(self.name) > 128:
            errors.append('name must be at most 128 characters')
        if self.params['scope'] == 'project' and not self.params['project']:
            errors.append('project is required when scope=project')
        if self.params['scope'] == 'global' and self.params['project']:
            errors.append('project is only used with scope=project')
        if self.params['color'] and not COLOR_RE.match(self.params['color']):
            errors.append('color must be #RRGGBB (6 hexadecimal digits), got %r' % self.params['color'])
        return errors

    def prepare(self):
        self.query = {'scope': SCOPES[self.params['scope']]}
        if self.params['scope'] == 'project':
            self.query['project_id'] = self.module.find_project(self.params['project'])['project_id']

    def find(self):
        return find_exact(self.module.list(self.path, dict(self.query, name=self.name)), self.name)

    def label(self, obj):
        return {'name': obj.get('name'), 'scope': self.params['scope']}

    def current(self, obj):
        return {'description': obj.get('description') or '', 'color': obj.get('color') or ''}

    def desired(self):
        return {'description': self.params['description'], 'color': self.params['color']}

    def create_body(self):
        body = dict(name=self.name, scope=self.query['scope'], description=self.params['description'] or '',
                    color=self.params['color'] or '')
        if 'project_id' in self.query:
            body['project_id'] = self.query['project_id']
        return body

    def update_body(self, existing, desired, changes, secret):
        current = self.current(existing)
        return dict(name=self.name, **dict((key, desired[key] if desired[key] is not None else current[key])
                                           for key in ('description', 'color')))


def main():
    converge_main(Label, dict(
        scope=dict(type='str', default='global', choices=['global', 'project']),
        project=dict(type='str'),
        color=dict(type='str'),
    ))


if __name__ == '__main__':
    main()
