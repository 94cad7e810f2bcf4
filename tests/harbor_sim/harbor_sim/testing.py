"""Test helper: run `python -m harbor_sim serve` as a subprocess (see CONTRACT.md)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from . import versions

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class SimProcess:
    def __init__(self, data_dir, admin_password="Harbor12345", port=None, extra_args=(), env=None,
                 start_timeout=60.0, harbor_version=None):
        self.data_dir = str(data_dir)
        # the Harbor release played: the argument, else $HARBOR_SIM_VERSION (one tier run per release),
        # else the sim's default (the newest supported)
        self.harbor_version = harbor_version or os.environ.get("HARBOR_SIM_VERSION") or versions.DEFAULT
        self.admin_password = admin_password
        self.port = port or free_port()
        # a port free_port() picked may be taken by another process before the sim binds it (parallel
        # workers start sims and registries side by side): the first start then tries another one
        self._port_picked = port is None
        self._started = False
        self.extra_args = list(extra_args)
        self.env = env
        self.start_timeout = start_timeout
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "harbor-sim.log")
        self.start()

    @property
    def url(self) -> str:
        scheme = "https" if "--tls-cert" in self.extra_args else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        os.makedirs(self.data_dir, exist_ok=True)
        env = dict(os.environ if self.env is None else self.env)
        env["PYTHONPATH"] = PACKAGE_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        cmd = [sys.executable, "-m", "harbor_sim", "serve", "--listen", f"127.0.0.1:{self.port}",
               "--data", self.data_dir, "--admin-password", self.admin_password,
               "--harbor-version", self.harbor_version, *self.extra_args]
        for attempt in range(5):
            log = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
            finally:
                log.close()
            try:
                self._wait_ready()
                break
            except RuntimeError:
                taken = "address already in use" in self.log_tail()
                if self._started or not self._port_picked or not taken or attempt == 4:
                    raise
                self.port = free_port()
                cmd[cmd.index("--listen") + 1] = f"127.0.0.1:{self.port}"
        self._started = True

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        ping = f"http://127.0.0.1:{self.port}/api/v2.0/ping"
        import ssl
        ctx = ssl._create_unverified_context()  # readiness only; TLS is verified by the tests themselves
        if self.url.startswith("https"):
            ping = ping.replace("http://", "https://")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"harbor-sim exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(ping, timeout=2, context=ctx) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"harbor-sim did not answer {ping} in {self.start_timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as fh:
                return "".join(fh.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
