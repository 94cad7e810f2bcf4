# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the harbor_cert integration tests."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from cert_playbook import Pki


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)
