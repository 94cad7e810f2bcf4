"""Helpers for the data-plane tests: real images, docker/skopeo clients, API calls, polling."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import time
import uuid

import requests

ADMIN = ("admin", "Harbor12345")
API = "/api/v2.0"


def docker_available() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def wait_for(condition, timeout=30.0, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def api(sim, method, path, auth=ADMIN, expect=None, **kwargs):
    resp = requests.request(method, sim.url + API + path, auth=auth, timeout=30, **kwargs)
    if expect is not None:
        assert resp.status_code == expect, f"{method} {path}: {resp.status_code} {resp.text}"
    return resp


def create_user(sim, name, password):
    api(sim, "POST", "/users", expect=201, json={
        "username": name, "password": password, "email": f"{name}@example.com",
        "realname": name, "comment": "simdata test"})


def create_project(sim, name, public=False):
    api(sim, "POST", "/projects", expect=201,
        json={"project_name": name, "metadata": {"public": "true" if public else "false"}})


def add_member(sim, project, username, role_id):
    api(sim, "POST", f"/projects/{project}/members", expect=201,
        json={"role_id": role_id, "member_user": {"username": username}})


def random_layer_tar(path, size_bytes):
    """A tar with one file of random bytes (unique content = unique layer digest)."""
    data = os.urandom(size_bytes)
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("payload.bin")
        info.size = len(data)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    return path


class DockerClient:
    """The machine's docker CLI with a private DOCKER_CONFIG (logins stay out of root's)."""

    def __init__(self, tmp_path):
        self.env = dict(os.environ, DOCKER_CONFIG=str(tmp_path / "docker-config"))
        os.makedirs(self.env["DOCKER_CONFIG"], exist_ok=True)
        self.tmp = tmp_path
        self.created = []

    def run(self, *args, check=True, input_text=None):
        proc = subprocess.run(["docker", *args], env=self.env, input=input_text, text=True,
                              capture_output=True, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
        return proc

    def login(self, host, user, password):
        self.run("login", "-u", user, "--password-stdin", host, input_text=password)

    def logout(self, host):
        self.run("logout", host, check=False)

    def make_image(self, ref, size_bytes=256 * 1024):
        """docker import of a random layer, tagged `ref` (removed again by cleanup())."""
        tar = random_layer_tar(str(self.tmp / f"layer-{uuid.uuid4().hex}.tar"), size_bytes)
        local = f"simdata-test/{uuid.uuid4().hex[:12]}:latest"
        self.run("import", tar, local)
        self.created.append(local)
        self.tag(local, ref)
        return ref

    def tag(self, src, ref):
        self.run("tag", src, ref)
        self.created.append(ref)

    def cleanup(self):
        for ref in reversed(self.created):
            self.run("rmi", "-f", ref, check=False)
        self.created.clear()


def skopeo(*args, check=True):
    proc = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"skopeo {' '.join(args)} failed: {proc.stderr}")
    return proc


def skopeo_inspect_digest(ref, creds=None):
    """Digest of docker://ref or None when it does not exist / is not readable."""
    args = ["inspect", "--tls-verify=false", "--raw"]
    args += ["--creds", f"{creds[0]}:{creds[1]}"] if creds else ["--no-creds"]
    proc = skopeo(*args, "docker://" + ref, check=False)
    if proc.returncode != 0:
        return None
    import hashlib
    return "sha256:" + hashlib.sha256(proc.stdout.encode()).hexdigest()


def make_oci_layout(path, size_bytes=128 * 1024, tag="v1"):
    """An OCI image layout on disk with one random layer (source for `skopeo copy oci:`)."""
    import gzip
    import hashlib

    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)

    def put(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as fh:
            fh.write(data)
        return "sha256:" + digest, len(data)

    raw = io.BytesIO()
    random_layer_tar(os.path.join(path, "layer.tar"), size_bytes)
    with open(os.path.join(path, "layer.tar"), "rb") as fh:
        tar_bytes = fh.read()
    os.unlink(os.path.join(path, "layer.tar"))
    diff_id = "sha256:" + hashlib.sha256(tar_bytes).hexdigest()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(tar_bytes)
    layer_digest, layer_size = put(raw.getvalue())
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    config_digest, config_size = put(config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest, "size": layer_size}]}).encode()
    manifest_digest, manifest_size = put(manifest)
    with open(os.path.join(path, "oci-layout"), "w") as fh:
        json.dump({"imageLayoutVersion": "1.0.0"}, fh)
    with open(os.path.join(path, "index.json"), "w") as fh:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
            "size": manifest_size, "annotations": {"org.opencontainers.image.ref.name": tag}}]}, fh)
    return manifest_digest


def make_oci_index_layout(path, tag="v1", platforms=("amd64", "arm64"), size_bytes=64 * 1024):
    """An OCI layout whose `tag` is an image index of one random image per platform."""
    import hashlib

    children = []
    for arch in platforms:
        sub = os.path.join(path, "_" + arch)
        make_oci_layout(sub, size_bytes, tag="x")
        with open(os.path.join(sub, "index.json")) as fh:
            desc = json.load(fh)["manifests"][0]
        blobs = os.path.join(path, "blobs", "sha256")
        os.makedirs(blobs, exist_ok=True)
        for name in os.listdir(os.path.join(sub, "blobs", "sha256")):
            shutil.copy(os.path.join(sub, "blobs", "sha256", name), os.path.join(blobs, name))
        shutil.rmtree(sub)
        children.append({"mediaType": desc["mediaType"], "digest": desc["digest"], "size": desc["size"],
                         "platform": {"architecture": arch, "os": "linux"}})
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": children}).encode()
    digest = hashlib.sha256(index).hexdigest()
    with open(os.path.join(path, "blobs", "sha256", digest), "wb") as fh:
        fh.write(index)
    with open(os.path.join(path, "oci-layout"), "w") as fh:
        json.dump({"imageLayoutVersion": "1.0.0"}, fh)
    with open(os.path.join(path, "index.json"), "w") as fh:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:" + digest,
            "size": len(index), "annotations": {"org.opencontainers.image.ref.name": tag}}]}, fh)
    return "sha256:" + digest, [c["digest"] for c in children]


def artifacts(sim, project, repo, auth=ADMIN):
    resp = api(sim, "GET", f"/projects/{project}/repositories/{repo.replace('/', '%252F')}/artifacts",
               auth=auth)
    return resp.json() if resp.status_code == 200 else []


def artifact_tags(sim, project, repo):
    return sorted(t["name"] for a in artifacts(sim, project, repo) for t in (a.get("tags") or []))


def executions(sim, policy_id):
    return api(sim, "GET", f"/replication/executions?policy_id={policy_id}&page_size=100",
               expect=200).json()


def wait_execution_final(sim, exec_id, timeout=60):
    def final():
        body = api(sim, "GET", f"/replication/executions/{exec_id}", expect=200).json()
        return body if body["status"] != "InProgress" else None
    return wait_for(final, timeout, what=f"execution {exec_id} to finish")


class RedisServer:
    """A throwaway redis-server on a free loopback port (no persistence)."""

    def __init__(self, data_dir):
        from harbor_sim.testing import free_port

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/2"
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(data_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import socket

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        wait_for(up, 10, 0.05, "redis-server")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
