"""paperboy serve: the web app on uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
from dataclasses import replace
from typing import Any

from paperboy.cli import context
from paperboy.domain.errors import InvalidRequest

WORKER_HEALTHCHECK_SECONDS = 60


def register(commands: Any) -> None:
    serve = commands.add_parser("serve", help="run the web site and JSON API")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="how much to log; info logs every request",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1; one per core serves the most requests)",
    )
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from paperboy.web import create_app
    from paperboy.web.client_address import trusted_networks

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step is noise
    if args.workers < 1:
        raise InvalidRequest(f"--workers {args.workers}: give at least 1")
    config = context.settings()
    if not config.base_url:
        # Links in mail must reach this server; worker processes read the variable too.
        os.environ["PAPERBOY_BASE_URL"] = listening_url(args.host, args.port)
        config = replace(config, base_url=os.environ["PAPERBOY_BASE_URL"])
    trusted_networks(config)  # a bad trusted_proxies stops here, not in every worker
    database = context.database(config)  # migrated once here, before any worker starts
    print(
        f"Paperboy is serving {config.effective_database_url.split('@')[-1]} at {config.effective_base_url}/",
        flush=True,
    )
    # Our AccessLog middleware writes one line per request; uvicorn's would repeat it.
    if args.workers > 1:
        database.close()
        # Each worker process builds its own app (and store connections) from the settings.
        target: Any = "paperboy.web:create_app"
    else:
        target = create_app(config, database)
    uvicorn.run(
        target,
        factory=args.workers > 1,
        workers=args.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        server_header=False,
        # X-Forwarded-For is resolved by paperboy.web.client_address from trusted_proxies, one
        # rule for every worker; uvicorn's own handling would believe any loopback peer.
        proxy_headers=False,
        # The supervisor kills a worker that misses a ping for this long. Its default of 5 s
        # killed workers still importing the app on a busy 2-core machine, over and over
        # (the site never came up); a slow start or a long page is not a hung worker.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    return 0


def listening_url(host: str, port: int) -> str:
    """The address a browser on this machine opens to reach `paperboy serve --host --port`."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"  # every interface: loopback is one of them
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
