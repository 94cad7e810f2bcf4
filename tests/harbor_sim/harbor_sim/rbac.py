"""Harbor's RBAC, reduced to what the sim serves: role policies per project, the public-project
policy, and the set of permissions a robot account may be granted (src/common/rbac)."""

from __future__ import annotations

PROJECT_ADMIN, DEVELOPER, GUEST, MAINTAINER, LIMITED_GUEST = 1, 2, 3, 4, 5
ROLE_NAMES = {1: "projectAdmin", 2: "developer", 3: "guest", 4: "maintainer", 5: "limitedGuest"}

CRUDL = ("create", "read", "update", "delete", "list")
# project-level resources and their actions (what a project robot may be granted)
PROJECT_RESOURCES = {
    "project": ("read", "update", "delete"), "metadata": CRUDL, "member": CRUDL, "log": ("list",),
    "label": CRUDL, "quota": ("read",), "repository": ("list", "read", "pull", "push", "delete", "update"),
    "artifact": ("create", "read", "list", "delete"), "tag": ("create", "list", "delete"),
    "accessory": ("list",), "artifact-addition": ("read",), "artifact-label": ("create", "delete"),
    "scan": ("create", "stop", "read"), "sbom": ("create", "stop", "read"), "robot": CRUDL,
    "immutable-tag": CRUDL, "tag-retention": CRUDL + ("operate",), "notification-policy": CRUDL,
    "preheat-policy": CRUDL, "scanner": ("create", "read"), "export-cve": ("create", "read"),
}
# system-level resources (kind "system", namespace "/")
SYSTEM_RESOURCES = {
    "audit-log": ("list",), "preheat-instance": CRUDL, "project": ("create", "list"),
    "replication-policy": CRUDL, "replication": ("create", "read", "list", "update"),
    "replication-adapter": ("list",), "registry": CRUDL, "scan-all": ("create", "read", "update", "stop"),
    "system-volumes": ("read",), "garbage-collection": ("create", "read", "update", "list", "stop"),
    "purge-audit": ("create", "read", "update", "list", "stop"), "jobservice-monitor": ("list", "stop"),
    "tag-retention": CRUDL + ("operate",), "scanner": CRUDL, "label": CRUDL, "export-cve": ("read",),
    "security-hub": ("read", "list"), "catalog": ("read",), "user": CRUDL, "user-group": CRUDL,
    "ldap-user": ("create", "list"), "robot": CRUDL, "quota": ("read", "update", "list"),
    "configuration": ("read", "update"), "notification-policy": CRUDL, "member": CRUDL,
}

_READ = {("project", "read"), ("metadata", "read"), ("metadata", "list"), ("quota", "read"),
         ("repository", "list"), ("repository", "read"), ("repository", "pull"), ("artifact", "read"),
         ("artifact", "list"), ("tag", "list"), ("accessory", "list"), ("artifact-addition", "read")}
_GUEST = _READ | {("member", "read"), ("member", "list"), ("log", "list"), ("label", "read"), ("label", "list"),
                  ("robot", "read"), ("robot", "list"), ("scan", "read"), ("sbom", "read")}
_DEVELOPER = _GUEST | {("repository", "push"), ("artifact", "create"), ("tag", "create"),
                       ("artifact-label", "create"), ("artifact-label", "delete"), ("scan", "create"),
                       ("sbom", "create")}
_MAINTAINER = _DEVELOPER | {("repository", "delete"), ("repository", "update"), ("artifact", "delete"),
                            ("tag", "delete"), ("label", "create"), ("label", "update"), ("label", "delete"),
                            ("immutable-tag", "create"), ("immutable-tag", "read"), ("immutable-tag", "update"),
                            ("immutable-tag", "delete"), ("immutable-tag", "list"), ("tag-retention", "read"),
                            ("tag-retention", "list"), ("tag-retention", "create"), ("tag-retention", "update"),
                            ("tag-retention", "operate"), ("scan", "stop"), ("sbom", "stop"),
                            ("notification-policy", "read"), ("notification-policy", "list")}
_ADMIN = {(res, act) for res, acts in PROJECT_RESOURCES.items() for act in acts}
ROLE_POLICIES = {PROJECT_ADMIN: _ADMIN, MAINTAINER: _MAINTAINER, DEVELOPER: _DEVELOPER, GUEST: _GUEST,
                 LIMITED_GUEST: _READ}
PUBLIC_POLICIES = _READ | {("label", "read"), ("label", "list"), ("scan", "read")}


def role_allows(role, resource: str, action: str) -> bool:
    return role is not None and (resource, action) in ROLE_POLICIES.get(role, set())


def valid_permission(kind: str, resource: str, action: str) -> bool:
    table = SYSTEM_RESOURCES if kind == "system" else PROJECT_RESOURCES
    return action in table.get(resource, ())
