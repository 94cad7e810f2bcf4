"""/_sim/faults rules: the API faults client tests inject (faults.py, middleware.py)."""

from __future__ import annotations

import time

import pytest
import requests

from harbor_sim.faults import rule_error
from simcore_support import unique

pytestmark = pytest.mark.sim
ADMIN = ("admin", "Harbor12345")


def _rules(sim, rules):
    resp = requests.put(sim.url + "/_sim/faults", auth=ADMIN, json={"rules": rules}, timeout=10)
    assert resp.status_code == 200, resp.text


def _projects(sim, name):
    resp = requests.get(sim.url + "/api/v2.0/projects", params={"q": f"name={name}"}, auth=ADMIN, timeout=10)
    return [p["name"] for p in resp.json() if p["name"] == name]


def test_reset_after_processing_creates_and_drops_the_answer(sim):
    name = unique("fault")
    _rules(sim, [{"method": "POST", "path": "/api/v2.0/projects", "reset": True, "process": True}])
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(sim.url + "/api/v2.0/projects", json={"project_name": name}, auth=ADMIN, timeout=10)
    assert _projects(sim, name) == [name]
    log = requests.get(sim.url + "/_sim/requests", auth=ADMIN, timeout=10).json()
    assert {"method": "POST", "path": "/api/v2.0/projects", "status": "reset"}.items() <= log[-2].items()


def test_status_before_processing_changes_nothing_and_is_used_times(sim):
    name = unique("fault")
    _rules(sim, [{"method": "POST", "path": "/api/v2.0/proj*", "status": 500, "times": 2}])
    for _ in range(2):
        resp = requests.post(sim.url + "/api/v2.0/projects", json={"project_name": name}, auth=ADMIN, timeout=10)
        assert resp.status_code == 500 and resp.json()["errors"][0]["code"] == "UNKNOWN"
    assert _projects(sim, name) == []
    resp = requests.post(sim.url + "/api/v2.0/projects", json={"project_name": name}, auth=ADMIN, timeout=10)
    assert resp.status_code == 201


def test_non_json_body_delay_and_method_match(sim):
    _rules(sim, [{"method": "PUT", "path": "/api/v2.0/systeminfo", "status": 502},
                 {"method": "GET", "path": "/api/v2.0/systeminfo", "status": 200, "body": "<html>proxy</html>",
                  "delay": 0.5}])
    started = time.monotonic()
    resp = requests.get(sim.url + "/api/v2.0/systeminfo", auth=ADMIN, timeout=10)
    assert time.monotonic() - started >= 0.5
    assert resp.status_code == 200 and resp.text == "<html>proxy</html>"
    assert requests.get(sim.url + "/api/v2.0/systeminfo", auth=ADMIN, timeout=10).json()["harbor_version"]
    assert requests.get(sim.url + "/_sim/faults", auth=ADMIN, timeout=10).json()["rules"][0]["status"] == 502
    _rules(sim, [])


@pytest.mark.parametrize("rule, message", [
    ({"path": "/x"}, "a rule needs status, reset or delay"),
    ({"path": "x", "status": 500}, "path must be a string starting with /"),
    ({"path": "/x", "status": 500, "reset": True}, "either resets"),
    ({"path": "/x", "status": 500, "colour": 1}, "unknown rule keys: colour"),
    ({"path": "/x", "status": 500, "times": -1}, "times must be"),
    ({"path": "/x", "delay": 301}, "delay must be"),
    ({"path": "/x", "status": 500, "method": "get"}, "method must be"),
])
def test_invalid_rules_are_refused(sim, rule, message):
    assert message in rule_error(rule)
    resp = requests.put(sim.url + "/_sim/faults", auth=ADMIN, json={"rules": [rule]}, timeout=10)
    assert resp.status_code == 400 and message in resp.text


def test_processed_then_delayed_answer_is_stale(sim):
    name = unique("fault")
    _rules(sim, [{"method": "GET", "path": "/api/v2.0/projects", "process": True, "delay": 1}])
    import threading
    seen = {}
    reader = threading.Thread(target=lambda: seen.setdefault("names", _projects(sim, name)))
    reader.start()
    time.sleep(0.3)
    assert requests.post(sim.url + "/api/v2.0/projects", json={"project_name": name}, auth=ADMIN,
                         timeout=10).status_code == 201
    reader.join()
    assert seen["names"] == []  # read before the create, answered after it
    assert _projects(sim, name) == [name]
