"""The parsed command line of `python -m harbor_sim serve`."""

from __future__ import annotations

from dataclasses import dataclass

from .versions import DEFAULT as DEFAULT_HARBOR_VERSION


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: str = "./data"
    admin_password: str = "Harbor12345"
    database_url: str | None = None
    redis_url: str | None = None
    registry_url: str | None = None
    # the backing registry's filesystem storage root as mounted here (GC sweeps it, like registryctl)
    registry_storage: str | None = None
    external_url: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    # the Harbor release played (versions.SUPPORTED)
    harbor_version: str = DEFAULT_HARBOR_VERSION
    # CA files appended to the trust store at start, like the containers' install_cert.sh does with
    # /harbor_cust_cert (prepare's trust-certificates directory)
    trust_ca_dir: str | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"

    @property
    def self_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def public_url(self) -> str:
        return (self.external_url or self.self_url).rstrip("/")
