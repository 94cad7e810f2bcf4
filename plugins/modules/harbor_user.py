#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: harbor_user
short_description: Manage local Harbor users
version_added: 0.1.0
description:
  - Create, update or delete a local (database) user identified by its exact O(username).
  - Users can only be created while Harbor's authentication mode is C(db_auth).
  - Harbor never returns passwords, so O(password) is only sent on creation unless O(update_password=always).
  - The built-in C(admin) account (user id 1) is not listed by Harbor's user API and cannot be managed here.
author:
  - harborops maintainers (@harborops)
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_attributes
options:
  username:
    description: Login name.
    type: str
    required: true
  state:
    description: Whether the user should exist.
    type: str
    choices: [present, absent]
    default: present
  email:
    description: E-mail address (unique in Harbor). Required to create a user.
    type: str
  realname:
    description: Full name. Defaults to O(username) when the user is created.
    type: str
  comment:
    description: Comment (at most 30 characters). Left unmanaged when not set.
    type: str
  password:
    description:
      - Password, 8-128 characters with at least one upper-case letter, one lower-case letter and one digit.
      - Required to create a user.
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the user is created.
      - V(always) sets it on every run; Harbor reports when the password is unchanged, so a re-run stays unchanged
        (in check mode a change is always predicted, as the password cannot be read).
    type: str
    choices: [always, on_create]
    default: on_create
  sysadmin:
    description: Whether the user is a Harbor system administrator. Left unmanaged when not set.
    type: bool
'''

EXAMPLES = r'''
- name: An operator with admin rights
  harborops.ha.harbor_user:
    username: alice
    email: alice@example.com
    realname: Alice Operator
    password: "{{ vault_alice_password }}"
    sysadmin: true

- name: Enforce the password from the vault on every run
  harborops.ha.harbor_user:
    username: alice
    password: "{{ vault_alice_password }}"
    update_password: always

- name: Remove the account
  harborops.ha.harbor_user:
    username: alice
    state: absent
'''

RETURN = r'''
user:
  description: The user as Harbor returns it after the run (no password; empty when absent).
  returned: always
  type: dict
  sample: {user_id: 3, username: alice, email: alice@example.com, realname: Alice Operator, sysadmin_flag: true}
id:
  description: Id of the user (null in check mode for a user that does not exist yet).
  returned: when O(state=present)
  type: int
  sample: 3
password_updated:
  description: Whether the password was set by this run (the value is never returned).
  returned: when O(state=present)
  type: bool
  sample: false
'''

import re

from ansible_collections.harborops.ha.plugins.module_utils._harbor import HarborError, HarborModule, error_text
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import changed_keys, diff_view

PROFILE_KEYS = ('email', 'realname', 'comment')


def password_error(password):
    """Harbor's password policy, checked before anything is sent."""
    if password is None:
        return None
    if not 8 <= len(password) <= 128 or not re.search('[A-Z]', password) or not re.search('[a-z]', password) \
            or not re.search('[0-9]', password):
        return ('password must be 8-128 characters long with at least 1 uppercase letter, 1 lowercase letter and '
                '1 number')
    return None


def current_view(user):
    return {
        'email': user.get('email') or '',
        'realname': user.get('realname') or '',
        'comment': user.get('comment') or '',
        'sysadmin': bool(user.get('sysadmin_flag')),
    }


def set_password(module, user_id):
    """Harbor answers 400 'identical to old password' when nothing would change."""
    if module.check_mode:
        module.result['changed'] = True
        return True
    response = module.request('PUT', '/users/%d/password' % user_id, body={'new_password': module.params['password']},
                              ok=(200, 400))
    if response.status_code == 400:
        if 'identical' in (response.text or '').lower():
            return False
        raise HarborError('setting the password of %r failed: HTTP 400 %s'
                          % (module.params['username'], error_text(response)))
    module.result['changed'] = True
    return True


def ensure(module):
    params = module.params
    problem = password_error(params['password'])
    if problem:
        raise HarborError(problem)
    existing = module.find_by_name('/users', params['username'], key='username')

    if params['state'] == 'absent':
        module.ensure_absent('user', existing, '/users', id_key='user_id', label_key='username')
        return

    desired = {'email': params['email'], 'realname': params['realname'], 'comment': params['comment'],
               'sysadmin': params['sysadmin']}
    managed = [k for k, v in desired.items() if v is not None]
    module.result['password_updated'] = False

    if not existing:
        if not params['email'] or not params['password']:
            raise HarborError('email and password are required to create user %r' % params['username'])
        body = {'username': params['username'], 'email': params['email'],
                'realname': params['realname'] or params['username'], 'password': params['password']}
        if params['comment'] is not None:
            body['comment'] = params['comment']
        module.set_diff({}, dict(username=params['username'], **dict((k, desired[k]) for k in managed)))
        user_id = module.create('/users', body)
        module.result.update(id=user_id, password_updated=True)
        if user_id is not None and params['sysadmin']:
            module.write('PUT', '/users/%d/sysadmin' % user_id, {'sysadmin_flag': True})
        module.result['user'] = module.get('/users/%d' % user_id) if user_id is not None else {}
        return

    user_id = existing['user_id']
    module.result['id'] = user_id
    current = current_view(existing)
    changes = changed_keys(current, desired)
    if changes:
        module.set_diff(*diff_view(current, desired, changes))
    profile_changes = [k for k in changes if k in PROFILE_KEYS]
    if profile_changes:
        # Harbor validates email and realname on every profile update: always send both.
        body = dict((k, desired[k] if desired[k] is not None else current[k]) for k in PROFILE_KEYS)
        module.write('PUT', '/users/%d' % user_id, body)
    if 'sysadmin' in changes:
        module.write('PUT', '/users/%d/sysadmin' % user_id, {'sysadmin_flag': params['sysadmin']})
    if params['password'] is not None and params['update_password'] == 'always':
        module.result['password_updated'] = set_password(module, user_id)
    module.report('user', '/users/%d' % user_id, existing)


def main():
    module = HarborModule(
        argument_spec=dict(
            username=dict(type='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            email=dict(type='str'),
            realname=dict(type='str'),
            comment=dict(type='str'),
            password=dict(type='str', no_log=True),
            update_password=dict(type='str', default='on_create', choices=['always', 'on_create'], no_log=False),
            sysadmin=dict(type='bool'),
        ),
    )
    module.run(ensure)


if __name__ == '__main__':
    main()
