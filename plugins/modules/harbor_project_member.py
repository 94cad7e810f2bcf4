#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_project_member
short_description: Manage the members of a Harbor project and their roles
version_added: 0.1.0
description:
  - Add a user or a group to a project with a role, change the role, or remove the member.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource
  - harborops.ha.harbor_resource.project
options:
  user:
    description: Username of the member. Exactly one of O(user) and O(group) is required.
    type: str
  group:
    description: Group name of the member (LDAP, HTTP or OIDC group).
    type: str
  group_type:
    description: Kind of group, for O(group).
    type: str
    choices: [ldap, http, oidc]
    default: oidc
  ldap_group_dn:
    description: DN of an LDAP group (with O(group_type=ldap)).
    type: str
  role:
    description: Role in the project. Required with O(state=present).
    type: str
    choices: [projectAdmin, developer, guest, maintainer, limitedGuest]
'''

EXAMPLES = r'''
- name: Alice develops in team-a
  harborops.ha.harbor_project_member:
    project: team-a
    user: alice
    role: developer

- name: The OIDC group team-a-admins administers the project
  harborops.ha.harbor_project_member:
    project: team-a
    group: team-a-admins
    group_type: oidc
    role: projectAdmin

- name: Remove Alice
  harborops.ha.harbor_project_member:
    project: team-a
    user: alice
    state: absent
'''

RETURN = r'''
member:
  description: The membership as Harbor returns it after the run (empty when absent).
  returned: always
  type: dict
  sample: {id: 11, project_id: 5, entity_name: alice, entity_type: u, role_id: 2, role_name: developer}
'''

from ansible_collections.harborops.ha.plugins.module_utils._harbor import Resource, converge_main

ROLES = {'projectAdmin': 1, 'developer': 2, 'guest': 3, 'maintainer': 4, 'limitedGuest': 5}
GROUP_TYPES = {'ldap': 1, 'http': 2, 'oidc': 3}


def find_member(members, name, entity_type):
    for member in members or []:
        if member.get('entity_name') == name and member.get('entity_type') == entity_type:
            return member
    return None


def member_body(params):
    body = {'role_id': ROLES[params['role']]}
    if params['user']:
        body['member_user'] = {'username': params['user']}
    else:
        group = {'group_name': params['group'], 'group_type': GROUP_TYPES[params['group_type']]}
        if params['ldap_group_dn']:
            group['ldap_group_dn'] = params['ldap_group_dn']
        body['member_group'] = group
    return body


class Member(Resource):
    key = 'member'
    name_option = None  # a user or a group (see name)
    project_scoped = True
    project_path = 'members'

    def __init__(self, module):
        super(Member, self).__init__(module)
        self.entity_type = 'u' if self.params['user'] else 'g'
        self.kind = 'user' if self.params['user'] else 'group'

    @property
    def name(self):
        return self.params['user'] or self.params['group']

    def input_errors(self):
        errors = []
        for option in ('project', self.kind):
            if not (self.params[option] or '').strip():
                errors.append('%s must not be empty' % option)
        if self.params['state'] == 'present' and not self.params['role']:
            errors.append('role is required when state=present')
        return errors

    def find(self):
        return find_member(self.module.list(self.path, {'entityname': self.name}), self.name, self.entity_type)

    def label(self, obj):
        return {'member': '%s %s' % (self.kind, self.name), 'role': obj.get('role_name')}

    def current(self, obj):
        return {'member': '%s %s' % (self.kind, self.name), 'role': obj.get('role_name')}

    def desired(self):
        return {'member': '%s %s' % (self.kind, self.name), 'role': self.params['role']}

    def diff(self, current, desired, keys):
        before, after = super(Member, self).diff(current, desired, keys)
        before['member'] = after['member'] = desired['member']
        return ({} if not current else before), after

    def create_body(self):
        return member_body(self.params)

    def update_body(self, existing, desired, changes, secret):
        return {'role_id': ROLES[self.params['role']]}


def main():
    converge_main(Member, dict(
        user=dict(type='str'),
        group=dict(type='str'),
        group_type=dict(type='str', default='oidc', choices=list(GROUP_TYPES)),
        ldap_group_dn=dict(type='str'),
        role=dict(type='str', choices=list(ROLES)),
    ), mutually_exclusive=[('user', 'group')], required_one_of=[('user', 'group')])


if __name__ == '__main__':
    main()
