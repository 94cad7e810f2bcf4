"""Drift report between Harbor nodes."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.harborops.ha.plugins.filter.artifact_drift import artifact_drift

A = {'repository': 'library/app', 'digest': 'sha256:aaa', 'tags': ['1.0']}
B = {'repository': 'library/app', 'digest': 'sha256:bbb', 'tags': ['2.0']}
C = {'repository': 'ops/tool', 'digest': 'sha256:ccc', 'tags': []}


def test_identical_nodes_are_in_sync_whatever_the_order():
    report = artifact_drift({'h1': [A, B, C], 'h2': [C, B, A]})
    assert report['in_sync'] is True and report['differing'] == []
    assert report['repositories']['library/app']['nodes']['h1'] == ['sha256:aaa:1.0', 'sha256:bbb:2.0']


def test_missing_artifact_and_missing_repository_are_reported():
    report = artifact_drift({'h1': [A, B, C], 'h2': [A]})
    assert report['in_sync'] is False
    assert report['differing'] == ['library/app', 'ops/tool']
    assert report['repositories']['ops/tool']['nodes'] == {'h1': ['sha256:ccc'], 'h2': []}


def test_same_digest_under_another_tag_is_drift():
    moved = dict(A, tags=['latest'])
    assert artifact_drift({'h1': [A], 'h2': [moved]})['differing'] == ['library/app']


def test_bad_input_is_named():
    with pytest.raises(AnsibleFilterError, match='non-empty mapping'):
        artifact_drift({})
    with pytest.raises(AnsibleFilterError, match='needs repository and digest'):
        artifact_drift({'h1': [{'digest': 'x'}]})
