"""A snapshot import of hand-written records in the 2025-2026 file's shape (versions null,
update_date the listing day): one per arXiv archive, formulas, code links in the abstract
and in the comments, missing fields, an old-style id; exact counts of what is added,
rejected, linked and put on the feed. The fixture is tests/fixtures/snapshot-every-archive.jsonl."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from paperboy.domain.tex import has_math
from paperboy.services.catalogue import find_paper
from paperboy.services.gathering.snapshot_import import import_snapshot, newest_listing_days
from paperboy.store import Database
from paperboy.store.schema import entry, paper

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "snapshot-every-archive.jsonl"
# Every archive of arXiv's taxonomy, the physics group's one by one.
ARCHIVES = {
    "astro-ph", "cond-mat", "cs", "econ", "eess", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th",
    "math", "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin", "quant-ph", "stat",
}  # fmt: skip


def test_every_archive_imports_onto_the_feed_with_exact_counts(db: Database) -> None:
    report = import_snapshot(db, FIXTURE, on_feed=True)
    # 24 lines: 20 archives + no categories + an old-style id are stored; a missing
    # abstract and a missing title are rejected with their line numbers.
    assert (report.added, report.updated, report.unchanged, report.rejected) == (22, 0, 0, 2)
    assert report.entries_added == 22
    reasons = sorted(str(r) for r in report.rejections)
    assert reasons == [
        f"{FIXTURE}:22: abstract is missing",
        f"{FIXTURE}:23: title is missing",
    ], reasons
    with db.connect() as conn:
        stored = conn.execute(select(paper.c.arxiv_id, paper.c.categories, paper.c.code_url)).all()
        days = conn.execute(select(entry.c.day)).scalars().all()
    primaries = {c.split()[0] for _, c, _ in stored if c}
    assert {c.split(".")[0] for c in primaries} == ARCHIVES
    assert sorted(url for _, _, url in stored if url) == [
        "https://github.com/example/fast-attention",
        "https://github.com/example/sp-toolkit",
    ]
    assert sorted(set(days)) == [date(2026, 8, 20), date(2026, 8, 21)]
    assert (days.count(date(2026, 8, 20)), days.count(date(2026, 8, 21))) == (11, 11)


def test_math_missing_authors_and_categories_and_old_ids_are_kept_as_written(db: Database) -> None:
    import_snapshot(db, FIXTURE, on_feed=True)
    formula = find_paper(db, "2608.10004")
    assert formula is not None
    assert formula.paper.title == r"Decay of solutions on $\mathbb{R}^n$ for $n \geq 3$"
    assert has_math(formula.paper.title) and has_math(formula.paper.abstract)
    no_authors = find_paper(db, "2608.10019")
    assert no_authors is not None and no_authors.paper.authors == ()
    no_categories = find_paper(db, "2608.10021")
    assert no_categories is not None and no_categories.paper.categories == ()
    old_style = find_paper(db, "hep-th/0601001")
    assert old_style is not None and old_style.paper.primary_category == "hep-th"


def test_the_newest_day_alone_and_a_second_import_changing_nothing(db: Database) -> None:
    newest = newest_listing_days(FIXTURE, 1)
    # Lines 21-24 are dated 2026-08-21 too, the unreadable ones among them: the first
    # pass counts dates only, the import then rejects what it cannot store.
    assert newest.days == (date(2026, 8, 21),) and newest.records == 13
    report = import_snapshot(db, FIXTURE, on_feed=True, wanted=newest.wanted)
    assert (report.added, report.rejected, report.entries_added) == (11, 2, 11)
    again = import_snapshot(db, FIXTURE, on_feed=True)
    assert (again.added, again.unchanged, again.rejected, again.entries_added) == (11, 11, 2, 11)
    third = import_snapshot(db, FIXTURE, on_feed=True)
    assert (third.added, third.updated, third.unchanged, third.entries_added) == (0, 0, 22, 0)
