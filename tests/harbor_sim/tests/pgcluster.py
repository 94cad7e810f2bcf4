"""A throwaway PostgreSQL cluster for tests (Debian's postgresql package; initdb + pg_ctl on loopback).

`postgres` refuses to run as root, so when the tests run as root the cluster is owned by and run as
the `postgres` system user (runuser)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile

from harbor_sim.testing import free_port


def pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


class PgCluster:
    def __init__(self):
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.port = free_port()
        self.root = tempfile.mkdtemp(prefix="simcore-pg-")
        self.datadir = os.path.join(self.root, "data")
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)
        self._run("initdb", "-D", self.datadir, "--auth=trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def _run(self, tool, *args, check=True):
        cmd = [os.path.join(self.bindir, tool), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    @property
    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self):
        self._run("pg_ctl", "-D", self.datadir, "-w", "-t", "60", "-l", os.path.join(self.root, "log"),
                  "-o", f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off", "start")

    def stop(self):
        self._run("pg_ctl", "-D", self.datadir, "-w", "-m", "fast", "stop", check=False)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
