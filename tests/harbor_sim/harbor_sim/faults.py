"""/_sim/faults state: outgoing connections to blocked host:port fail; transfer_kbps throttles copies.

Kept in memory per sim process (faults are injected per node); read through Faults.get()."""

from __future__ import annotations

import copy
import threading


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._state = {"blocked_hosts": [], "transfer_kbps": 0}

    def get(self) -> dict:
        with self._lock:
            return copy.deepcopy(self._state)

    def set(self, state: dict) -> None:
        with self._lock:
            self._state = copy.deepcopy(state)

    def is_blocked(self, host_port: str) -> bool:
        with self._lock:
            return host_port in self._state["blocked_hosts"]
