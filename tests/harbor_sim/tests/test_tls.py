"""--tls-cert/--tls-key: the sim serves HTTPS itself (for tests of TLS verification)."""

from __future__ import annotations

import pytest
import requests

from harbor_sim.testing import SimProcess

pytestmark = pytest.mark.sim


def test_https_verification(tmp_path, self_signed_tls):
    cert, key = self_signed_tls
    with SimProcess(tmp_path / "data", extra_args=["--tls-cert", cert, "--tls-key", key]) as sim:
        assert sim.url.startswith("https://")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(sim.url + "/api/v2.0/ping", timeout=10)
        resp = requests.get(sim.url + "/api/v2.0/ping", verify=cert, timeout=10)
        assert resp.text == "Pong"
        info = requests.get(sim.url + "/api/v2.0/systeminfo", verify=cert, auth=("admin", "Harbor12345"),
                            timeout=10).json()
        assert info["external_url"].startswith("https://")
        cookie = requests.get(sim.url + "/api/v2.0/ping", verify=cert, timeout=10).headers["Set-Cookie"]
        assert "Secure" in cookie
