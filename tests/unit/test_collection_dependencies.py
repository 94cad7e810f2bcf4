# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""galaxy.yml declares exactly the collections that roles/, playbooks/ and plugins/ call.

Pure: reads the repo's files and the installed collections' MANIFEST.json; no Galaxy, no
ansible-playbook. A name counts as a use when it is <namespace>.<collection>.<name> and
<namespace>.<collection> is a collection this machine knows (installed, e.g. PyPI's `ansible`,
or declared in galaxy.yml), so attribute paths such as ansible_facts.default_ipv4.address never
count. ansible.builtin, ansible.legacy and harborops.ha itself are never dependencies.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import sys

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SCANNED_DIRS = ('roles', 'playbooks', 'plugins')
# Task files, templates and plugin code; README.md files only describe.
SCANNED_SUFFIXES = ('.yml', '.yaml', '.j2', '.py')
NOT_DEPENDENCIES = {'ansible.builtin', 'ansible.legacy', 'harborops.ha'}

FQCN = re.compile(r'(?<![\w.])([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.[a-z_][a-z0-9_]*')
PY_COLLECTION_IMPORT = re.compile(r'ansible_collections\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)')
# ansible-core's own Python packages (ansible.module_utils.basic, ansible.utils.display, ...)
# are not the collections of the same name.
PY_CORE_IMPORT = re.compile(r'^\s*(from|import)\s+ansible\.')
LOWER_BOUND = re.compile(r'^>=\s*(\d+)\.(\d+)\.(\d+)$')


def declared_dependencies(repo=REPO):
    with open(os.path.join(repo, 'galaxy.yml')) as f:
        return dict(yaml.safe_load(f).get('dependencies') or {})


def installed_collections():
    """{namespace.collection: version} of every collection on sys.path or ANSIBLE_COLLECTIONS_PATH."""
    roots = [p for p in sys.path if p]
    roots += [p for p in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep) if p]
    found = {}
    for root in roots:
        base = os.path.join(root, 'ansible_collections')
        if not os.path.isdir(base):
            continue
        for namespace in os.listdir(base):
            ns_dir = os.path.join(base, namespace)
            if not os.path.isdir(ns_dir):
                continue
            for name in os.listdir(ns_dir):
                manifest = os.path.join(ns_dir, name, 'MANIFEST.json')
                if os.path.isfile(manifest):
                    with open(manifest) as f:
                        info = json.load(f).get('collection_info', {})
                    found.setdefault('%s.%s' % (namespace, name), info.get('version'))
    return found


def used_collections(repo, known):
    """{namespace.collection: [relative paths]} for every known collection used in the scanned dirs."""
    used = {}
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(repo, top)):
            dirnames[:] = [d for d in dirnames if d != '__pycache__']
            for filename in filenames:
                if not filename.endswith(SCANNED_SUFFIXES):
                    continue
                path = os.path.join(dirpath, filename)
                with open(path, errors='replace') as f:
                    lines = f.read().splitlines()
                names = set()
                for line in lines:
                    if filename.endswith('.py'):
                        names.update('%s.%s' % m for m in PY_COLLECTION_IMPORT.findall(line))
                        if PY_CORE_IMPORT.match(line):
                            continue
                    names.update('%s.%s' % m for m in FQCN.findall(line))
                for name in names:
                    if name in known and name not in NOT_DEPENDENCIES:
                        used.setdefault(name, []).append(os.path.relpath(path, repo))
    return used


def compare(declared, used):
    """Human-readable problems: collections used but not declared, declared but not used."""
    problems = []
    for name in sorted(set(used) - set(declared)):
        problems.append('%s is used (%s) but galaxy.yml does not declare it' % (name, ', '.join(sorted(used[name])[:3])))
    for name in sorted(set(declared) - set(used)):
        problems.append('%s is declared in galaxy.yml but nothing in %s uses it' % (name, '/, '.join(SCANNED_DIRS) + '/'))
    return problems


def test_galaxy_yml_declares_exactly_the_collections_used():
    declared = declared_dependencies()
    known = set(installed_collections()) | set(declared)
    problems = compare(declared, used_collections(REPO, known))
    assert not problems, 'galaxy.yml dependencies:\n' + '\n'.join(problems)


def test_every_dependency_has_a_lower_bound_the_installed_version_meets():
    installed = installed_collections()
    declared = declared_dependencies()
    assert 'harborops.ha' not in declared and 'ansible.builtin' not in declared
    for name, spec in declared.items():
        match = LOWER_BOUND.match(str(spec).strip())
        assert match, '%s: %r is not a lower bound ">=X.Y.Z"' % (name, spec)
        assert name in installed, '%s is declared but not installed here (PyPI ansible in .venv)' % name
        have = tuple(int(x) for x in re.findall(r'\d+', installed[name])[:3])
        assert have >= tuple(int(x) for x in match.groups()), (
            '%s %s installed here is below the declared lower bound %s' % (name, installed[name], spec))


def test_the_scanner_finds_uses_and_reports_missing_and_unused(tmp_path):
    (tmp_path / 'roles' / 'r' / 'tasks').mkdir(parents=True)
    (tmp_path / 'roles' / 'r' / 'tasks' / 'main.yml').write_text(
        '- name: Mount\n  ansible.posix.mount:\n    path: /x\n'
        '- name: Facts are no collection\n  ansible.builtin.debug:\n'
        '    msg: "{{ ansible_facts.default_ipv4.address | community.general.counter }}"\n')
    (tmp_path / 'roles' / 'r' / 'README.md').write_text('Uses community.docker.docker_container.\n')
    (tmp_path / 'plugins' / 'filter').mkdir(parents=True)
    (tmp_path / 'plugins' / 'filter' / 'f.py').write_text(
        'from ansible.utils.display import Display\n'
        'from ansible_collections.community.crypto.plugins.module_utils import x\n')
    (tmp_path / 'playbooks').mkdir()
    known = {'ansible.posix', 'community.general', 'community.docker', 'community.crypto', 'ansible.utils',
             'community.postgresql'}
    used = used_collections(str(tmp_path), known)
    assert set(used) == {'ansible.posix', 'community.general', 'community.crypto'}
    problems = compare({'ansible.posix': '>=1.0.0', 'community.postgresql': '>=1.0.0'}, used)
    assert problems == [
        'community.crypto is used (plugins/filter/f.py) but galaxy.yml does not declare it',
        'community.general is used (roles/r/tasks/main.yml) but galaxy.yml does not declare it',
        'community.postgresql is declared in galaxy.yml but nothing in roles/, playbooks/, plugins/ uses it',
    ]
