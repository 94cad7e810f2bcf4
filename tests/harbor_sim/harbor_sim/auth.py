"""Principals (local users and robot accounts), Basic login, permission checks.

Like Harbor's basic_auth security generator, wrong credentials do not fail the request: the caller
is simply anonymous and each handler decides (401 for protected resources)."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field

from . import passwords, rbac
from .errors import forbidden, unauthorized

PRINCIPAL_KEY = "harbor_sim_principal"


@dataclass
class Principal:
    kind: str                 # "user" | "robot"
    id: int
    name: str                 # username, or full robot name incl. prefix
    sysadmin: bool = False
    project_id: int = 0       # robots: owning project (0 = system robot)
    permissions: list = field(default_factory=list)  # robots: [{kind, namespace, access:[...]}]

    @property
    def is_robot(self) -> bool:
        return self.kind == "robot"


def basic_credentials(header: str):
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, sep, password = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8").partition(":")
    except Exception:
        return None
    return (user, password) if sep else None


def authenticate(sim, username: str, password: str):
    """Principal for valid credentials, else None."""
    if not username:
        return None
    prefix = sim.config.get("robot_name_prefix")
    if username.startswith(prefix):
        stored = username[len(prefix):]
        for row in sim.db.query("SELECT * FROM core_robot WHERE name = ?", (stored,)):
            if row["disabled"] or (row["expires_at"] != -1 and row["expires_at"] < time.time()):
                continue
            if passwords.verify(password, row["salt"], row["secret"]):
                return Principal("robot", row["id"], username, False, row["project_id"],
                                 json.loads(row["permissions"]))
        return None
    row = sim.db.query_one("SELECT * FROM core_user WHERE username = ? AND deleted = 0", (username,))
    if row and passwords.verify(password, row["salt"], row["password"]):
        return Principal("user", row["id"], row["username"], bool(row["sysadmin_flag"]))
    return None


def current_principal(request):
    return request.get(PRINCIPAL_KEY)


def require_auth(request) -> Principal:
    principal = current_principal(request)
    if principal is None:
        raise unauthorized()
    return principal


def robot_has(principal: Principal, kind: str, namespace: str, resource: str, action: str) -> bool:
    for perm in principal.permissions or []:
        if perm.get("kind") != kind:
            continue
        ns = perm.get("namespace")
        if kind == "project" and ns not in (namespace, "*"):
            continue
        for access in perm.get("access") or []:
            if access.get("resource") in (resource, "*") and access.get("action") in (action, "*") \
                    and access.get("effect", "allow") != "deny":
                return True
    return False


def require_system_admin(request, resource: str | None = None, action: str | None = None) -> Principal:
    """Harbor's RequireSystemAccess: sysadmin users, or robots granted resource:action at system level."""
    principal = require_auth(request)
    if principal.sysadmin:
        return principal
    if principal.is_robot and resource and robot_has(principal, "system", "/", resource, action):
        return principal
    raise forbidden(principal.name)


def project_role(sim, principal, project: dict):
    """The caller's role id in `project` (dict with id), sysadmin -> projectAdmin, else None."""
    if principal is None or principal.is_robot:
        return None
    if principal.sysadmin:
        return rbac.PROJECT_ADMIN
    rows = sim.db.query("SELECT role FROM core_member WHERE project_id = ? AND entity_type = 'u' AND entity_id = ?",
                        (project["project_id"], principal.id))
    return min((r["role"] for r in rows), default=None, key=_role_rank)


def _role_rank(role):
    return {1: 0, 4: 1, 2: 2, 3: 3, 5: 4}.get(role, 9)


def can(sim, principal, project: dict | None, resource: str, action: str) -> bool:
    """Project-scoped permission. A project that does not exist grants nothing, not even to a
    sysadmin (HasProjectPermission fails to resolve it)."""
    if project is None:
        return False
    if principal is not None and principal.sysadmin:
        return True
    if project.get("public") and (resource, action) in rbac.PUBLIC_POLICIES:
        return True
    if principal is None:
        return False
    if principal.is_robot:
        return robot_has(principal, "project", project["name"], resource, action)
    return rbac.role_allows(project_role(sim, principal, project), resource, action)


def require_project_access(request, sim, project, resource: str, action: str) -> Principal | None:
    """Harbor's RequireProjectAccess: 401 anonymous, 403 `forbidden` otherwise."""
    principal = current_principal(request)
    if can(sim, principal, project, resource, action):
        return principal
    if principal is None:
        raise unauthorized()
    raise forbidden()


def require_project_role(request, sim, project, allowed_roles) -> Principal:
    """Caller must hold one of `allowed_roles` in the project (or be a sysadmin)."""
    principal = require_auth(request)
    if principal.sysadmin or project_role(sim, principal, project) in allowed_roles:
        return principal
    raise forbidden()
