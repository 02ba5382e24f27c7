"""Bad snapshot input: each problem is reported with its location, the rest imports,
and nothing stored earlier changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SNAPSHOT_SAMPLE

from paperboy.cli import main
from paperboy.services.catalogue import find_paper, store_statistics
from paperboy.services.gathering.ingest import ingest_items
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


# --- Hostile files: each named for the attack. The snapshot reader bounds what one line
# may cost, refuses what is not a snapshot file, and rejects (never aborts on) records
# that break the JSON parser.


def test_dev_zero_is_refused_as_not_a_regular_file() -> None:
    # Reading /dev/zero line by line grew to gigabytes: it has no newline, ever.
    with pytest.raises(SourceError, match="/dev/zero: not a regular file"):
        list(read_snapshot(Path("/dev/zero")))


def test_a_named_pipe_is_refused_as_not_a_regular_file(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "snapshot.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        list(read_snapshot(fifo))


def test_a_line_over_the_limit_is_rejected_with_its_line_and_the_rest_imports(
    db: Database, tmp_path: Path
) -> None:
    from paperboy.sources import snapshot

    huge = b'{"id": "0704.0002", "abstract": "' + b"x" * (snapshot.MAX_LINE_BYTES + 10) + b'"}'
    path = write_lines(tmp_path / "long.jsonl", [GOOD[0], huge, GOOD[2]])
    report = ingest(db, path)
    assert (report.added, report.rejected) == (2, 1)
    assert reasons(report)["2"] == (
        f"line is longer than the limit of {snapshot.MAX_LINE_BYTES:,} bytes; skipped to the next line"
    )


def test_an_endless_line_is_read_in_bounded_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tracemalloc

    from paperboy.sources import snapshot

    monkeypatch.setattr(snapshot, "MAX_LINE_BYTES", 1 << 20, raising=False)
    path = tmp_path / "endless.jsonl"
    with path.open("wb") as out:
        out.write(GOOD[0] + b"\n" + b"{" + b" " * (64 << 20) + b"\n" + GOOD[1] + b"\n")
    tracemalloc.start()
    try:
        items = list(read_snapshot(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(i).__name__ for i in items] == ["SourceRecord", "Rejection", "SourceRecord"]
    assert peak < 8 << 20, f"reading a 64 MB line peaked at {peak:,} bytes"


def test_random_bytes_named_gz_say_not_gzip(tmp_path: Path) -> None:
    import random

    path = tmp_path / "snapshot.jsonl.gz"
    path.write_bytes(random.Random(7).randbytes(100_000))
    with pytest.raises(SourceError, match=r"snapshot.jsonl.gz: not gzip"):
        list(read_snapshot(path))


def test_random_bytes_are_refused_as_not_json_lines_or_gzip(tmp_path: Path) -> None:
    import random

    path = tmp_path / "snapshot.jsonl"
    path.write_bytes(random.Random(8).randbytes(100_000).replace(b"{", b"(").replace(b"\x1f", b"\x20"))
    with pytest.raises(SourceError, match=r"snapshot.jsonl: not JSON lines or gzip"):
        list(read_snapshot(path))


def test_a_file_of_zero_bytes_is_refused_as_not_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "zeros.jsonl"
    path.write_bytes(bytes(1 << 20))
    with pytest.raises(
        SourceError, match=r"zeros.jsonl: not JSON lines or gzip \(it starts with bytes 00 00"
    ):
        list(read_snapshot(path))


def test_gzip_of_something_else_is_refused(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "snapshot.jsonl.gz"
    path.write_bytes(gzip.compress(b"<html><body>Not found</body></html>\n"))
    with pytest.raises(SourceError, match=r"snapshot.jsonl.gz: the decompressed text is not JSON lines"):
        list(read_snapshot(path))


def test_a_5000_digit_integer_is_rejected_and_the_rest_imports(db: Database, tmp_path: Path) -> None:
    # json.loads raised ValueError (int max str digits) and the whole import stopped.
    number = b'{"id": "0704.0002", "version": ' + b"7" * 5000 + b"}"
    path = write_lines(tmp_path / "bigint.jsonl", [GOOD[0], number, GOOD[2]])
    report = ingest(db, path)
    assert (report.added, report.rejected) == (2, 1)
    assert reasons(report)["2"].startswith("invalid JSON at column ")


def test_100k_nested_brackets_are_rejected_and_the_rest_imports(db: Database, tmp_path: Path) -> None:
    # json.loads raised RecursionError and the whole import stopped.
    nested = b'{"id": "0704.0002", "authors_parsed": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    path = write_lines(tmp_path / "nested.jsonl", [GOOD[0], nested, GOOD[2]])
    report = ingest(db, path)
    assert (report.added, report.rejected) == (2, 1)
    assert "invalid JSON" in reasons(report)["2"]


def test_a_file_whose_every_record_is_rejected_exits_non_zero(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lines(cli_env / "bad.jsonl", [b"{oops", record(1, id=None), b'{"id": 1}'])
    assert main(["ingest", "snapshot", "bad.jsonl", "--no-index"]) == 1
    captured = capsys.readouterr()
    assert "rejected 3" in captured.out
    assert "every record was rejected" in captured.err


def test_cli_refuses_dev_zero_without_reading_it(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "snapshot", "/dev/zero", "--no-index"]) == 1
    assert capsys.readouterr().err.strip().startswith("error: /dev/zero: not a regular file")
