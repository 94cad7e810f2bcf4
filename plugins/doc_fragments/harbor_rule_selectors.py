# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The repository selector and the disabled flag of a Harbor tag rule (module_utils/_harbor_selectors.py
# selector_argument_spec), documented once for harbor_immutable_rule (top-level options) and
# harbor_retention (suboptions of each of its rules).

_SHARED = r'''
repository_pattern:
  description: Repositories (without the project) the rule applies to, a doublestar pattern; V(**) is every repository.
  type: str
  default: '**'
repository_decoration:
  description: Whether the rule applies to the repositories O({ref}repository_pattern) matches or to all the others.
  type: str
  choices: [matches, excludes]
  default: matches
disabled:
  description: Whether the rule is disabled.
  type: bool
  default: false
'''


def _shared(ref, indent):
    """The shared options, their references to each other prefixed by ``ref``, indented by ``indent``."""
    return ''.join(' ' * indent + line + '\n' for line in _SHARED.format(ref=ref).strip('\n').split('\n'))


class ModuleDocFragment(object):
    """DOCUMENTATION: harbor_immutable_rule's options of its one rule; RETENTION: harbor_retention's rules
    option, each rule with the shared options. Set below: ansible-test's yamllint reads a fragment's class
    attributes only when they are string literals."""


ModuleDocFragment.DOCUMENTATION = 'options:\n' + _shared('', 2)
ModuleDocFragment.RETENTION = r'''
options:
  rules:
    description:
      - What the policy retains, 1 to 15 rules, no two alike. Required to create the policy.
    type: list
    elements: dict
    suboptions:
      template:
        description:
          - V(latestPushedK) the most recently pushed O(rules[].count) artifacts, V(latestPulledN) the most
            recently pulled O(rules[].count), V(nDaysSinceLastPush) those pushed within the last O(rules[].count)
            days, V(nDaysSinceLastPull) those pulled within the last O(rules[].count) days, V(always) all of them.
        type: str
        required: true
        choices: [latestPushedK, latestPulledN, nDaysSinceLastPush, nDaysSinceLastPull, always]
      count:
        description: The number of artifacts or days of O(rules[].template); required except for V(always).
        type: int
      tag_pattern:
        description: Tags the rule looks at, a doublestar pattern.
        type: str
        default: '**'
      tag_decoration:
        description: Whether the rule looks at the tags O(rules[].tag_pattern) matches or at all the others.
        type: str
        choices: [matches, excludes]
        default: matches
      untagged:
        description: Whether the rule also looks at untagged artifacts.
        type: bool
        default: true
''' + _shared('rules[].', 6)
