#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_user
short_description: Manage local Harbor users
version_added: 0.1.0
description:
  - Create, update or delete a local (database) user identified by its exact O(username).
  - Users can only be created while Harbor's authentication mode is C(db_auth).
  - Harbor never returns passwords, so O(password) is only sent on creation unless O(update_secret=always).
  - The built-in C(admin) account (user id 1) is not listed by Harbor's user API and cannot be managed here.
extends_documentation_fragment:
  - harborops.ha.harbor
  - harborops.ha.harbor_resource
options:
  username:
    description: Login name.
    type: str
    required: true
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
  update_secret:
    description:
      - V(on_create) sets O(password) only when the user is created.
      - V(always) sets it on every run; Harbor reports when the password is unchanged, so a re-run stays unchanged
        (in check mode a change is always predicted, as the password cannot be read).
      - The same option and values as the secrets of M(harborops.ha.harbor_robot) and M(harborops.ha.harbor_registry).
        O(update_password) is its deprecated former name.
    type: str
    choices: [always, on_create]
    default: on_create
    aliases: [update_password]
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
    update_secret: always

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

from ansible_collections.harborops.ha.plugins.module_utils._harbor import (
    HarborError, Resource, Secret, converge_main, error_text)

PROFILE_KEYS = ('email', 'realname', 'comment')  # the string options of the profile (PUT /users/{id})


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
    return dict(((key, user.get(key) or '') for key in PROFILE_KEYS), sysadmin=bool(user.get('sysadmin_flag')))


def set_password(module, user_id):
    """Harbor answers 400 'identical to old password' when nothing would change: False then."""
    response = module.request('PUT', '/users/%d/password' % user_id, body={'new_password': module.params['password']},
                              ok=(200, 400))
    if response.status_code == 400:
        if 'identical' in (response.text or '').lower():
            return False
        raise HarborError('setting the password of %r failed: HTTP 400 %s'
                          % (module.params['username'], error_text(response)), status=400)
    module.result['password_updated'] = True
    return True


class User(Resource):
    key = 'user'
    path = '/users'
    id_key = 'user_id'
    name_key = 'username'
    name_option = 'username'
    secret = Secret('password', flag='password_updated', alias='update_password')

    def input_errors(self):
        errors = super(User, self).input_errors()
        problem = password_error(self.params['password'])
        if problem:
            errors.append(problem)
        return errors

    def current(self, obj):
        return current_view(obj)

    def desired(self):
        return dict(((key, self.params[key]) for key in PROFILE_KEYS), sysadmin=self.params['sysadmin'])

    def diff(self, current, desired, keys):
        before, after = super(User, self).diff(current, desired, keys)
        if not current:
            after['username'] = self.name
        return before, after

    def create_body(self):
        if not self.params['email'] or not self.params['password']:
            raise HarborError('email and password are required to create user %r' % self.name)
        body = {'username': self.name, 'email': self.params['email'],
                'realname': self.params['realname'] or self.name, 'password': self.params['password']}
        if self.params['comment'] is not None:
            body['comment'] = self.params['comment']
        return body

    def create(self):
        created = super(User, self).create()
        self.module.result['password_updated'] = True
        return self.recover(created)

    def recover(self, found):
        """A lost answer: the user exists with the password sent; the sysadmin flag is a second request
        (on failure the next run sees the flag differ and sets it)."""
        self.module.result['password_updated'] = True
        if self.params['sysadmin']:
            self.module.request('PUT', '/users/%d/sysadmin' % found[self.id_key], body={'sysadmin_flag': True})
        return found

    def update(self, existing, current, desired, changes, secret):
        user_id = existing[self.id_key]
        profile = [k for k in changes if k in PROFILE_KEYS]
        if profile:
            # Harbor validates email and realname on every profile update: always send both.
            body = dict((k, desired[k] if desired[k] is not None else current[k]) for k in PROFILE_KEYS)
            self.module.request('PUT', '/users/%d' % user_id, body=body)
        if 'sysadmin' in changes:
            self.module.request('PUT', '/users/%d/sysadmin' % user_id, body={'sysadmin_flag': self.params['sysadmin']})
        if secret:
            return set_password(self.module, user_id)
        return True


def main():
    profile = dict((key, dict(type='str')) for key in PROFILE_KEYS)
    converge_main(User, dict(profile, sysadmin=dict(type='bool')))


if __name__ == '__main__':
    main()
