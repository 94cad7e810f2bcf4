# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drive real ansible-playbook runs (connection local) of harborops.ha.harbor_cert and its role from pytest."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
COLLECTIONS = os.path.join(REPO, 'build', 'collections')
PLAYBOOKS = os.path.join(HERE, 'playbooks')
# harbor_cert_run.yml shows the module's result as one debug message that starts with this
RESULT_MARK = 'HC_RESULT '


def shown_result(output):
    """The result harbor_cert_run.yml showed: the debug task's msg line, parsed twice (callback JSON, then ours)."""
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith('"msg": "%s' % RESULT_MARK)]
    assert len(lines) == 1, 'expected one result line in the output:\n%s' % output
    message = json.loads('{%s}' % lines[0].rstrip(','))['msg']
    return json.loads(message[len(RESULT_MARK):])


def ansible_env(tmp_path):
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_INJECT_FACT_VARS='false',
        ANSIBLE_NOCOLOR='1',
        ANSIBLE_FORCE_COLOR='false',
        ANSIBLE_RETRY_FILES_ENABLED='false',
        ANSIBLE_LOCALHOST_WARNING='false',
        ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
        ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-local'),
        ANSIBLE_REMOTE_TEMP=str(tmp_path / 'ansible-remote'),
        # the default callback with JSON results: Pki.run reads the module result from this output
        ANSIBLE_STDOUT_CALLBACK='ansible.builtin.default',
        ANSIBLE_CALLBACK_RESULT_FORMAT='json',
    )
    return env


def ansible_playbook(tmp_path, playbook, extra_vars, check=False, diff=False, expect_rc=0, inventory='localhost,'):
    """Run a playbook against localhost; return (rc, output)."""
    vars_file = tmp_path / 'extra-vars.json'
    extra = dict(ansible_python_interpreter=sys.executable)
    extra.update(extra_vars)
    vars_file.write_text(json.dumps(extra))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
               '-e', '@%s' % vars_file, os.path.join(PLAYBOOKS, playbook)]
    if check:
        command.append('--check')
    if diff:
        command.append('--diff')
    proc = subprocess.run(command, env=ansible_env(tmp_path), cwd=str(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, check=False)
    if expect_rc is not None:
        assert proc.returncode == expect_rc, proc.stdout
    return proc.returncode, proc.stdout


class Pki(object):
    """A directory of PKI files and a runner for the module on it."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.dir = tmp_path / 'pki'
        self.dir.mkdir()
        self.ca_cert = self.dir / 'ca.crt'
        self.ca_key = self.dir / 'ca.key'
        self.cert = self.dir / 'server.crt'
        self.key = self.dir / 'server.key'
        self.last_output = ''

    def options(self, **override):
        hc = dict(cert_path=str(self.cert), key_path=str(self.key), ca_cert_path=str(self.ca_cert),
                  ca_key_path=str(self.ca_key))
        hc.update(override)
        return hc

    def run(self, check=False, diff=False, **options):
        _rc, self.last_output = ansible_playbook(
            self.tmp_path, 'harbor_cert_run.yml', dict(hc=self.options(**options)), check=check, diff=diff)
        return shown_result(self.last_output)

    def snapshot(self):
        """Every file in the PKI directory: name -> (mtime_ns, mode, bytes)."""
        state = {}
        for entry in sorted(self.dir.iterdir()):
            st = entry.stat()
            state[entry.name] = (st.st_mtime_ns, st.st_mode & 0o7777, entry.read_bytes())
        return state
