"""Make ``ansible_collections.harborops.ha`` importable for the unit tests.

`make venv` links build/collections/ansible_collections/harborops/ha to the repository; without that
link (a bare checkout) a temporary one is made under pytest's cache directory."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root():
    built = os.path.join(REPO, 'build', 'collections')
    if os.path.isdir(os.path.join(built, 'ansible_collections', 'harborops', 'ha', 'plugins')):
        return built
    root = os.path.join(REPO, '.pytest_cache', 'collections')
    link = os.path.join(root, 'ansible_collections', 'harborops', 'ha')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO, link)
    return root


sys.path.insert(0, _collections_root())
