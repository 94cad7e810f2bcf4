#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: harbor_config
short_description: Manage Harbor system settings (authentication, LDAP, OIDC, tokens, quotas)
version_added: 0.1.0
description:
  - Sets the Harbor system configuration keys you give (partial update); every other key is left alone.
  - Secrets (O(ldap.search_password), O(oidc.client_secret)) are write-only in Harbor, see O(update_secret).
  - Secrets Harbor returns in clear (C(uaa_client_secret)) are left out of RV(config).
  - Harbor locks O(auth_mode) once users other than C(admin) exist; changing it then fails with Harbor's message.
extends_documentation_fragment:
  - harborops.ha.harbor
options:
  auth_mode:
    description: Authentication mode.
    type: str
    choices: [db_auth, ldap_auth, oidc_auth, uaa_auth, http_auth]
  self_registration:
    description: Whether users may register themselves (C(db_auth) only).
    type: bool
  project_creation_restriction:
    description: Who may create projects.
    type: str
    choices: [everyone, adminonly]
  token_expiration:
    description: Lifetime of registry tokens in minutes.
    type: int
  robot_token_duration:
    description: Default validity of robot accounts in days.
    type: int
  robot_name_prefix:
    description: Prefix of robot account names (Harbor's default is C(robot$)).
    type: str
  session_timeout:
    description: Web session timeout in minutes.
    type: int
  read_only:
    description: Put the registry in read-only mode (pushes and deletions refused).
    type: bool
  quota_per_project_enable:
    description: Whether per-project quotas are enforced.
    type: bool
  storage_per_project:
    description: Default storage quota of new projects in bytes; V(-1) unlimited.
    type: int
  notification_enable:
    description: Whether webhooks are sent.
    type: bool
  ldap:
    description: LDAP settings (keys C(ldap_*) of Harbor). Only the given keys are managed.
    type: dict
    suboptions:
      url:
        description: LDAP server URL, for example C(ldaps://ldap.example.com).
        type: str
      base_dn:
        description: Base DN of user searches.
        type: str
      filter:
        description: Extra LDAP filter for users.
        type: str
      scope:
        description: Search scope, V(0) base, V(1) one level, V(2) subtree.
        type: int
        choices: [0, 1, 2]
      uid:
        description: Attribute matched against the login name.
        type: str
      search_dn:
        description: DN used to bind for searches.
        type: str
      search_password:
        description: Password of O(ldap.search_dn). Write-only, see O(update_secret).
        type: str
      timeout:
        description: Connection timeout in seconds.
        type: int
      verify_cert:
        description: Verify the LDAP server certificate.
        type: bool
      group_base_dn:
        description: Base DN of group searches.
        type: str
      group_search_filter:
        description: Filter for groups.
        type: str
      group_attribute_name:
        description: Attribute holding the group name.
        type: str
      group_admin_dn:
        description: Members of this group are Harbor administrators.
        type: str
      group_membership_attribute:
        description: User attribute listing group membership.
        type: str
      group_search_scope:
        description: Group search scope, V(0) base, V(1) one level, V(2) subtree.
        type: int
        choices: [0, 1, 2]
  oidc:
    description: OIDC settings (keys C(oidc_*) of Harbor). Only the given keys are managed.
    type: dict
    suboptions:
      name:
        description: Provider name shown on the login page.
        type: str
      endpoint:
        description: Issuer URL.
        type: str
      client_id:
        description: Client id.
        type: str
      client_secret:
        description: Client secret. Write-only, see O(update_secret).
        type: str
      groups_claim:
        description: Claim holding the groups.
        type: str
      admin_group:
        description: Members of this group are Harbor administrators.
        type: str
      group_filter:
        description: Regular expression selecting the groups to onboard.
        type: str
      scope:
        description: Requested scopes, comma-separated (must contain C(openid)).
        type: str
      user_claim:
        description: Claim used as the user name.
        type: str
      verify_cert:
        description: Verify the provider certificate.
        type: bool
      auto_onboard:
        description: Create users on first login without asking for a name.
        type: bool
  extra_settings:
    description:
      - Any other configuration key of Harbor's C(PUT /configurations), with its JSON-typed value, for example
        C(banner_message) or C(audit_log_forward_endpoint).
      - Values of keys whose name contains C(password), C(secret) or C(token) are hidden from the output.
      - A key the Harbor answering does not have (a typo, or a setting of a newer Harbor) fails before anything is
        changed, since Harbor would drop it silently.
    type: dict
  update_secret:
    description:
      - V(on_create) sends O(ldap.search_password) / O(oidc.client_secret) only when another key of the same group
        (LDAP or OIDC) changes in this run, which covers the first configuration.
      - V(always) sends them on every run (always reported as a change, since Harbor never returns them).
      - The same option and values as the secrets of the other modules. O(update_secrets) is its deprecated former
        name, and V(on_change) the deprecated former name of V(on_create).
    type: str
    choices: [always, on_create, on_change]
    default: on_create
    aliases: [update_secrets]
'''

EXAMPLES = r'''
- name: Authenticate against the company LDAP
  harborops.ha.harbor_config:
    auth_mode: ldap_auth
    ldap:
      url: ldaps://ldap.example.com
      base_dn: ou=people,dc=example,dc=com
      uid: uid
      scope: 2
      search_dn: cn=harbor,ou=services,dc=example,dc=com
      search_password: "{{ vault_ldap_bind_password }}"
      verify_cert: true

- name: Short-lived tokens, admins create projects
  harborops.ha.harbor_config:
    token_expiration: 30
    project_creation_restriction: adminonly
    self_registration: false
'''

RETURN = r'''
config:
  description: Harbor's configuration after the run as C(key => value), without any secret (keys with C(password),
    C(secret) or C(token) in their name).
  returned: always
  type: dict
  sample: {auth_mode: ldap_auth, ldap_url: 'ldaps://ldap.example.com', token_expiration: 30}
changed_keys:
  description: Names of the Harbor keys that were (or in check mode would be) changed; secrets listed by name only.
  returned: always
  type: list
  elements: str
  sample: [ldap_url, ldap_search_password]
'''

import re

from ansible_collections.harborops.ha.plugins.module_utils._harbor import (
    HarborError, HarborModule, secret_argument_spec)
from ansible_collections.harborops.ha.plugins.module_utils._harbor_compare import changed_keys, diff_view

TOP_KEYS = ('auth_mode', 'self_registration', 'project_creation_restriction', 'token_expiration',
            'robot_token_duration', 'robot_name_prefix', 'session_timeout', 'read_only', 'quota_per_project_enable',
            'storage_per_project', 'notification_enable')
SECRETS = {'ldap': 'search_password', 'oidc': 'client_secret'}
# Password-type items Harbor never returns (src/lib/config/metadata/metadatalist.go): known although
# GET /configurations does not list them.
WRITE_ONLY = ('ldap_search_password', 'oidc_client_secret')
SECRET_KEY_RE = re.compile(r'password|secret|token(?!_expiration|_duration)', re.I)
HIDDEN = '********'


def flat_values(configurations):
    """``{key: {value, editable}}`` → ``{key: value}``."""
    result = {}
    for key, item in (configurations or {}).items():
        result[key] = item.get('value') if isinstance(item, dict) and 'value' in item else item
    return result


def without_secrets(config):
    """Harbor returns some secrets in clear (uaa_client_secret is a string item): never pass them on."""
    return dict((k, v) for k, v in config.items() if not SECRET_KEY_RE.search(k))


def desired_settings(params):
    """(plain settings, secrets) as Harbor keys; unset options are not managed."""
    settings, secrets = {}, {}
    for key in TOP_KEYS:
        if params[key] is not None:
            settings[key] = params[key]
    for group in ('ldap', 'oidc'):
        for key, value in (params[group] or {}).items():
            if value is None:
                continue
            target = secrets if key == SECRETS[group] else settings
            target['%s_%s' % (group, key)] = value
    for key, value in (params['extra_settings'] or {}).items():
        settings[key] = value
    return settings, secrets


def plan(current, settings, secrets, update_secret):
    """Changed plain keys and the secrets that go with them (on_create: when a key of the same
    group, LDAP or OIDC, changes in this run, which covers the first configuration)."""
    changes = dict((k, settings[k]) for k in changed_keys(current, settings))
    send = {}
    for key, value in secrets.items():
        group = key.split('_', 1)[0] + '_'
        if update_secret == 'always' or any(k.startswith(group) for k in changes):
            send[key] = value
    return changes, send


def unknown_keys(current, settings):
    """Keys Harbor does not have (it drops them silently, so they would never converge)."""
    return sorted(k for k in settings if k not in current and k not in WRITE_ONLY)


def hide_secret_values(module, config):
    """extra_settings is free-form, and Harbor returns some secrets: hide password/secret-like values."""
    for source in (module.params['extra_settings'] or {}, config):
        for key, value in source.items():
            if value not in (None, '') and SECRET_KEY_RE.search(str(key)):
                module.no_log_values.add(str(value))


def ensure(module):
    if module.params['update_secret'] == 'on_change':
        module.deprecate('update_secret=on_change is now called on_create', version='1.0.0',
                         collection_name='harborops.ha')
        module.params['update_secret'] = 'on_create'
    settings, secrets = desired_settings(module.params)
    hide_secret_values(module, {})
    overlap = set(settings) & set(WRITE_ONLY)
    if overlap:
        raise HarborError('extra_settings: set %s through ldap/oidc (write-only secrets), not extra_settings'
                          % ', '.join(sorted(overlap)))
    current = flat_values(module.get('/configurations'))
    hide_secret_values(module, current)
    unknown = unknown_keys(current, settings)
    if unknown:
        raise HarborError('extra_settings: Harbor at %s has no setting %s; it would drop %s silently'
                          % (module.params['harbor_url'], ', '.join(unknown), 'them' if len(unknown) > 1 else 'it'))
    changes, send = plan(current, settings, secrets, module.params['update_secret'])
    module.result['changed_keys'] = sorted(list(changes) + list(send))
    if changes:
        before, after = diff_view(current, changes, sorted(changes))
        for view in (before, after):
            for key in view:
                if SECRET_KEY_RE.search(key):
                    view[key] = HIDDEN
        module.set_diff(before, after)
    if changes or send:
        body = dict(changes)
        body.update(send)
        module.write('PUT', '/configurations', body)
    config = (flat_values(module.get('/configurations'))
              if module.result['changed'] and not module.check_mode else current)
    module.result['config'] = without_secrets(config)


def main():
    def group(keys, secret):
        spec = dict((k, dict(type=t)) for k, t in keys)
        spec[secret] = dict(type='str', no_log=True)
        return spec

    ldap = group([('url', 'str'), ('base_dn', 'str'), ('filter', 'str'), ('scope', 'int'), ('uid', 'str'),
                  ('search_dn', 'str'), ('timeout', 'int'), ('verify_cert', 'bool'), ('group_base_dn', 'str'),
                  ('group_search_filter', 'str'), ('group_attribute_name', 'str'), ('group_admin_dn', 'str'),
                  ('group_membership_attribute', 'str'), ('group_search_scope', 'int')], 'search_password')
    ldap['scope']['choices'] = [0, 1, 2]
    ldap['group_search_scope']['choices'] = [0, 1, 2]
    oidc = group([('name', 'str'), ('endpoint', 'str'), ('client_id', 'str'), ('groups_claim', 'str'),
                  ('admin_group', 'str'), ('group_filter', 'str'), ('scope', 'str'), ('user_claim', 'str'),
                  ('verify_cert', 'bool'), ('auto_onboard', 'bool')], 'client_secret')
    module = HarborModule(
        argument_spec=dict(
            auth_mode=dict(type='str', choices=['db_auth', 'ldap_auth', 'oidc_auth', 'uaa_auth', 'http_auth']),
            self_registration=dict(type='bool'),
            project_creation_restriction=dict(type='str', choices=['everyone', 'adminonly']),
            token_expiration=dict(type='int', no_log=False),
            robot_token_duration=dict(type='int', no_log=False),
            robot_name_prefix=dict(type='str'),
            session_timeout=dict(type='int'),
            read_only=dict(type='bool'),
            quota_per_project_enable=dict(type='bool'),
            storage_per_project=dict(type='int'),
            notification_enable=dict(type='bool'),
            ldap=dict(type='dict', options=ldap),
            oidc=dict(type='dict', options=oidc),
            extra_settings=dict(type='dict'),
            **secret_argument_spec(alias='update_secrets', choices=('always', 'on_create', 'on_change'))
        ),
    )
    module.run(ensure)


if __name__ == '__main__':
    main()
