"""Shared values of the shared_storage verify tests: the scenario's group_vars, the two Harbor nodes
converge installs, the admin login and the controller-side CA of harbor_certs."""

import os
import pathlib

import testinfra
import yaml

SCENARIO = pathlib.Path(__file__).resolve().parent.parent
EPHEMERAL = pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
LAB = yaml.safe_load((SCENARIO / "group_vars" / "all.yml").read_text(encoding="utf-8"))
HARBOR = yaml.safe_load((SCENARIO / "group_vars" / "harbor.yml").read_text(encoding="utf-8"))
NODES = {"ss-harbor1": "172.30.3.21", "ss-harbor2": "172.30.3.22"}
VIP, VIP_NAME = LAB["harborops_vip_address"], LAB["harborops_vip_name"]
ADMIN = ("admin", HARBOR["harbor_admin_password"])


def node(name):
    """A testinfra host for a lab container, reached through the docker backend."""
    return testinfra.get_host(f"docker://{name}")


def controller_ca():
    """The CA of harbor_certs on the controller (harbor_certs_local_dir)."""
    return str(EPHEMERAL / "ss-pki" / "ca.crt")
