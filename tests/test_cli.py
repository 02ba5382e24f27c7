"""The command line as a person and a script use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SNAPSHOT_SAMPLE

from paperboy.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_ingest_snapshot_then_again_reports_nothing_new(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run_json(capsys, "ingest", "snapshot", str(SNAPSHOT_SAMPLE))
    assert {k: first[k] for k in ("added", "updated", "unchanged", "rejected")} == {
        "added": 200,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    second = run_json(capsys, "ingest", "snapshot", str(SNAPSHOT_SAMPLE))
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 0, 200)


def test_stats_counts_papers(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(capsys, "stats")["papers"] == 0
    run_json(capsys, "ingest", "snapshot", str(SNAPSHOT_SAMPLE))
    stats = run_json(capsys, "stats")
    assert stats["papers"] == 200
    assert stats["recent_runs"][0]["kind"] == "snapshot"


def test_show_finds_a_paper_by_any_form_of_its_id(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, "ingest", "snapshot", str(SNAPSHOT_SAMPLE))
    for form in ("0704.0002", "0704.0002v1", "arXiv:0704.0002", "https://arxiv.org/abs/0704.0002v2"):
        paper = run_json(capsys, "show", form)
        assert paper["title"] == "Sparsity-certifying Graph Decompositions"
        assert paper["authors"] == ["Ileana Streinu", "Louis Theran"]
    assert main(["show", "0704.9999"]) == 1
    assert "no paper" in capsys.readouterr().out


def test_human_summary_names_every_count(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "snapshot", str(SNAPSHOT_SAMPLE)]) == 0
    assert capsys.readouterr().out.strip() == "added 200, updated 0, unchanged 0, rejected 0"


def test_config_masks_secrets(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAPERBOY_SMTP_URL", "smtp://mailer:hunter2@mail.example.org:587")
    shown = run_json(capsys, "config")
    assert shown["smtp_url"] == "smtp://***@mail.example.org:587"
    assert "hunter2" not in json.dumps(shown)
    assert main(["config"]) == 0
    assert "hunter2" not in capsys.readouterr().out


def test_init_creates_the_store(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(capsys, "init")
    assert result["schema_revision"]


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env["PAPERBOY_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "paperboy", "stats", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["papers"] == 0
    assert (tmp_path / "data" / "paperboy.db").exists()


def test_a_person_facing_error_is_one_line_and_a_bug_keeps_its_traceback(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperboy.cli import store_commands
    from paperboy.domain.errors import InvalidRequest

    def refused(_args: object) -> int:
        raise InvalidRequest("--frobnicate 0: give at least 1")

    monkeypatch.setattr(store_commands, "run_stats", refused)
    assert main(["stats"]) == 1
    assert capsys.readouterr().err == "error: --frobnicate 0: give at least 1\n"

    def broken(_args: object) -> int:
        raise ValueError("an internal invariant broke")  # a bug, not the person's input

    monkeypatch.setattr(store_commands, "run_stats", broken)
    with pytest.raises(ValueError, match="an internal invariant broke"):
        main(["stats"])

    def broken_io(_args: object) -> int:
        raise OSError("a socket went away")  # no file the person named

    monkeypatch.setattr(store_commands, "run_stats", broken_io)
    with pytest.raises(OSError, match="a socket went away"):
        main(["stats"])


def test_a_file_the_person_named_that_cannot_be_opened_is_reported_with_its_path(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["library", "import", "missing.bib", "--user", "someone@example.org"]) == 1
    assert capsys.readouterr().err == "error: missing.bib: No such file or directory\n"
    assert main(["ingest", "pages", "missing.txt"]) == 1
    assert capsys.readouterr().err.startswith("error: missing.txt: no such file")
