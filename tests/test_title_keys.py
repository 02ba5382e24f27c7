"""Keys of papers known only by title: readable, stable, and old keys still resolve."""

from __future__ import annotations

from paperboy.domain import normalise_title
from paperboy.domain.keys import is_title_key, legacy_title_key, title_key, title_slug


def test_a_title_key_is_a_slug_of_the_title_and_a_short_digest() -> None:
    norm = normalise_title("Serving Large Language Models on Huawei CloudMatrix384")
    key = title_key(norm)
    assert key.startswith("serving-large-language-models-on-huawei-cloudmatrix384-")
    assert len(key.rsplit("-", 1)[1]) == 8
    assert key == title_key(normalise_title("serving large language models on huawei CloudMatrix384!"))


def test_a_long_title_is_cut_at_a_word() -> None:
    norm = normalise_title(
        "A Very Long Title About Memory-Efficient Inference of Large Language Models on Edge Devices"
    )
    slug = title_slug(norm)
    assert len(slug) <= 60 and not slug.endswith("-")
    assert norm.replace(" ", "-").startswith(slug)
    assert title_slug("x" * 100) == "x" * 60


def test_title_keys_are_told_from_arxiv_ids_and_source_keys() -> None:
    norm = normalise_title("TokenWeave: Efficient Compute-Communication Overlap")
    assert is_title_key(title_key(norm))
    assert is_title_key(legacy_title_key(norm))
    for other in ("2505.11329", "hep-th/9901001", "hf:some-slug", "beir:123", "math.GT/0309136"):
        assert not is_title_key(other)


def _migrate(db, target: str) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.config import Config

    from paperboy.store.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            # As Database.migrate does: a migration that recreates the paper table (SQLite's
            # way to drop a column) would otherwise cascade into every vote and comment.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        with conn.begin():
            config.attributes["connection"] = conn
            if target == "head":
                command.upgrade(config, "head")
            else:
                command.downgrade(config, target)
        if db.dialect == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def _revision_before(revision: str) -> str:
    # "REV@-1" is read by Alembic relative to the current head, not to REV: ask the script.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from paperboy.store.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision(revision).down_revision
    assert isinstance(down, str)
    return down


def test_a_store_with_old_title_keys_is_migrated_and_old_links_still_work(db) -> None:  # type: ignore[no-untyped-def]
    from community_fixtures import member
    from conftest import SEED_PAGES
    from sqlalchemy import func, select, update

    from paperboy.services.catalogue import find_paper
    from paperboy.services.community.comments import add_comment, comments_for
    from paperboy.services.community.votes import toggle_vote, vote_state
    from paperboy.services.gathering.ingest import ingest_items
    from paperboy.sources.daily_pages import read_daily_pages
    from paperboy.store.schema import entry, paper

    ingest_items(db, [i for p in SEED_PAGES for i in read_daily_pages(p, year=2025)], kind="pages")
    norm = normalise_title(
        "TokenWeave: Efficient Compute-Communication Overlap for Distributed LLM Inference"
    )
    # A reader's vote and comment, made through today's services (which read today's
    # schema) before going back: they hang on the paper's id, whatever its key.
    user = member(db, "reader@example.org")
    toggle_vote(db, user, title_key(norm), "127.0.0.1")
    add_comment(db, user, title_key(norm), "Worth reading.", "127.0.0.1")
    # Back to the schema before 0008_real_papers, with the keys that schema's code wrote.
    _migrate(db, _revision_before("0008_real_papers"))
    with db.transaction() as conn:
        for paper_id, title_norm in conn.execute(select(paper.c.id, paper.c.title_norm)).all():
            conn.execute(update(paper).where(paper.c.id == paper_id).values(key=legacy_title_key(title_norm)))
    old_key = legacy_title_key(norm)
    with db.connect() as conn:
        paper_id = conn.execute(select(paper.c.id).where(paper.c.key == old_key)).scalar_one()
        entries = conn.execute(
            select(func.count()).select_from(entry).where(entry.c.paper_id == paper_id)
        ).scalar()

    _migrate(db, "head")
    new_key = title_key(norm)
    assert new_key.startswith("tokenweave-efficient-compute-communication-overlap-for-")
    for key in (new_key, old_key):
        stored = find_paper(db, key)
        assert stored is not None and (stored.id, stored.key) == (paper_id, new_key)
        assert len(stored.entries) == entries == 1
        assert vote_state(db, key).votes == 1
        assert [c.body for c in comments_for(db, key)] == ["Worth reading."]
    with db.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(paper).where(paper.c.key.like("title:%"))).scalar()
            == 0
        )
    # Importing the pages again finds the migrated papers: nothing new.
    again = ingest_items(db, [i for p in SEED_PAGES for i in read_daily_pages(p, year=2025)], kind="pages")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 88)


def test_a_title_key_outgrown_by_an_arxiv_id_still_finds_the_paper(db) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from paperboy.domain import FeedEntry, Paper, SourceRecord
    from paperboy.services.catalogue import find_paper
    from paperboy.services.gathering.ingest import ingest_items

    title = "Pangu Pro MoE: Mixture of Grouped Experts for Efficient Sparsity"
    page = Paper(title=title, abstract="An abstract from a saved page about grouped experts.", source="page")
    ingest_items(db, [SourceRecord(page, "page:1", FeedEntry(date(2025, 9, 1), "page"))], kind="pages")
    key = title_key(normalise_title(title))
    assert find_paper(db, key) is not None
    record = Paper(title=title, abstract="The arXiv abstract about grouped experts.", source="arxiv-snapshot",
                   arxiv_id="2505.21411", categories=("cs.CL",))  # fmt: skip
    report = ingest_items(db, [SourceRecord(record, "snapshot:1")], kind="snapshot")
    assert (report.added, report.updated) == (0, 1)
    by_old_key = find_paper(db, key)
    assert by_old_key is not None and by_old_key.key == "2505.21411"
    assert [e.origin for e in by_old_key.entries] == ["page"]
