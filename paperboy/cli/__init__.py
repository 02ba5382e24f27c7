"""The command line: parse, call one service, print its result (or --json)."""

from paperboy.cli.main import main

__all__ = ["main"]
