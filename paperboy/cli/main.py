"""Entry point: build the parser, run the chosen command, turn errors into messages."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from paperboy import __version__
from paperboy.cli import (
    digest_commands,
    ingest_commands,
    library_commands,
    recommend_commands,
    search_commands,
    store_commands,
    user_commands,
    web_commands,
    worker_commands,
)
from paperboy.config import ConfigError
from paperboy.embed import EmbedderError
from paperboy.index.keyword import IndexBusyError
from paperboy.sources import SourceError
from paperboy.store import StoreError

# Errors a person can act on: printed as one line, no traceback.
_USER_ERRORS = (ConfigError, SourceError, StoreError, EmbedderError, IndexBusyError, ValueError, OSError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperboy", description="Gather, search and deliver research papers."
    )
    parser.add_argument("--version", action="version", version=f"paperboy {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    store_commands.register(commands)
    ingest_commands.register(commands)
    search_commands.register(commands)
    web_commands.register(commands)
    user_commands.register(commands)
    digest_commands.register(commands)
    worker_commands.register(commands)
    library_commands.register(commands)
    recommend_commands.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader left, which is no error.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except KeyboardInterrupt:
        print("interrupted; work committed so far is kept, run the command again to finish", file=sys.stderr)
        return 130
    except _USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
