# -*- coding: utf-8 -*-
# Copyright: (c) 2026, harborops maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE to the harborops.ha collection: no compatibility promise outside it.
"""Read and atomically replace the small PEM files harbor_cert manages."""

import errno
import os
import tempfile


def read_if_exists(path):
    """Return the file's bytes, or None when it does not exist."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise


def write_atomic(path, data, mode):
    """Write ``data`` to a temp file in the same directory, then rename it over ``path``.

    The temp file is created 0600 (mkstemp) and gets ``mode`` before any byte is written,
    so a private key is never readable by others, not even for a moment. A reader sees
    either the old file or the new one, never half of one.
    """
    directory = os.path.dirname(os.path.abspath(path))
    previous = None
    try:
        previous = os.stat(path)
    except OSError:
        pass
    fd, tmp_path = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
    try:
        os.fchmod(fd, mode)
        if previous is not None and os.geteuid() == 0:
            os.fchown(fd, previous.st_uid, previous.st_gid)  # keep the ownership an operator set
        with os.fdopen(fd, 'wb') as handle:
            fd = None
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(tmp_path, path)
    except BaseException:
        if fd is not None:
            os.close(fd)
        try:
            os.unlink(tmp_path)
        except OSError:
            pass
        raise
