# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Modules that converge a Harbor object to a declared state.
    DOCUMENTATION = r'''
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
'''

    # Read-only modules (harbor_info).
    INFO_MODULE = r'''
attributes:
  check_mode:
    description: Only reads from Harbor, so it runs normally in check mode.
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    description: Only reads.
    support: full
  action_group:
    description: Use C(group/harborops.ha.harbor) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - harborops.ha.harbor
'''
