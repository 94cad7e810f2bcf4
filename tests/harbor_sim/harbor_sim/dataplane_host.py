"""DataplaneHost: the facade the data plane (token service, /v2/ proxy, replication engine) uses to
reach sim-core state. Every method is synchronous and thread-safe (called from worker threads)."""

from __future__ import annotations

import json

from . import auth


class DataplaneHost:
    def __init__(self, sim):
        self.sim = sim

    # -- infrastructure ------------------------------------------------------------------------
    def db(self):
        return self.sim.db

    def faults(self) -> dict:
        return self.sim.faults.get()

    def local_registry_url(self):
        return self.sim.registry_url()

    def tls_cert_file(self):
        """The certificate the sim serves with --tls-cert (None for plain HTTP)."""
        return self.sim.settings.tls_cert

    def token_keys(self):
        return self.sim.dataplane.keys if self.sim.dataplane else None

    # -- replication objects -------------------------------------------------------------------
    def policies(self) -> list:
        from .api import replication_policies

        return replication_policies.all_policies(self.sim)

    def policy(self, policy_id):
        from .api import replication_policies

        return replication_policies.policy_by_id(self.sim, int(policy_id))

    def registry(self, registry_id):
        """Registry with its REAL credential (never expose this through the API)."""
        from .api import registries

        return registries.registry_with_secret(self.sim, int(registry_id))

    # -- principals ----------------------------------------------------------------------------
    def authenticate(self, username, password):
        return auth.authenticate(self.sim, username, password)

    def is_sysadmin(self, principal) -> bool:
        return bool(principal and principal.sysadmin)

    def is_robot(self, principal) -> bool:
        return bool(principal and principal.is_robot)

    def principal_name(self, principal) -> str:
        return principal.name if principal else ""

    def project(self, name_or_id):
        """{project_id, name, public, registry_id} or None."""
        from .api import projects

        return projects.find_project(self.sim, str(name_or_id))

    def project_role(self, principal, project):
        return auth.project_role(self.sim, principal, project)

    def robot_actions(self, principal, project) -> set:
        """'resource:action' strings a robot holds in `project`."""
        out = set()
        for perm in principal.permissions or []:
            if perm.get("kind") == "project" and perm.get("namespace") in (project["name"], "*"):
                for access in perm.get("access") or []:
                    out.add(f"{access.get('resource')}:{access.get('action')}")
        return out

    def project_public(self, project) -> bool:
        return bool(project.get("public"))

    def dump(self, value) -> str:
        return json.dumps(value)
