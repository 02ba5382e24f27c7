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
from paperboy.domain.errors import UserFacingError


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
    except UserFacingError as exc:
        # Errors a person can act on: one line, no traceback. Anything else is a bug
        # and keeps its traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        # A file the person named cannot be opened or written: say which and why. An
        # OSError without a path is not about the person's input, so it stays loud.
        if exc.filename is None:
            raise
        print(f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 1
