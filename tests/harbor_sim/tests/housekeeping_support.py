"""Helpers for the housekeeping tests (GC, retention, immutability, scanners): push small images
through the sim's /v2/ with plain HTTP (faster than a client binary), measure the registry's blob
storage, serve a scanner adapter's metadata."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import os
import threading
import time

import requests

from dataplane_support import ADMIN

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def push_blob(url, repo, data, auth=ADMIN):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    resp = requests.post(f"{url}/v2/{repo}/blobs/uploads/", auth=auth, timeout=30)
    assert resp.status_code == 202, resp.text
    location = resp.headers["Location"]
    location = location if location.startswith("http") else url + location
    resp = requests.put(location, params={"digest": digest}, data=data, auth=auth, timeout=30,
                        headers={"Content-Type": "application/octet-stream"})
    assert resp.status_code == 201, resp.text
    return digest


def image_manifest(url, repo, layer_size=64 * 1024, auth=ADMIN):
    """Upload a random layer and a config; the OCI manifest (bytes) referencing them."""
    layer = os.urandom(layer_size)
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": f"{time.time()}",
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    layer_digest = push_blob(url, repo, layer, auth)
    config_digest = push_blob(url, repo, config, auth)
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": config_digest, "size": len(config)},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                   "digest": layer_digest, "size": len(layer)}]}).encode()


def put_manifest(url, repo, reference, manifest, auth=ADMIN):
    return requests.put(f"{url}/v2/{repo}/manifests/{reference}", data=manifest, auth=auth, timeout=30,
                        headers={"Content-Type": OCI_MANIFEST})


def push_image(url, repo, tag, layer_size=64 * 1024, auth=ADMIN):
    """Push a new image as repo:tag; returns its manifest digest (asserts 201)."""
    manifest = image_manifest(url, repo, layer_size, auth)
    resp = put_manifest(url, repo, tag, manifest, auth)
    assert resp.status_code == 201, resp.text
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


def blob_bytes(data_dir) -> int:
    """Bytes under the sim's registry blob store (what GC frees)."""
    root = os.path.join(str(data_dir), "registry", "storage", "docker", "registry", "v2", "blobs")
    total = 0
    for base, _, files in os.walk(root):
        total += sum(os.path.getsize(os.path.join(base, f)) for f in files)
    return total


METADATA = {"scanner": {"name": "Fake", "vendor": "harborops", "version": "1.0"},
            "capabilities": [{"consumes_mime_types": ["application/vnd.oci.image.manifest.v1+json",
                                                      "application/vnd.docker.distribution.manifest.v2+json"],
                              "produces_mime_types": ["application/vnd.security.vulnerability.report; version=1.1"]}],
            "properties": {"harbor.scanner-adapter/scanner-type": "os-package-vulnerability"}}


# The adapter's API key: long and unlike anything else, since the integration tests fail when a secret
# shows up in ansible-playbook's -vvv output (a three-letter key matched random text there).
SCANNER_KEY = "ScannerKey-Adapter-4Wq7"


class _Adapter(http.server.BaseHTTPRequestHandler):
    """/api/v1/metadata; under /key/ only with the API key SCANNER_KEY, under /basic/ only as u:p."""

    def do_GET(self):  # noqa: N802 - http.server API
        ok = self.path.endswith("/api/v1/metadata")
        if self.path.startswith("/key/"):
            ok = ok and self.headers.get("X-ScannerAdapter-API-Key") == SCANNER_KEY
        if self.path.startswith("/basic/"):
            ok = ok and self.headers.get("Authorization") == "Basic " + base64.b64encode(b"u:p").decode()
        body = json.dumps(METADATA).encode() if ok else b"{}"
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/vnd.scanner.adapter.metadata+json; version=1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def scanner_adapter():
    """A scanner adapter on loopback serving METADATA; yields its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Adapter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
