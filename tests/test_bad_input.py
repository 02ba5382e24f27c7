"""Bad snapshot input: each problem is reported with its location, the rest imports,
and nothing stored earlier changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SNAPSHOT_SAMPLE

from paperboy.cli import main
from paperboy.services.catalogue import find_paper, store_statistics
from paperboy.services.ingest import ingest_items
from paperboy.sources import SourceError
from paperboy.sources.snapshot import read_snapshot
from paperboy.store import Database

GOOD = SNAPSHOT_SAMPLE.read_bytes().splitlines()


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def ingest(db: Database, path: Path):
    return ingest_items(db, read_snapshot(path), kind="snapshot")


def record(index: int, **changes: object) -> bytes:
    data = json.loads(GOOD[index])
    data.update(changes)
    return json.dumps(data).encode()


def reasons(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.location.rsplit(":", 1)[1]: r.reason for r in report.rejections}


def test_each_bad_line_is_reported_with_its_line_and_the_rest_imports(db: Database, tmp_path: Path) -> None:
    bad = write_lines(
        tmp_path / "bad.jsonl",
        [
            GOOD[0],
            b'{"id": "0704.0002", "title": "broken',  # invalid JSON
            record(2, id=None),  # no id
            record(3, abstract="x" * 10_000_000),  # a 10 MB abstract
            GOOD[4][:50] + b"\xff\xfe" + GOOD[4][50:],  # invalid UTF-8
            record(5, id="not-an-id"),
            GOOD[6],
            GOOD[7][:120],  # a truncated last line
        ],
    )
    report = ingest(db, bad)
    assert (report.added, report.rejected) == (2, 6)
    found = reasons(report)
    assert "invalid JSON" in found["2"]
    assert found["3"] == "record has no id"
    assert "abstract is 10,000,000 characters" in found["4"]
    assert "invalid UTF-8" in found["5"]
    assert "not an arXiv id" in found["6"]
    assert "invalid JSON" in found["8"] and "cut short" in found["8"]
    assert all(r.location.startswith(str(bad)) for r in report.rejections)


def test_bad_input_does_not_change_what_was_stored(db: Database, tmp_path: Path) -> None:
    ingest(db, SNAPSHOT_SAMPLE)
    before = find_paper(db, "0704.0003")
    bad = write_lines(
        tmp_path / "bad.jsonl",
        [record(2, abstract="y" * 10_000_000), record(2, title=None), record(2, title=12)],
    )
    report = ingest(db, bad)
    assert report.rejected == 3 and report.updated == 0
    assert find_paper(db, "0704.0003") == before
    assert store_statistics(db)["papers"] == 200


def test_an_empty_file_is_an_error_naming_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty.jsonl: file is empty"):
        list(read_snapshot(empty))


def test_a_directory_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory"):
        list(read_snapshot(tmp_path))


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no-such.jsonl: no such file"):
        list(read_snapshot(tmp_path / "no-such.jsonl"))


def test_a_cut_gzip_file_keeps_what_came_before(db: Database, tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "cut.jsonl.gz"
    packed.write_bytes(gzip.compress(SNAPSHOT_SAMPLE.read_bytes())[:20_000])
    report = ingest(db, packed)
    assert report.added > 0
    assert report.rejected == 1
    assert "damaged or cut short" in report.rejections[-1].reason


def test_cli_prints_the_error_without_a_traceback(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (cli_env / "empty.jsonl").write_bytes(b"")
    assert main(["ingest", "snapshot", "empty.jsonl"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: empty.jsonl: file is empty (0 bytes); nothing to import"
    assert main(["ingest", "snapshot", str(cli_env)]) == 1
    assert "is a directory" in capsys.readouterr().err


def test_cli_reports_rejections_with_locations(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_lines(cli_env / "some.jsonl", [GOOD[0], b"{oops", GOOD[1]])
    assert main(["ingest", "snapshot", "some.jsonl", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["added"], result["rejected"]) == (2, 1)
    assert result["rejections"][0]["location"] == "some.jsonl:2"
