"""Command line: `python -m harbor_sim serve --listen HOST:PORT --data DIR --admin-password PW ...`."""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__, versions
from .settings import Settings


def _listen(value: str):
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"--listen must be HOST:PORT, got {value!r}")
    return (host.strip("[]") or "0.0.0.0"), int(port)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="harbor_sim", description="Harbor API simulator")
    top.add_argument("--version", action="version", version=__version__)
    sub = top.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the simulator")
    serve.add_argument("--listen", type=_listen, default=("127.0.0.1", 8080), metavar="HOST:PORT")
    serve.add_argument("--data", required=True, metavar="DIR", help="state directory")
    serve.add_argument("--admin-password", default="Harbor12345",
                       help="initial admin password (first start only, like harbor_admin_password)")
    serve.add_argument("--database-url", help="postgresql://user:pw@host:port/db (default: SQLite under DIR)")
    serve.add_argument("--redis-url", help="redis://... or redis+sentinel://h1:26379,h2:26379/master/0")
    serve.add_argument("--registry-url", help="backing distribution registry (default: own subprocess)")
    serve.add_argument("--registry-storage", metavar="DIR", help="with --registry-url: that registry's filesystem "
                       "storage root, reachable here (garbage collection sweeps it, as Harbor's registryctl)")
    serve.add_argument("--external-url", help="public URL of this Harbor")
    serve.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--tls-key", help="private key for --tls-cert")
    serve.add_argument("--harbor-version", default=versions.DEFAULT, choices=versions.SUPPORTED,
                       help="the Harbor release whose behaviour is played (default %(default)s)")
    serve.add_argument("--trust-ca-dir", help="CA files (*.crt, *.ca, *.ca-bundle, *.pem) trusted for outgoing "
                       "TLS besides the system store, as Harbor's install_cert.sh installs /harbor_cust_cert")
    serve.add_argument("--log-level", default="INFO")
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        print("harbor_sim: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host, port = args.listen
    settings = Settings(host=host, port=port, data_dir=args.data, admin_password=args.admin_password,
                        database_url=args.database_url, redis_url=args.redis_url,
                        registry_url=args.registry_url, registry_storage=args.registry_storage,
                        external_url=args.external_url,
                        tls_cert=args.tls_cert, tls_key=args.tls_key, harbor_version=args.harbor_version,
                        trust_ca_dir=args.trust_ca_dir)
    from .app import serve  # imported late: `--help` must work without aiohttp
    from .migration import MigrationError

    try:
        serve(settings)
    except MigrationError as exc:
        # Harbor's core: log.Fatalf in src/core/main.go, exit status 1 (its container restarts)
        logging.getLogger("harbor_sim").critical("%s", exc)
        return 1
    return 0
