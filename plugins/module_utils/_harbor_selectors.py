# -*- coding: utf-8 -*-
# Copyright (c) harborops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the collection: this file is not a public API. Only modules of
# harborops.ha may import it; its interface can change in any release.
"""The doublestar tag and repository selectors of Harbor's tag rules (immutable rules and retention
rules share them: src/lib/selector), between the modules' options and Harbor's shape."""

import json

REPO_DECORATIONS = {'matches': 'repoMatches', 'excludes': 'repoExcludes'}
REPO_OPTIONS = dict((v, k) for k, v in REPO_DECORATIONS.items())


def selector_argument_spec():
    """The options every rule has besides its tag pattern (doc fragment harborops.ha.harbor_rule_selectors)."""
    return dict(
        tag_decoration=dict(type='str', default='matches', choices=['matches', 'excludes']),
        repository_pattern=dict(type='str', default='**'),
        repository_decoration=dict(type='str', default='matches', choices=['matches', 'excludes']),
        disabled=dict(type='bool', default=False),
    )


def harbor_selectors(view, extras=None):
    """``tag_selectors`` and ``scope_selectors`` of a rule whose options are ``view``; ``extras``: the tag
    selector's extras (retention's ``untagged``)."""
    tag = {'kind': 'doublestar', 'decoration': view['tag_decoration'], 'pattern': view['tag_pattern']}
    if extras is not None:
        tag['extras'] = json.dumps(extras)
    return {'tag_selectors': [tag],
            'scope_selectors': {'repository': [{'kind': 'doublestar',
                                                'decoration': REPO_DECORATIONS[view['repository_decoration']],
                                                'pattern': view['repository_pattern']}]}}


def first_selectors(rule):
    """(tag selector, repository selector) of a rule in Harbor's shape: Harbor matches with the first
    selector of each kind (src/pkg/immutable/match/rule/match.go)."""
    tag = (rule.get('tag_selectors') or [{}])[0]
    repo = ((rule.get('scope_selectors') or {}).get('repository') or [{}])[0]
    return tag, repo
