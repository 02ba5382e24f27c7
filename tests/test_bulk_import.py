"""The bulk path of a snapshot import: what it stores, the indexes it drops and builds,
revisions, and re-imports that compare stored values raw."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SNAPSHOT_SAMPLE
from sqlalchemy import inspect, select, text

from paperboy.services.catalogue import find_paper
from paperboy.services.gathering import ingest
from paperboy.services.gathering.snapshot_import import import_snapshot
from paperboy.sources.snapshot import read_snapshot
from paperboy.store import Database
from paperboy.store import changes as change_store
from paperboy.store.schema import paper


def _index_names(db: Database) -> set[str]:
    with db.connect() as conn:
        return {str(i["name"]) for i in inspect(conn).get_indexes("paper")}


def _ordinary(db: Database, path: Path = SNAPSHOT_SAMPLE):
    return ingest.ingest_items(db, read_snapshot(path), kind="snapshot", batch_size=1000)


def test_bulk_import_stores_what_the_ordinary_path_stores(db: Database, tmp_path: Path) -> None:
    from conftest import fresh_database

    from paperboy.store import open_database

    report = import_snapshot(db, SNAPSHOT_SAMPLE)
    assert (report.added, report.rejected) == (200, 0)
    with fresh_database(tmp_path / "other") as url:
        other = open_database(url)
        _ordinary(other)
        columns = [c for c in paper.columns if c.name not in ("id", "first_seen", "changed_at", "revision")]
        with db.connect() as a, other.connect() as b:
            bulk_rows = a.execute(select(*columns).order_by(paper.c.key)).all()
            plain_rows = b.execute(select(*columns).order_by(paper.c.key)).all()
        other.close()
    assert bulk_rows == plain_rows and len(bulk_rows) == 200


def test_indexes_are_dropped_only_for_a_first_load_and_always_come_back(db: Database, monkeypatch) -> None:
    before = _index_names(db)
    seen: list[set[str]] = []
    real_apply = ingest._apply

    def watching(conn, *args):  # type: ignore[no-untyped-def]
        seen.append({str(i["name"]) for i in inspect(conn).get_indexes("paper")})
        return real_apply(conn, *args)

    monkeypatch.setattr(ingest, "_apply", watching)
    import_snapshot(db, SNAPSHOT_SAMPLE)
    assert seen and all("ix_paper_title_norm" not in names for names in seen)
    assert _index_names(db) == before
    seen.clear()
    import_snapshot(db, SNAPSHOT_SAMPLE)  # not empty now: nothing dropped
    assert seen and all(names == before for names in seen)


def test_one_revision_per_bulk_transaction_and_the_watermark_sees_every_paper(db: Database) -> None:
    import_snapshot(db, SNAPSHOT_SAMPLE)
    with db.connect() as conn:
        revisions = set(conn.execute(select(paper.c.revision)).scalars())
        assert len(revisions) == 1  # 200 records: one transaction
        assert change_store.count_changed(conn, 0) == 200
        assert change_store.count_changed(conn, change_store.latest_revision(conn)) == 0
    again = import_snapshot(db, SNAPSHOT_SAMPLE)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 200)
    with db.connect() as conn:
        assert set(conn.execute(select(paper.c.revision)).scalars()) == revisions


def test_reimport_compares_raw_values_and_reads_no_row(db: Database, monkeypatch) -> None:
    import_snapshot(db, SNAPSHOT_SAMPLE)
    read: list[str] = []
    real = ingest.paper_store.rows_by_key
    monkeypatch.setattr(
        ingest.paper_store, "rows_by_key", lambda conn, keys: real(conn, read.extend(keys) or read)
    )
    again = import_snapshot(db, SNAPSHOT_SAMPLE)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 200)
    assert read == []


def test_a_row_stored_in_another_json_spelling_is_still_unchanged(db: Database) -> None:
    """Rows written by an older version (json.dumps, spaces after separators) differ
    from the new tuple as text, but not as values: the field-by-field comparison says so."""
    import_snapshot(db, SNAPSHOT_SAMPLE)
    stored = find_paper(db, "0704.0001")
    assert stored is not None
    with db.transaction() as conn:
        authors = conn.execute(select(paper.c.authors).where(paper.c.key == "0704.0001")).scalar_one()
        spelled = json.dumps(authors, indent=1)
        if db.dialect == "postgresql":
            conn.execute(
                text("UPDATE paper SET authors = CAST(:a AS json) WHERE key = '0704.0001'"), {"a": spelled}
            )
        else:
            conn.execute(text("UPDATE paper SET authors = :a WHERE key = '0704.0001'"), {"a": spelled})
    again = import_snapshot(db, SNAPSHOT_SAMPLE)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 200)
    after = find_paper(db, "0704.0001")
    assert after is not None and after.revision == stored.revision


def test_a_newer_version_in_the_file_is_an_update_with_a_new_revision(db: Database, tmp_path: Path) -> None:
    lines = SNAPSHOT_SAMPLE.read_text(encoding="utf-8").splitlines()
    older = (
        lines[0]
        .replace(',{"version":"v2","created":"Tue, 24 Jul 2007 20:10:27 GMT"}', "")
        .replace("Calculation of prompt", "Old title: calculation of prompt")
    )
    older_file = tmp_path / "older.jsonl"
    older_file.write_text("\n".join([older, *lines[1:]]) + "\n", encoding="utf-8")
    import_snapshot(db, older_file)
    before = find_paper(db, "0704.0001")
    again = import_snapshot(db, SNAPSHOT_SAMPLE)
    assert (again.added, again.updated, again.unchanged) == (0, 1, 199)
    after = find_paper(db, "0704.0001")
    assert before is not None and after is not None
    assert after.revision > before.revision and after.paper.version == 2
    with db.connect() as conn:
        assert change_store.count_changed(conn, before.revision) == 1


def test_the_bulk_encoder_builds_what_paper_to_row_and_the_column_encoder_build() -> None:
    """paper_encoder is the bulk path's shortcut; the store's _paper_to_row stays the truth."""
    from datetime import date, datetime

    from sqlalchemy.dialects import postgresql, sqlite

    from paperboy.domain import Author, Paper, normalise_title
    from paperboy.services.gathering.validate import validate_paper
    from paperboy.store import bulk
    from paperboy.store.papers import _paper_to_row

    papers = [validate_paper(item.paper) for item in read_snapshot(SNAPSHOT_SAMPLE)]
    bare = Paper(title="A title alone", abstract="Text.", source="hf")
    keyed = Paper(
        title="Keyed", abstract="Text.", source="hf", source_key="hf:keyed",
        authors=(Author("Ada Lovelace", "Lovelace", "Ada", "Jr"),), categories=("cs.LG", "stat.ML"),
        published=datetime(2025, 1, 2, 3, 4, 5, 6), updated=datetime(2025, 2, 3), version=2,
        versions=((1, datetime(2025, 1, 2, 3, 4, 5, 6)), (2, datetime(2025, 2, 3))),
        metadata_updated=date(2025, 3, 4), doi="10.1/x", journal_ref="J", comments="c", report_no="r",
        license="l", submitter="s", code_url="https://github.com/a/b",
    )  # fmt: skip
    # Dates before the year 1000: SQLite's text pads the year to four digits.
    old = Paper(
        title="Old", abstract="Text.", source="hf", published=datetime(999, 12, 31, 23, 59, 59),
        updated=datetime(999, 12, 31, 23, 59, 59, 1), metadata_updated=date(999, 1, 2),
    )  # fmt: skip
    papers += [(p, normalise_title(p.title)) for p in (bare, keyed, old)]
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        by_columns, direct = bulk.content_encoder(dialect), bulk.paper_encoder(dialect)
        for p, norm in papers:
            assert direct(p, norm) == by_columns(_paper_to_row(p, norm)), (dialect.name, p.title)


def test_validating_a_batch_gives_what_validating_each_paper_gives() -> None:
    """validate_papers checks author names batch-wide; a batch mixing tidy and untidy
    records (and rejections) must come out as validate_paper makes each one."""
    import copy

    from paperboy.domain import Author, Paper
    from paperboy.services.gathering.validate import InvalidPaper, validate_paper, validate_papers

    def paper(title: str = "A title", abstract: str = "Text.", names: tuple[str, ...] = ("Ada Lovelace",)):
        return Paper(title=title, abstract=abstract, source="hf", authors=tuple(Author(n) for n in names))

    def each(papers: list[Paper]) -> list[object]:
        results: list[object] = []
        for p in copy.deepcopy(papers):
            try:
                results.append(validate_paper(p))
            except InvalidPaper as exc:
                results.append(str(exc))
        return results

    def together(papers: list[Paper]) -> list[object]:
        return [str(r) if isinstance(r, InvalidPaper) else r for r in validate_papers(copy.deepcopy(papers))]

    real = [item.paper for item in read_snapshot(SNAPSHOT_SAMPLE)]
    untidy = [
        paper(names=("Ada  Lovelace", "Alan Turing")),
        paper(names=("Grace\tHopper",)),
        paper(names=("", "Emmy Noether")),
        paper(names=("Smith ",)),  # with the next: a space on each side of the join
        paper(names=(" Jones",)),
        paper(names=("Carl\x07Gauss",)),
        paper(names=("x  " + "y" * 400,)),  # too long once tidied: rejected
        paper(title="  "),  # rejected: empty title
        paper(abstract="One paragraph.\n\nAnother one."),
        paper(abstract="Hard\nwrapped\n  indented line"),
        paper(abstract="Space before \na break"),
        paper(title="Wrapped\n  title", names=()),
    ]
    mixed = real[:100] + untidy + real[100:]
    assert together(mixed) == each(mixed)
    assert together(real) == each(real)  # all tidy: the batch-wide path
    kept = together([paper(names=("Smith ",)), paper(names=(" Jones",))])
    assert [[a.name for a in p.authors] for p, _ in kept] == [["Smith"], ["Jones"]]  # type: ignore[union-attr]
