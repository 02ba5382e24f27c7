"""Saved Daily Papers pages: the two seed pages, cut and damaged copies of them, and
a page paper meeting its arXiv record."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from api_responses import SAMBANOVA, feed
from conftest import SEED_PAGES
from recorded_server import RecordedServer, Reply

from paperboy.cli.main import main
from paperboy.config import Settings
from paperboy.domain import FeedEntry, Rejection, SourceRecord, normalise_title
from paperboy.services.catalogue import find_paper, store_statistics
from paperboy.services.gathering.arxiv_lookup import ingest_arxiv_ids
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.daily_pages import read_daily_pages
from paperboy.sources.errors import SourceError
from paperboy.store import Database
from paperboy.store.papers import title_key

TODAY = date(2024, 10, 1)
SAMBANOVA_TITLE = "SambaNova SN40L: Scaling the AI Memory Wall with Dataflow and Composition of Experts"


def both_pages() -> list:
    return [item for path in SEED_PAGES for item in read_daily_pages(path, today=TODAY)]


def cut_copy(tmp_path: Path, lines: int, source: Path | None = None) -> Path:
    """A copy of the second seed page keeping only its first `lines` lines."""
    source = source or SEED_PAGES[1]
    kept = source.read_text(encoding="utf-8").splitlines(keepends=True)[:lines]
    copy = tmp_path / f"cut-{lines}.txt"
    copy.write_text("".join(kept), encoding="utf-8")
    return copy


def test_the_seed_pages_hold_93_papers_on_their_days() -> None:
    first, second = ([i for i in read_daily_pages(p, today=TODAY)] for p in SEED_PAGES)
    assert all(isinstance(i, SourceRecord) for i in first + second)
    assert (len(first), len(second)) == (57, 36)
    assert first[0].location == f"{SEED_PAGES[0]}:13"
    assert first[0].paper.title.startswith("Unlocking the potential of two-point cells")
    assert first[0].paper.abstract.startswith("Context-sensitive two-point layer 5 pyramidal cells")
    assert first[0].entry == FeedEntry(day=date(2024, 7, 30), origin="page")
    assert second[0].entry == FeedEntry(day=date(2024, 9, 1), origin="page")
    # The last paper of a file without a final newline keeps its abstract.
    assert first[-1].paper.title.startswith("TokenRing")
    assert first[-1].paper.abstract.endswith("https://github.com/ACA-Lab-SJTU/token-ring.")


def test_importing_both_seed_pages_gives_88_papers(db: Database) -> None:
    report = ingest_items(db, both_pages(), kind="pages")
    assert (report.added, report.updated, report.rejected, report.error) == (88, 0, 0, None)
    assert store_statistics(db)["papers"] == 88
    # The five papers on both pages are one paper each, with an entry per page.
    assert report.entries_added == 93
    shared = find_paper(db, title_key(normalise_title(SAMBANOVA_TITLE)))
    assert shared is not None
    assert [e.day for e in shared.entries] == [date(2024, 7, 30), date(2024, 9, 1)]


def test_importing_the_pages_again_changes_nothing(db: Database) -> None:
    ingest_items(db, both_pages(), kind="pages")
    again = ingest_items(db, both_pages(), kind="pages")
    assert (again.added, again.updated, again.unchanged, again.entries_added) == (0, 0, 88, 0)


def test_a_page_cut_off_after_a_title_reports_that_title(tmp_path: Path) -> None:
    lines = SEED_PAGES[1].read_text(encoding="utf-8").splitlines()
    title_line = lines.index("No More Adam: Learning Rate Scaling at Initialization is All You Need") + 1
    copy = cut_copy(tmp_path, title_line)
    items = list(read_daily_pages(copy, today=TODAY))
    *papers, last = items
    assert len(papers) == 4 and all(isinstance(p, SourceRecord) for p in papers)
    assert isinstance(last, Rejection)
    assert last.location == f"{copy}:{title_line}"
    assert "No More Adam: Learning Rate Scaling at Initialization is All You Need" in last.reason
    assert "cut off" in last.reason


def test_two_titles_in_a_row_reject_the_first_and_keep_the_second(tmp_path: Path) -> None:
    lines = SEED_PAGES[1].read_text(encoding="utf-8").splitlines(keepends=True)
    # Drop the abstract of the second paper (lines 19-20: abstract and its blank line).
    copy = tmp_path / "gap.txt"
    copy.write_text("".join(lines[:18] + lines[20:]), encoding="utf-8")
    items = list(read_daily_pages(copy, today=TODAY))
    rejections = [i for i in items if isinstance(i, Rejection)]
    assert [r.location for r in rejections] == [f"{copy}:17"]
    assert SAMBANOVA_TITLE in rejections[0].reason
    records = [i for i in items if isinstance(i, SourceRecord)]
    assert len(records) == 35
    # The next paper still gets its own abstract, not a neighbour's.
    assert records[1].paper.title.startswith("Pre-gated MoE")
    assert records[1].paper.abstract.startswith("Large language models (LLMs) based on transformers")


@pytest.mark.parametrize(
    ("content", "location", "reason"),
    [
        (b"", ":1", "file is empty"),
        (b"   \n\n", ":1", "file is empty"),
        (b"Daily Papers\n\nA Title\n\n" + b"Some abstract sentence. " * 20, ":1", "no date line"),
        (b"Jul 30\n\nA Title\n\nBad \xff byte in this abstract.\n", ":5", "invalid UTF-8"),
    ],
)
def test_unusable_files_are_rejected_with_their_location(
    tmp_path: Path, content: bytes, location: str, reason: str
) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(content)
    (rejection,) = read_daily_pages(page, today=TODAY)
    assert isinstance(rejection, Rejection)
    assert rejection.location == f"{page}{location}"
    assert reason in rejection.reason


def test_a_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        list(read_daily_pages(tmp_path / "absent.txt"))


def test_the_year_is_the_latest_not_after_today_unless_given(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Daily Papers\n\nDec 31\n\nA Title\n\n" + "An abstract sentence here. " * 10)
    (record,) = read_daily_pages(page, today=date(2025, 1, 2))
    assert isinstance(record, SourceRecord) and record.entry is not None
    assert record.entry.day == date(2024, 12, 31)
    (record,) = read_daily_pages(page, year=2020, today=date(2025, 1, 2))
    assert isinstance(record, SourceRecord) and record.entry is not None
    assert record.entry.day == date(2020, 12, 31)


def test_papers_under_an_impossible_date_are_rejected_not_dropped(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Feb 29\n\nA Title\n\n" + "An abstract sentence here. " * 10)
    items = list(read_daily_pages(page, year=2023))
    assert [(type(i).__name__, i.location) for i in items] == [
        ("Rejection", f"{page}:1"), ("Rejection", f"{page}:3"),
    ]  # fmt: skip
    assert "does not exist in 2023" in items[0].reason
    (record,) = read_daily_pages(page, today=date(2025, 3, 1))
    assert isinstance(record, SourceRecord) and record.entry is not None
    assert record.entry.day == date(2024, 2, 29)


def test_a_page_paper_meets_its_arxiv_record_and_becomes_one_paper(db: Database, settings: Settings) -> None:
    ingest_items(db, both_pages(), kind="pages")
    respond = Reply(feed([SAMBANOVA]), content_type="application/atom+xml")
    with RecordedServer(lambda path, query: respond) as server:
        config = replace(settings, arxiv_api_url=server.url + "/api/query")
        report = ingest_arxiv_ids(db, config, ["2405.07518"])
    assert (report.added, report.updated, report.rejected) == (0, 1, 0)
    assert store_statistics(db)["papers"] == 88
    merged = find_paper(db, "2405.07518")
    assert merged is not None
    assert merged.paper.arxiv_id == "2405.07518" and merged.paper.primary_category == "cs.AR"
    assert merged.paper.title == SAMBANOVA_TITLE
    # Both page entries stay with the paper.
    assert [(e.day, e.origin) for e in merged.entries] == [
        (date(2024, 7, 30), "page"), (date(2024, 9, 1), "page"),
    ]  # fmt: skip


def test_cli_ingest_pages_prints_one_json_object(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ingest", "pages", *map(str, SEED_PAGES), "--year", "2024", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {k: out[k] for k in ("added", "updated", "unchanged", "rejected")} == {
        "added": 88, "updated": 0, "unchanged": 0, "rejected": 0,
    }  # fmt: skip
    assert all(type(out[k]) is int for k in ("added", "updated", "unchanged", "rejected"))
