"""Replication to a sim served over HTTPS with a self-signed certificate: the endpoint's
ca_certificate is what makes it trusted (verification on by default, insecure not needed)."""

import pytest
import requests

from dataplane_support import (ADMIN, API, make_oci_layout, skopeo, skopeo_inspect_digest,
                               wait_for)
from harbor_sim.testing import SimProcess

pytestmark = pytest.mark.sim


def test_event_replication_to_https_peer_needs_its_ca(tmp_path, self_signed_tls):
    cert, key = self_signed_tls
    pem = open(cert, encoding="ascii").read()
    with SimProcess(str(tmp_path / "a")) as a, \
            SimProcess(str(tmp_path / "b"), extra_args=["--tls-cert", cert, "--tls-key", key]) as b:
        def post(path, body):
            return requests.post(a.url + API + path, json=body, auth=ADMIN, timeout=60)

        endpoint = {"name": "tls-b", "type": "harbor", "url": b.url,
                    "credential": {"type": "basic", "access_key": ADMIN[0], "access_secret": ADMIN[1]}}
        refused = post("/registries", endpoint)
        assert refused.status_code == 400 and "unhealthy" in refused.text  # self-signed, no CA
        created = post("/registries", dict(endpoint, ca_certificate=pem))
        assert created.status_code == 201, created.text
        reg_id = int(created.headers["Location"].rsplit("/", 1)[1])
        assert post("/replication/policies", {
            "name": "to-tls", "src_registry": {"id": 0}, "dest_registry": {"id": reg_id},
            "trigger": {"type": "event_based"}, "enabled": True,
            "filters": [{"type": "name", "value": "library/secure"}]}).status_code == 201
        layout = tmp_path / "oci"
        digest = make_oci_layout(str(layout))
        skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"{ADMIN[0]}:{ADMIN[1]}",
               f"oci:{layout}:v1", f"docker://{a.url.split('://')[1]}/library/secure:v1")

        def on_b():
            resp = requests.get(b.url + API + "/projects/library/repositories/secure/artifacts",
                                auth=ADMIN, verify=cert, timeout=10)
            return resp.status_code == 200 and [x["digest"] for x in resp.json()]
        # B's own registry reports the push to B over HTTPS as well (it trusts B's certificate)
        assert wait_for(on_b, 30, what="library/secure on B") == [digest]
        assert skopeo_inspect_digest(f"{b.url.split('://')[1]}/library/secure:v1", ADMIN) == digest
