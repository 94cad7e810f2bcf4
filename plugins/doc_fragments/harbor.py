# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):

    # What every module talking to Harbor's API shares: its author, the connection options
    # (module_utils/_harbor.py harbor_argument_spec), the action group, and the attributes of a module
    # that converges Harbor to a declared state (harbor_info and harbor_replication_execution declare
    # their own check_mode, diff_mode and idempotent).
    DOCUMENTATION = r'''
author:
  - harborops maintainers (@harborops)
options:
  harbor_url:
    description:
      - Base URL of Harbor, for example C(https://harbor.example.com).
      - A plain C(http://) URL works but warns, as the credentials then cross the network in clear text.
      - A trailing C(/api/v2.0) is accepted and ignored.
      - If not set, the value of the E(HARBOR_URL) environment variable is used.
    type: str
    required: true
  harbor_username:
    description:
      - User name (or robot account name such as C(robot$ops)) to authenticate with, using HTTP Basic auth.
      - If not set, the value of the E(HARBOR_USERNAME) environment variable is used.
    type: str
    required: true
  harbor_password:
    description:
      - Password (or robot secret / OIDC CLI secret) of O(harbor_username).
      - If not set, the value of the E(HARBOR_PASSWORD) environment variable is used.
      - Wrong credentials are detected before any change (Harbor itself treats them as anonymous access).
    type: str
    required: true
  validate_certs:
    description:
      - Verify Harbor's TLS certificate. Only set to V(false) on throw-away test systems.
      - If not set, the value of the E(HARBOR_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) used to verify Harbor's TLS certificate instead of the system trust store.
      - If not set, the value of the E(HARBOR_CA_PATH) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request (more than 0).
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried when the connection to Harbor fails (refused, reset, DNS, timeout).
      - Only requests that are safe to repeat are retried (C(GET), C(PUT), C(DELETE), or any request whose connection
        was never made). A C(POST) whose answer is lost is never sent again; the module looks the object up instead.
      - HTTP error answers are never retried.
    type: int
    default: 3
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying Harbor.
    support: full
  diff_mode:
    description: Returns details on what has changed (or would change in check mode); secrets never appear in the diff.
    support: full
  idempotent:
    description: A second run with the same arguments reports no change and sends no write request to Harbor.
    support: full
  action_group:
    description: Use C(group/harborops.ha.harbor) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - harborops.ha.harbor
notes:
  - The module keeps no cookies between requests, so Harbor's CSRF protection (bound to its session cookie) never applies.
  - The modules read Harbor's version once (C(GET /systeminfo)); an option the Harbor answering does not have fails
    before anything is changed, naming the version it needs.
  - All harbor_* modules are in the action group C(harborops.ha.harbor), so the connection options can be set once with
    C(module_defaults) and C(group/harborops.ha.harbor).
requirements:
  - requests
'''
