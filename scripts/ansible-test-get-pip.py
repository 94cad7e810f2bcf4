"""Offline stand-in for ansible-test's pip bootstrap script.

ansible-test bootstraps pip into each of its virtualenvs with get-pip.py downloaded from
ci-files.testing.ansible.com, which machines limited to PyPI cannot reach; ansible-test's documented
fallback is a file in its cache (~/.ansible/test/cache/get_pip_<version>.py). This one runs the pip
wheel that ships with Python (ensurepip) to install the pip version ansible-test asks for from PyPI.
scripts/run-sanity.sh puts it in the cache when no script is there yet.
"""

import glob
import os
import runpy
import sys

import ensurepip

wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), '_bundled', 'pip-*.whl')))
if not wheels:
    sys.exit('ansible-test-get-pip: no pip wheel bundled with this Python (ensurepip); install python3-venv')
sys.path.insert(0, wheels[-1])
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.argv = ['pip', 'install'] + args
runpy.run_module('pip', run_name='__main__', alter_sys=True)
