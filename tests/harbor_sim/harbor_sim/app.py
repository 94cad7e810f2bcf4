"""Builds the aiohttp application and serves it."""

from __future__ import annotations

import importlib
import logging
import os
import ssl

from aiohttp import web

from . import oci_client, schema
from .context import SIM_KEY, Sim
from .middleware import harbor_middleware, on_response_prepare

LOG = logging.getLogger("harbor_sim")

# sim-core resource modules (always present)
CORE_API_MODULES = ["ping", "health", "systeminfo", "users", "projects", "members", "quotas", "robots",
                    "registries", "replication_policies", "configurations", "labels", "schedules",
                    "retentions", "immutable_rules", "webhooks", "scanners", "scan_all", "cve_allowlist",
                    "preheat_instances", "statistics", "sim"]
# data-plane resource modules: registered when present
DATAPLANE_API_MODULES = ["repositories", "artifacts", "replication_executions"]


def _import_api(name: str, optional: bool):
    try:
        return importlib.import_module(f"harbor_sim.api.{name}")
    except ModuleNotFoundError as exc:
        if optional and exc.name == f"harbor_sim.api.{name}":
            return None
        raise


def _attach_dataplane(app, sim) -> None:
    try:
        from .dataplane import Dataplane
    except ModuleNotFoundError as exc:
        if exc.name != "harbor_sim.dataplane":
            raise
        LOG.warning("data plane not available: no /v2/, /service/token or replication engine")
        return
    from .dataplane_host import DataplaneHost

    settings = sim.settings
    sim.dataplane = Dataplane(DataplaneHost(sim), settings.data_dir, settings.public_url,
                              settings.self_url + "/service/notifications",
                              registry_url=settings.registry_url, redis_url=settings.redis_url)
    sim.dataplane.add_routes(app)


def build_app(settings) -> web.Application:
    sim = Sim(settings)
    # the trust store first: the database connection of schema.create may verify its server with it
    oci_client.install_trust(settings.trust_ca_dir, os.path.join(settings.data_dir, "trust", "ca-bundle.crt"))
    schema.create(sim.db, settings.admin_password, settings.harbor_version)
    oci_client.set_faults_getter(sim.faults.get)
    app = web.Application(middlewares=[harbor_middleware], client_max_size=64 * 1024 * 1024)
    app[SIM_KEY] = sim
    app.on_response_prepare.append(on_response_prepare)
    for name in CORE_API_MODULES:
        app.add_routes(_import_api(name, optional=False).routes)
    for name in DATAPLANE_API_MODULES:
        module = _import_api(name, optional=True)
        if module is not None:
            app.add_routes(module.routes)
    _attach_dataplane(app, sim)
    _import_api("schedules", optional=False).attach(app, sim)  # GC / purge schedules run

    async def close_db(_app):
        sim.db.close()

    app.on_cleanup.append(close_db)
    return app


def serve(settings) -> None:
    app = build_app(settings)
    ssl_context = None
    if settings.tls_cert:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(settings.tls_cert, settings.tls_key)
    LOG.info("harbor-sim (Harbor %s) listening on %s:%s (%s)", settings.harbor_version, settings.host,
             settings.port, settings.scheme)
    web.run_app(app, host=settings.host, port=settings.port, ssl_context=ssl_context,
                print=None, access_log=None, handle_signals=True)
