"""What a reader's "for you" list is built from, shown so they can take any of it back.

The signals: saved papers (and their tags), upvotes, followed authors and categories, and
"not interested" marks. Each can be removed one by one, or all of them at once (reset).
Every function acts on the reader passed in, so no reader can touch another's signals.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperboy.domain.accounts import User
from paperboy.domain.clock import utcnow
from paperboy.domain.library import FOLLOW_KINDS, Follow, SignalPaper
from paperboy.services.community.errors import NotFound
from paperboy.services.library.access import library_owner, paper_ref
from paperboy.services.library.feedback import NOT_INTERESTED
from paperboy.store import Database
from paperboy.store import for_you as for_you_store
from paperboy.store import for_you_signals as store
from paperboy.store import library as library_store
from paperboy.store import votes as vote_store

# What one removal names: a paper (library, upvote, not_interested), a tag, or a follow.
SIGNAL_KINDS = ("library", "tag", "upvote", "author", "category", "not_interested")
SHOWN_PER_KIND = 500


@dataclass(frozen=True)
class Signals:
    """The reader's signals, each list newest first (at most SHOWN_PER_KIND of each shown)."""

    library: tuple[SignalPaper, ...]
    library_total: int
    tags: tuple[tuple[str, int], ...]
    upvotes: tuple[SignalPaper, ...]
    follows: tuple[Follow, ...]
    not_interested: tuple[SignalPaper, ...]

    @property
    def empty(self) -> bool:
        return not (self.library or self.upvotes or self.follows or self.not_interested)


class SignalError(ValueError):
    """A removal that names no known kind of signal; the message says which exist."""


def signals_of(db: Database, reader: User) -> Signals:
    with db.connect() as conn:
        saved = library_store.items_of(conn, reader.id)
        voted = for_you_store.voted_papers(conn, reader.id, SHOWN_PER_KIND)
        follows = library_store.follows_of(conn, reader.id)
        refused = store.not_interested_papers(conn, reader.id, NOT_INTERESTED)
    tags: dict[str, int] = {}
    for item in saved:
        for tag in item.tags:
            tags[tag] = tags.get(tag, 0) + 1
    return Signals(
        library=tuple(SignalPaper(i.paper_key, i.paper.title, i.tags) for i in saved[:SHOWN_PER_KIND]),
        library_total=len(saved),
        tags=tuple(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))),
        upvotes=tuple(SignalPaper(v.stored.key, v.stored.paper.title) for v in voted),
        follows=tuple(follows),
        not_interested=tuple(refused[:SHOWN_PER_KIND]),
    )


def remove_signal(db: Database, reader: User, kind: str, value: str) -> bool:
    """Take back one signal; False when it was not there (removing twice is fine).

    kind is one of SIGNAL_KINDS; value is a paper's key, a tag, an author's name or a category.
    """
    if kind not in SIGNAL_KINDS:
        raise SignalError(f"Unknown signal {kind[:40]!r}; one of {', '.join(SIGNAL_KINDS)}.")
    value = " ".join(str(value).split())[:300]
    with db.transaction() as conn:
        owner = library_owner(conn, reader)
        if kind in FOLLOW_KINDS:
            return library_store.remove_follow(conn, owner.id, kind, value)
        if kind == "tag":
            changed = False
            for item in library_store.items_of(conn, owner.id):
                if value in item.tags:
                    kept = [t for t in item.tags if t != value]
                    library_store.update_item(conn, owner.id, item.paper_id, utcnow(), tags=kept)
                    changed = True
            return changed
        try:
            paper = paper_ref(conn, value)
        except NotFound:
            return False
        if kind == "library":
            return library_store.remove_item(conn, owner.id, paper.id)
        if kind == "upvote":
            return vote_store.remove_vote(conn, owner.id, paper.id)
        return library_store.remove_feedback(conn, owner.id, paper.id, NOT_INTERESTED)


def reset_signals(db: Database, reader: User) -> dict[str, int]:
    """Delete every signal of the reader (saved papers, upvotes, follows, marks); counts of each."""
    with db.transaction() as conn:
        owner = library_owner(conn, reader)
        return store.reset_signals(conn, owner.id)
