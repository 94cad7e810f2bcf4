"""The Sim object: everything a handler needs (settings, db, config, faults, data plane)."""

from __future__ import annotations

import asyncio
import collections
import os
import secrets
import threading

from aiohttp import web

from .configs import Config
from .faults import Faults
from .storage import Storage
from .versions import HarborVersion

SIM_KEY = web.AppKey("harbor_sim", object)


class Sim:
    def __init__(self, settings):
        self.settings = settings
        self.version = HarborVersion(settings.harbor_version)
        os.makedirs(settings.data_dir, exist_ok=True)
        self.db = Storage(settings.data_dir, settings.database_url)
        self.config = Config(self.db)
        self.faults = Faults()
        self.csrf_key = secrets.token_bytes(32)  # per process, like prepare's CSRF_KEY per node
        self.dataplane = None
        self.requests = collections.deque(maxlen=100000)
        self.requests_lock = threading.Lock()

    async def blocking(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    def registry_url(self):
        """URL of the backing distribution registry (the data plane's subprocess or --registry-url)."""
        if self.dataplane is not None and getattr(self.dataplane, "registry_url", None):
            return self.dataplane.registry_url
        return self.settings.registry_url


def get_sim(request) -> Sim:
    return request.app[SIM_KEY]
