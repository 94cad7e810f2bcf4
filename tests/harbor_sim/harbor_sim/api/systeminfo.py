"""GET /api/v2.0/systeminfo: anonymous subset; harbor_version anonymous up to 2.12, authenticated only from 2.13
(src/controller/systeminfo/controller.go: HarborVersion moved into protectedData in 2.13.0)."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from .. import jsonout
from ..auth import current_principal
from ..context import get_sim
from ..listing import json_response

routes = web.RouteTableDef()


@routes.get("/api/v2.0/systeminfo")
async def systeminfo(request):
    sim = get_sim(request)
    cfg = sim.config.all()
    info = {"auth_mode": cfg["auth_mode"], "primary_auth_mode": cfg["primary_auth_mode"],
            "self_registration": cfg["self_registration"], "banner_message": cfg["banner_message"]}
    if not sim.version.has("systeminfo_version_protected"):
        info["harbor_version"] = sim.version.harbor_version
    if cfg["auth_mode"] == "oidc_auth":
        info["oidc_provider_name"] = cfg["oidc_name"]
    if cfg["auth_mode"] == "http_auth":
        info["authproxy_settings"] = {"endpoint": cfg["http_authproxy_endpoint"],
                                      "tokenreivew_endpoint": cfg["http_authproxy_tokenreview_endpoint"],
                                      "skip_search": cfg["http_authproxy_skip_search"],
                                      "verify_cert": cfg["http_authproxy_verify_cert"],
                                      "server_certificate": cfg["http_authproxy_server_certificate"]}
    if current_principal(request) is not None:
        external = sim.settings.public_url
        info.update({"has_ca_root": False,
                     "project_creation_restriction": cfg["project_creation_restriction"],
                     "harbor_version": sim.version.harbor_version, "external_url": external,
                     "registry_url": urlsplit(external).netloc, "read_only": cfg["read_only"],
                     "registry_storage_provider_name": "filesystem",
                     "notification_enable": cfg["notification_enable"], "current_time": jsonout.now()})
    return json_response(info)


@routes.get("/api/v2.0/systeminfo/volumes")
async def volumes(request):
    import shutil

    from ..auth import require_system_admin

    require_system_admin(request, "system-volumes", "read")
    usage = shutil.disk_usage(get_sim(request).settings.data_dir)
    return json_response({"storage": [{"total": usage.total, "free": usage.free}]})
