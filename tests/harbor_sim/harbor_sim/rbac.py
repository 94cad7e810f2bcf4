"""Harbor's RBAC, reduced to what the sim serves: role policies per project, the public-project
policy, and the set of permissions a robot account may be granted (src/common/rbac)."""

from __future__ import annotations

PROJECT_ADMIN, DEVELOPER, GUEST, MAINTAINER, LIMITED_GUEST = 1, 2, 3, 4, 5
ROLE_NAMES = {1: "projectAdmin", 2: "developer", 3: "guest", 4: "maintainer", 5: "limitedGuest"}

CRUDL = ("create", "read", "update", "delete", "list")
# What a robot may be granted: src/common/rbac/const.go PoliciesMap ("Project" / "System")
PROJECT_RESOURCES = {
    "log": ("list",), "project": ("read", "delete", "update"), "metadata": CRUDL,
    "repository": ("read", "update", "delete", "list", "pull", "push"),
    "artifact": ("read", "create", "list", "delete"), "scan": ("create", "read", "stop"),
    "sbom": ("create", "read", "stop"), "tag": ("create", "list", "delete"), "accessory": ("list",),
    "artifact-addition": ("read",), "artifact-label": ("create", "delete"), "scanner": ("create", "read"),
    "preheat-policy": CRUDL, "immutable-tag": ("create", "delete", "list", "update"),
    "notification-policy": CRUDL, "tag-retention": CRUDL, "label": CRUDL, "quota": ("read",),
}
SYSTEM_RESOURCES = {
    "audit-log": ("list",), "preheat-instance": CRUDL, "project": ("list", "create"),
    "replication-policy": CRUDL, "replication": ("read", "create", "list"), "replication-adapter": ("list",),
    "registry": CRUDL, "scan-all": ("read", "update", "stop", "create"), "system-volumes": ("read",),
    "garbage-collection": ("read", "create", "list", "update", "stop"),
    "purge-audit": ("read", "create", "list", "update", "stop"), "jobservice-monitor": ("list", "stop"),
    "scanner": CRUDL, "label": ("read", "create", "delete", "update"), "security-hub": ("read", "list"),
    "catalog": ("read",), "quota": ("read", "list"),
}


def _pairs(spec: str) -> set:
    out = set()
    for item in spec.split():
        res, acts = item.split(":")
        out.update((res, act) for act in acts.split(","))
    return out


# Project role policies: src/common/rbac/project/rbac_role.go ("project" = the project itself)
_LIMITED_GUEST = _pairs("project:read quota:read repository:list,pull configuration:read scan:read "
                        "scanner:read tag:list accessory:list artifact:read,list artifact-addition:read")
_GUEST = _LIMITED_GUEST | _pairs("member:read,list log:list label:read,list repository:read robot:read,list")
_DEVELOPER = _GUEST | _pairs("repository:create,update,push artifact:create tag:create "
                            "artifact-label:create,delete")
_MAINTAINER = _DEVELOPER | _pairs(
    "metadata:create,read,update,delete label:create,update,delete repository:delete "
    "tag-retention:create,read,update,delete,list,operate immutable-tag:create,update,delete,list "
    "notification-policy:list scan:create,stop artifact:delete tag:delete")
_ADMIN = _MAINTAINER | _pairs(
    "project:update,delete member:create,update,delete configuration:update robot:create,update,delete "
    "notification-policy:create,update,delete,read scanner:create preheat-policy:create,read,update,delete,list")
ROLE_POLICIES = {PROJECT_ADMIN: _ADMIN, MAINTAINER: _MAINTAINER, DEVELOPER: _DEVELOPER, GUEST: _GUEST,
                 LIMITED_GUEST: _LIMITED_GUEST}
# anyone (incl. anonymous) on a public project
PUBLIC_POLICIES = _pairs("project:read repository:list,pull artifact:read,list artifact-addition:read tag:list "
                         "accessory:list scan:read label:read,list")


def role_allows(role, resource: str, action: str) -> bool:
    return role is not None and (resource, action) in ROLE_POLICIES.get(role, set())


def valid_permission(kind: str, resource: str, action: str) -> bool:
    table = SYSTEM_RESOURCES if kind == "system" else PROJECT_RESOURCES
    return action in table.get(resource, ())
