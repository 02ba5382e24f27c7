"""paperboy library import / export / rematch, as a person and a script use them."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from community_fixtures import member
from library_fixtures import store_papers

from paperboy.cli import main
from paperboy.store import open_database

BIB = b"""@misc{a, title = {Attention Is All You Need Again}, eprint = {2611.00001}}
@misc{b, title = {Never harvested}, eprint = {2612.00009}}
@misc{c, title = {Broken,
"""


@pytest.fixture
def reader(cli_env: Path, database_url: str) -> str:
    db = open_database(database_url)
    store_papers(db)
    member(db, "ada@example.org")
    db.close()
    return "ada@example.org"


def test_import_prints_what_happened_to_each_entry_and_twice_adds_nothing(
    reader: str, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli_env / "mine.bib").write_bytes(BIB)
    assert main(["library", "import", "mine.bib", "--user", reader, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["saved"], first["unmatched"], first["rejected"]) == (1, 1, 1)
    assert first["rejections"][0]["location"] == "mine.bib:3"
    assert main(["library", "import", "mine.bib", "--user", reader]) == 0
    out = capsys.readouterr().out
    assert "0 saved, 1 already in the library, 1 not matched (kept), 1 refused" in out
    assert "mine.bib:2" in out and "mine.bib:3" in out


def test_export_writes_each_format(reader: str, cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (cli_env / "mine.bib").write_bytes(BIB)
    main(["library", "import", "mine.bib", "--user", reader, "--json"])
    capsys.readouterr()
    assert main(["library", "export", "--user", reader, "--format", "csl-json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "2611.00001"
    assert main(["library", "export", "--user", reader, "--format", "ris", "--output", "out.ris"]) == 0
    assert (cli_env / "out.ris").read_text().startswith("TY  - GEN")


def test_unknown_reader_and_unreadable_file_are_one_line_errors(
    reader: str, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cli_env / "bad.json").write_bytes(b"[{nope")
    assert main(["library", "import", "bad.json", "--user", "nobody@example.org"]) == 1
    assert "no account for 'nobody@example.org'" in capsys.readouterr().err
    assert main(["library", "import", "bad.json", "--user", reader]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: bad.json is not valid JSON") and "Traceback" not in err


def test_a_2000_entry_import_shows_a_progress_bar_on_a_terminal(
    reader: str, cli_env: Path, database_url: str
) -> None:
    bib = "\n".join(f"@misc{{k{n}, title = {{Paper {n}}}, eprint = {{2613.{n:05d}}}}}" for n in range(2000))
    (cli_env / "big.bib").write_text(bib)
    main_fd, terminal = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, in which tqdm draws nothing.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    env = {k: v for k, v in os.environ.items()}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    result = subprocess.run(
        [sys.executable, "-m", "paperboy", "library", "import", "big.bib", "--user", reader, "--json"],
        stdout=subprocess.PIPE, stderr=terminal, env=env, cwd=cli_env, timeout=120,
    )  # fmt: skip
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main_fd)
    assert result.returncode == 0
    assert json.loads(result.stdout)["unmatched"] == 2000
    assert b"importing big.bib" in shown and b"2000/2000" in shown
