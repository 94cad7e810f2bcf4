# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):

    # The option module_utils/_harbor.py converge_main adds to every module that converges one object.
    DOCUMENTATION = r'''
options:
  state:
    description: Whether the object should exist.
    type: str
    choices: [present, absent]
    default: present
'''

    # The option module_utils/_harbor.py converge_main adds for an object that belongs to a project
    # (Resource.project_scoped).
    PROJECT = r'''
options:
  project:
    description: Name of the project.
    type: str
    required: true
'''


# The options converge_main adds to a module whose object has a free-text description (Resource.described):
# state and description. Set here, not in the class: ansible-test's yamllint reads a fragment's class
# attributes only when they are string literals.
ModuleDocFragment.DESCRIBED = ModuleDocFragment.DOCUMENTATION + r'''
  description:
    description: Free-text description. Not given, left as it is.
    type: str
'''
