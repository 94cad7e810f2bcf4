"""/_sim/faults state, kept in memory per sim process (faults are injected per node).

* ``blocked_hosts``: outgoing connections to these host:port fail (read by oci_client).
* ``transfer_kbps``: throttles replication copies.
* ``rules``: faults of the sim's own API, for testing clients (middleware.py applies them). Each
  rule matches ``method`` ("*" = any) and ``path`` (exact, or a glob with ``*``) and is used for
  the next ``times`` matching requests (0 = until the rules are replaced). What it does:
  ``delay`` seconds first (with ``process``: after handling, before answering: a stale read);
  unless ``process`` is true, the request is not handled at all; then the answer is ``status`` (with ``body`` as raw text, Harbor's error JSON by default) or,
  with ``reset``, the connection is dropped without an answer. ``process: true`` + ``reset``
  is "Harbor did it, the client never heard"; ``status: 200`` + ``body`` a non-JSON answer.
"""

from __future__ import annotations

import copy
import fnmatch
import threading

METHODS = {"*", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}
RULE_KEYS = {"method", "path", "status", "body", "reset", "process", "delay", "times"}


def rule_error(rule) -> str | None:
    """Why ``rule`` is not a valid fault rule, or None."""
    if not isinstance(rule, dict):
        return "each rule must be an object"
    unknown = set(rule) - RULE_KEYS
    if unknown:
        return f"unknown rule keys: {', '.join(sorted(unknown))}"
    if rule.get("method", "*") not in METHODS:
        return f"method must be one of {', '.join(sorted(METHODS))}"
    path = rule.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        return "path must be a string starting with /"
    status = rule.get("status")
    if status is not None and (type(status) is not int or not 100 <= status <= 599):
        return "status must be an HTTP status code"
    if "body" in rule and not isinstance(rule["body"], str):
        return "body must be a string"
    for key in ("reset", "process"):
        if key in rule and not isinstance(rule[key], bool):
            return f"{key} must be true or false"
    if rule.get("reset") and status is not None:
        return "a rule either resets the connection or answers a status, not both"
    delay = rule.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 300:
        return "delay must be a number of seconds between 0 and 300"
    times = rule.get("times", 1)
    if type(times) is not int or times < 0:
        return "times must be an integer >= 0 (0: every matching request)"
    if status is None and not rule.get("reset") and not delay:
        return "a rule needs status, reset or delay"
    return None


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._state = {"blocked_hosts": [], "transfer_kbps": 0, "rules": []}

    def get(self) -> dict:
        with self._lock:
            return copy.deepcopy(self._state)

    def set(self, state: dict) -> None:
        with self._lock:
            self._state = copy.deepcopy(state)

    def is_blocked(self, host_port: str) -> bool:
        with self._lock:
            return host_port in self._state["blocked_hosts"]

    def take_rule(self, method: str, path: str) -> dict | None:
        """The first rule matching the request, counted as used once (dropped when used up)."""
        with self._lock:
            rules = self._state["rules"]
            for index, rule in enumerate(rules):
                if rule.get("method", "*") not in ("*", method):
                    continue
                if not fnmatch.fnmatchcase(path, rule["path"]):
                    continue
                times = rule.get("times", 1)
                if times:
                    if times == 1:
                        rules.pop(index)
                    else:
                        rule["times"] = times - 1
                return copy.deepcopy(rule)
        return None
