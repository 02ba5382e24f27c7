"""Importing arXiv's metadata snapshot: real records, exact values, idempotence."""

from __future__ import annotations

import gzip
import shutil
from datetime import date, datetime
from pathlib import Path

from conftest import SNAPSHOT_SAMPLE

from paperboy.services.catalogue import find_paper, store_statistics
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.snapshot import read_snapshot
from paperboy.store import Database


def import_snapshot(db: Database, path: Path = SNAPSHOT_SAMPLE, batch_size: int = 1000):
    return ingest_items(db, read_snapshot(path), kind="snapshot", batch_size=batch_size)


def test_the_sample_imports_as_200_papers(db: Database) -> None:
    report = import_snapshot(db)
    assert (report.added, report.updated, report.unchanged, report.rejected) == (200, 0, 0, 0)
    assert store_statistics(db)["papers"] == 200


def test_reimporting_the_same_snapshot_changes_nothing(db: Database) -> None:
    import_snapshot(db)
    before = find_paper(db, "0704.0001")
    again = import_snapshot(db, batch_size=37)
    assert (again.added, again.updated, again.unchanged, again.rejected) == (0, 0, 200, 0)
    after = find_paper(db, "0704.0001")
    assert after is not None and before is not None
    assert (after.revision, after.changed_at) == (before.revision, before.changed_at)


def test_authors_keep_their_order_and_accents(db: Database) -> None:
    import_snapshot(db)
    paper = find_paper(db, "0704.0001")
    assert paper is not None
    assert [a.name for a in paper.paper.authors] == [
        "C. Balázs",
        "E. L. Berger",
        "P. M. Nadolsky",
        "C. -P. Yuan",
    ]
    assert paper.paper.authors[0].keyname == "Balázs"


def test_versions_dates_and_categories_are_right(db: Database) -> None:
    import_snapshot(db)
    paper = find_paper(db, "0704.0002")
    assert paper is not None
    p = paper.paper
    assert p.title == "Sparsity-certifying Graph Decompositions"
    assert p.categories == ("math.CO", "cs.CG")
    assert p.primary_category == "math.CO"
    assert p.version == 2
    assert p.published == datetime(2007, 3, 31, 2, 26, 18)
    assert p.updated == datetime(2008, 12, 13, 17, 26, 0)
    assert p.metadata_updated == date(2008, 12, 13)
    assert p.comments == "To appear in Graphs and Combinatorics"


def test_journal_reference_doi_and_wrapped_title(db: Database) -> None:
    import_snapshot(db)
    paper = find_paper(db, "arXiv:0704.0001v2")
    assert paper is not None
    p = paper.paper
    assert p.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert p.doi == "10.1103/PhysRevD.76.013009"
    assert p.journal_ref == "Phys.Rev.D76:013009,2007"
    assert p.report_no == "ANL-HEP-PR-07-12"
    assert p.abstract.startswith(
        "A fully differential calculation in perturbative quantum chromodynamics is presented"
    )
    assert "\n" not in p.abstract


def test_latex_in_abstracts_is_kept_verbatim(db: Database) -> None:
    import_snapshot(db)
    paper = find_paper(db, "0704.0002")
    assert paper is not None
    assert "$(k,\\ell)$-pebble game" in paper.paper.abstract


def test_gzip_snapshot_imports_the_same(db: Database, tmp_path: Path) -> None:
    packed = tmp_path / "snapshot.json.gz"
    with SNAPSHOT_SAMPLE.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    report = import_snapshot(db, packed)
    assert (report.added, report.rejected) == (200, 0)


def test_a_newer_version_wins_and_an_older_one_never_overwrites(db: Database, tmp_path: Path) -> None:
    lines = SNAPSHOT_SAMPLE.read_text(encoding="utf-8").splitlines()
    first = lines[0]
    older = first.replace(',{"version":"v2","created":"Tue, 24 Jul 2007 20:10:27 GMT"}', "").replace(
        "Calculation of prompt", "Old title: calculation of prompt"
    )
    newer_file = tmp_path / "newer.jsonl"
    newer_file.write_text(first + "\n", encoding="utf-8")
    older_file = tmp_path / "older.jsonl"
    older_file.write_text(older + "\n", encoding="utf-8")

    import_snapshot(db, older_file)
    stored = find_paper(db, "0704.0001")
    assert stored is not None and stored.paper.version == 1
    assert stored.paper.title.startswith("Old title")

    upgraded = import_snapshot(db, newer_file)
    assert upgraded.updated == 1
    stored = find_paper(db, "0704.0001")
    assert stored is not None and stored.paper.version == 2
    assert stored.paper.title.startswith("Calculation of prompt")

    downgraded = import_snapshot(db, older_file)
    assert (downgraded.updated, downgraded.unchanged) == (0, 1)
    stored = find_paper(db, "0704.0001")
    assert stored is not None and stored.paper.version == 2
    assert stored.paper.title.startswith("Calculation of prompt")


def test_preparing_in_a_child_process_stores_the_same(db: Database, tmp_path: Path) -> None:
    report = ingest_items(
        db, read_snapshot(SNAPSHOT_SAMPLE), kind="snapshot", batch_size=30, prepare_in_background=True
    )
    assert (report.added, report.rejected) == (200, 0)
    again = ingest_items(db, read_snapshot(SNAPSHOT_SAMPLE), kind="snapshot", prepare_in_background=True)
    assert again.unchanged == 200
    stored = find_paper(db, "0704.0001")
    assert stored is not None and [a.name for a in stored.paper.authors][0] == "C. Balázs"
