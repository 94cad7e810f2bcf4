"""Which Harbor release the sim plays (`--harbor-version`), and what differs between them.

Each entry of SINCE is a behaviour that a supported release has and an older one does not, with
the first Harbor tag that has it; the sources (Harbor's code at those tags) are listed in
../README.md "Versions". The sim plays the newest patch of each minor Harbor supports here.
"""

from __future__ import annotations

import re

# the newest patch of each supported minor (git tags of goharbor/harbor)
SUPPORTED = ("2.12.4", "2.13.5", "2.14.4", "2.15.2")
DEFAULT = SUPPORTED[-1]
# systeminfo's harbor_version is "<release>-<git commit>" in Harbor; the sim's build takes the place
# of the commit
BUILD = "sim.1"

SINCE = {
    # GeneralInfo.harbor_version moved from the anonymous part of /systeminfo to the protected one
    "systeminfo_version_protected": "2.13.0",
    # Registry / RegistryUpdate / RegistryPing .ca_certificate (the per-endpoint CA)
    "registry_ca_certificate": "2.15.0",
    # ReplicationPolicy.single_active_replication
    "policy_single_active_replication": "2.14.0",
    # ProjectMetadata keys
    "project_max_upstream_conn": "2.14.1",
    "project_proxy_cache_local_on_not_found": "2.15.1",
    "project_proxy_referrer_api": "2.16.0",  # main only, in no release yet
    "project_proxy_cache_filter": "2.16.0",  # main only, in no release yet
    # Configurations items
    "config_oidc_logout": "2.13.0",
    "config_disabled_audit_log_event_types": "2.13.0",
    # purge-audit schedule parameter: include_operations up to 2.12, include_event_types from 2.13
    "purge_include_event_types": "2.13.0",
    # GC policy delete_tag (src/controller/gc/controller.go Start / CreateSchedule)
    "gc_delete_tag": "2.15.0",
    # scanner GET without access_credential, PUT with an empty one keeps it; preheat instance GET
    # without auth_info, PUT with an empty one keeps it (2.14.4 and 2.15.1; 2.15.0 still returned them)
    "scanner_credential_hidden": "2.14.4",
    "preheat_auth_info_hidden": "2.14.4",
    # allowlist.Validate refuses blank CVE ids
    "allowlist_blank_id_check": "2.14.4",
    # GET /replication/adapters filtered by REPLICATION_ADAPTER_WHITELIST (prepare's core env)
    "adapter_whitelist": "2.14.0",
    # prepare: external_redis.tlsOptions (get_redis_schema) and the Redis TLS CA in trust-certificates
    "prepare_redis_tls": "2.13.0",
    # prepare: jobservice.max_job_duration_hours
    "prepare_max_job_duration": "2.13.0",
    # the internal Redis image is goharbor/valkey-photon (redis-photon before); harbor-db upgrades
    # PostgreSQL 15 -> 18 (make/photon/db/Dockerfile ENTRYPOINT "15", "18")
    "valkey_image": "2.15.2",
    "postgresql_18": "2.15.2",
}

_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


def parse(text: str) -> tuple:
    match = _VERSION_RE.match(str(text).strip())
    if not match:
        raise ValueError(f"not a Harbor version X.Y.Z: {text!r}")
    return tuple(int(part) for part in match.groups())


class HarborVersion:
    """One supported Harbor release: `has(feature)` answers from SINCE."""

    def __init__(self, text: str = DEFAULT):
        parsed = parse(text)
        name = ".".join(str(p) for p in parsed)
        if name not in SUPPORTED:
            raise ValueError(f"harbor-sim plays Harbor {', '.join(SUPPORTED)}; not {text!r}")
        self.tuple = parsed
        self.name = name

    @property
    def harbor_version(self) -> str:
        """What /systeminfo reports: v<release>-<build>."""
        return f"v{self.name}-{BUILD}"

    @property
    def yml_version(self) -> str:
        """The `_version` of this release's harbor.yml.tmpl (make/harbor.yml.tmpl: X.Y.0)."""
        return f"{self.tuple[0]}.{self.tuple[1]}.0"

    def has(self, feature: str) -> bool:
        return self.tuple >= parse(SINCE[feature])

    def strip(self, obj, fields: dict):
        """`obj` without the keys whose feature this release lacks (fields: key -> feature): a field
        the release's go-swagger model does not have is dropped from a request and never returned."""
        if not isinstance(obj, dict):
            return obj
        return {k: v for k, v in obj.items() if k not in fields or self.has(fields[k])}

    def __repr__(self) -> str:
        return f"HarborVersion({self.name!r})"
