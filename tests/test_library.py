"""The library services on a real store: saving, tags, notes, read state, scoped search and
sort, collections, follows, feedback, imports (matched, unmatched, idempotent) and exports."""

from __future__ import annotations

import re
from dataclasses import replace

import orjson
import pytest
from community_fixtures import member
from library_fixtures import store_papers

from paperboy.domain.library import LibraryInputError
from paperboy.services.community.errors import NotFound
from paperboy.services.library import collections, exports, feedback, follows, imports, items
from paperboy.sources.library_files import LibraryFileError
from paperboy.store import Database


@pytest.fixture
def stocked(db: Database) -> Database:
    store_papers(db)
    return db


def test_saving_twice_is_one_item_and_toggling_takes_it_out(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    assert items.set_saved(stocked, ada, "2611.00001", True).saved
    assert items.set_saved(stocked, ada, "arXiv:2611.00001v3", True).saved
    assert [i.paper_key for i in items.library_items(stocked, ada)] == ["2611.00001"]
    assert not items.toggle_saved(stocked, ada, "2611.00001").saved
    assert items.library_items(stocked, ada) == []


def test_saving_an_unknown_paper_is_not_found(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    with pytest.raises(NotFound):
        items.set_saved(stocked, ada, "2699.99999", True)


def test_tags_note_and_read_are_kept_and_bad_tags_change_nothing(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    item = items.update_item(
        stocked, ada, "2611.00002", tags=" Diffusion, to read ,diffusion", note="Check eq. 3"
    )
    assert item.tags == ("diffusion", "to read") and item.note == "Check eq. 3" and not item.read
    assert items.update_item(stocked, ada, "2611.00002", read=True).read
    with pytest.raises(LibraryInputError):
        items.update_item(stocked, ada, "2611.00002", tags="x" * 41, note="lost")
    kept = items.find_item(stocked, ada, "2611.00002")
    assert (
        kept is not None
        and kept.tags == ("diffusion", "to read")
        and kept.note == "Check eq. 3"
        and kept.read
    )


def test_library_search_uses_the_query_syntax_scoped_to_the_readers_papers(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    for key in ("2611.00001", "2611.00002"):
        items.set_saved(stocked, ada, key, True)
    items.update_item(stocked, ada, "2611.00002", tags="physics", note="bridges to read")

    def keys(query: str = "", **kw: object) -> list[str]:
        return [i.paper_key for i in items.library_items(stocked, ada, query, **kw)]  # type: ignore[arg-type]

    assert keys("attention") == ["2611.00001"]
    assert keys("zebra") == []  # a stored paper, but not in the library
    assert keys("author:turing") == ["2611.00001"]
    assert keys("cat:stat") == ["2611.00002"]
    assert keys("schrodinger") == ["2611.00002"]  # accents ignored
    assert keys("bridges to read") == ["2611.00002"]  # the note counts
    assert keys(tag="physics") == ["2611.00002"]
    assert keys("after:2026-10-15") == ["2611.00001"]
    assert keys(sort="title") == ["2611.00001", "2611.00002"]
    assert keys(sort="published") == ["2611.00001", "2611.00002"]
    assert keys(read=True) == []


def test_collections_are_ordered_and_only_the_owner_changes_them(stocked: Database) -> None:
    ada, bob = member(stocked, "ada@example.org"), member(stocked, "bob@example.org")
    group = collections.create_collection(stocked, ada, "Reading group", "Week 1", public=True)
    assert len(group.slug) >= 20 and not group.slug.isdigit()
    for key in ("2611.00003", "2611.00001", "2611.00002"):
        collections.add_paper(stocked, ada, group.slug, key)
    assert not collections.add_paper(stocked, ada, group.slug, "2611.00001")
    collections.move_paper(stocked, ada, group.slug, "2611.00002", -2)
    view = collections.view_collection(stocked, bob, group.slug)
    assert [p.paper_key for p in view.papers] == ["2611.00002", "2611.00003", "2611.00001"]
    assert not view.editable and collections.view_collection(stocked, ada, group.slug).editable
    with pytest.raises(NotFound):
        collections.add_paper(stocked, bob, group.slug, "2611.00001")
    with pytest.raises(NotFound):
        collections.delete_collection(stocked, bob, group.slug)


def test_a_private_collection_does_not_exist_for_anyone_else(stocked: Database) -> None:
    ada, bob = member(stocked, "ada@example.org"), member(stocked, "bob@example.org")
    secret = collections.create_collection(stocked, ada, "Secret", public=False)
    assert collections.view_collection(stocked, ada, secret.slug).collection.name == "Secret"
    with pytest.raises(NotFound) as seen:
        collections.view_collection(stocked, bob, secret.slug)
    with pytest.raises(NotFound) as missing:
        collections.view_collection(stocked, bob, "no-such-collection")
    assert str(seen.value) == str(missing.value)  # the same answer: existence does not leak
    with pytest.raises(NotFound):
        collections.view_collection(stocked, None, secret.slug)
    assert collections.my_collections(stocked, bob) == []


def test_follows_mark_papers_by_author_and_category(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    follows.follow(stocked, ada, "author", "erwin schrodinger")
    follows.follow(stocked, ada, "category", "cs")
    assert not follows.follow(stocked, ada, "category", "CS")
    marks = follows.followed_marks(stocked, ada, ["2611.00001", "2611.00002", "2611.00003", "nope"])
    assert marks["2611.00002"].authors == ("erwin schrodinger",)
    assert marks["2611.00001"].categories == ("cs",) and marks["2611.00003"].categories == ("cs",)
    assert "nope" not in marks
    assert follows.followed_marks(stocked, member(stocked, "bob@example.org"), ["2611.00002"]) == {}
    with pytest.raises(LibraryInputError):
        follows.follow(stocked, ada, "category", "not a category!")


def test_not_interested_feedback_is_recorded_once(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    feedback.set_not_interested(stocked, ada, "2611.00003", True)
    feedback.set_not_interested(stocked, ada, "2611.00003", True)
    assert len(feedback.not_interested_ids(stocked, ada)) == 1
    feedback.set_not_interested(stocked, ada, "2611.00003", False)
    assert feedback.not_interested_ids(stocked, ada) == set()


BIB = rb"""
@article{a, title = {Attention Is All You Need Again}, eprint = {2611.00001}, keywords = {transformers}}
@misc{b, title = {Another title}, doi = {10.1234/BRIDGES.2026}}
@misc{c, title = {Zebra graphs and processing in memory}}
@misc{d, title = {A paper nobody harvested}, eprint = {2612.00001}}
@misc{e, title = {Broken,
"""


def test_import_matches_by_arxiv_id_doi_and_title_and_keeps_the_unmatched(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    report = imports.import_library(stocked, ada, BIB, "mine.bib")
    assert (report.entries, report.saved, report.unmatched, report.rejected) == (5, 3, 1, 1)
    assert report.rejections[0].location == "mine.bib:6"
    location, title, reason = report.unmatched_entries[0]
    assert title == "A paper nobody harvested" and "2612.00001" in reason and location == "mine.bib:5"
    saved = {i.paper_key: i for i in items.library_items(stocked, ada)}
    assert set(saved) == {"2611.00001", "2611.00002", "2611.00003"}
    assert saved["2611.00001"].tags == ("transformers",)
    (kept,) = imports.unmatched_entries(stocked, ada)
    assert kept.fields["citation_key"] == "d"


def test_importing_the_same_file_twice_adds_nothing(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    imports.import_library(stocked, ada, BIB, "mine.bib")
    items.update_item(stocked, ada, "2611.00001", tags="mine", note="my note")
    again = imports.import_library(stocked, ada, BIB, "mine.bib")
    assert (again.saved, again.already_saved, again.unmatched) == (0, 3, 1)
    assert len(items.library_items(stocked, ada)) == 3
    assert len(imports.unmatched_entries(stocked, ada)) == 1
    item = items.find_item(stocked, ada, "2611.00001")
    assert item is not None and item.tags == ("mine",) and item.note == "my note"  # not overwritten


def test_a_file_that_cannot_be_read_changes_nothing(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    with pytest.raises(LibraryFileError):
        imports.import_library(stocked, ada, b"[{broken", "zotero.json")
    assert items.library_items(stocked, ada) == [] and imports.unmatched_entries(stocked, ada) == []


def test_unmatched_entries_match_after_a_later_harvest(db: Database) -> None:
    ada = member(db, "ada@example.org")
    report = imports.import_library(db, ada, BIB, "mine.bib")
    assert report.saved == 0 and report.unmatched == 4
    store_papers(db, extra=1)  # the harvest brings the four papers (2612.00001 among them)
    assert imports.rematch_unmatched(db) == 4
    assert len(items.library_items(db, ada)) == 4
    assert imports.unmatched_entries(db, ada) == []
    assert imports.rematch_unmatched(db) == 0


def test_a_2000_entry_import_reports_progress_and_is_idempotent(db: Database) -> None:
    store_papers(db, extra=1500)
    ada = member(db, "ada@example.org")
    bib = "\n".join(
        f"@misc{{k{n}, title = {{Filler paper number {n}}}, eprint = {{2612.{n:05d}}}}}"
        for n in range(1, 2001)
    ).encode()
    seen: list[int] = []
    report = imports.import_library(db, ada, bib, "big.bib", progress=seen.append)
    assert sum(seen) == 2000 and len(seen) == 4
    assert (report.saved, report.unmatched) == (1500, 500)
    again = imports.import_library(db, ada, bib, "big.bib")
    assert (again.saved, again.already_saved, again.unmatched) == (0, 1500, 500)
    assert len(imports.unmatched_entries(db, ada)) == 500


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json"])
def test_every_export_imports_back_into_the_same_library(stocked: Database, fmt: str) -> None:
    ada, bob = member(stocked, "ada@example.org"), member(stocked, "bob@example.org")
    for key in ("2611.00001", "2611.00002", "2611.00003"):
        items.set_saved(stocked, ada, key, True)
    items.update_item(stocked, ada, "2611.00002", tags="physics")
    text = exports.export_library(stocked, ada, fmt)
    if fmt == "csl-json":
        assert len(orjson.loads(text)) == 3
    report = imports.import_library(stocked, bob, text.encode(), "export", file_format=fmt)
    assert (report.saved, report.unmatched, report.rejected) == (3, 0, 0), report
    assert {i.paper_key for i in items.library_items(stocked, bob)} == {
        "2611.00001",
        "2611.00002",
        "2611.00003",
    }
    bob_item = items.find_item(stocked, bob, "2611.00002")
    assert bob_item is not None and bob_item.tags == ("physics",)


def test_bibtex_export_escapes_specials_and_gives_unique_keys(stocked: Database) -> None:
    ada = member(stocked, "ada@example.org")
    items.set_saved(stocked, ada, "2611.00001", True)
    items.update_item(stocked, ada, "2611.00001", tags="a_b & c")
    text = exports.export_library(stocked, ada, "bibtex")
    assert r"keywords = {a\_b \& c}" in text and "eprint = {2611.00001}" in text
    assert exports.to_bibtex([]) == ""
    # Three saves of papers whose keys coincide (same first author, year, first word).
    [item] = items.library_items(stocked, ada)
    twins = [replace(item, paper=replace(item.paper, title=f"Attention, take {n}")) for n in range(3)]
    keys = re.findall(r"^@\w+\{([^,]+),", exports.to_bibtex(twins), flags=re.M)
    assert len(keys) == 3 and len(set(keys)) == 3 and keys[1] == keys[0] + "a" and keys[2] == keys[0] + "b"
