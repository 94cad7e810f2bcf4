"""Outgoing client faults: blocked host:port refuses like a closed port; transfer_kbps throttles."""

import http.server
import threading
import time

import pytest

from harbor_sim import oci_client


@pytest.fixture
def faults():
    state = {"blocked_hosts": [], "transfer_kbps": 0}
    oci_client.set_faults_getter(lambda: state)
    yield state
    oci_client.set_faults_getter(lambda: {})


@pytest.fixture
def open_registry():
    """A minimal anonymous /v2/ (200) on loopback."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.sim
def test_blocked_host_is_refused_and_unhealthy(faults, open_registry):
    assert oci_client.ping(open_registry) == "healthy"
    faults["blocked_hosts"] = [open_registry.split("://")[1]]
    assert oci_client.ping(open_registry) == "unhealthy"
    with oci_client.RegistryClient(open_registry) as client:
        with pytest.raises(Exception, match="connection refused"):
            client.request("GET", "/v2/")
    faults["blocked_hosts"] = []
    assert oci_client.ping(open_registry) == "healthy"


def test_closed_port_is_unhealthy(faults):
    from harbor_sim.testing import free_port

    assert oci_client.ping(f"http://127.0.0.1:{free_port()}") == "unhealthy"


def test_transfer_kbps_throttles_and_policy_speed_combines(faults):
    faults["transfer_kbps"] = 200
    throttle = oci_client._Throttle(speed_kbps=0)
    start = time.monotonic()
    for _ in range(4):
        throttle.account(25 * 1024)  # 100 KiB at 200 KiB/s -> ~0.5 s
    assert 0.4 <= time.monotonic() - start < 1.5
    faults["transfer_kbps"] = 0
    assert oci_client._Throttle(speed_kbps=300).limit() == 300
    faults["transfer_kbps"] = 100
    assert oci_client._Throttle(speed_kbps=300).limit() == 100
    free = oci_client._Throttle()
    faults["transfer_kbps"] = 0
    start = time.monotonic()
    free.account(10 * 1024 * 1024)
    assert time.monotonic() - start < 0.1
