"""Following authors and categories, and marking their papers on a list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from paperboy.domain.accounts import User
from paperboy.domain.categories import is_category
from paperboy.domain.clock import utcnow
from paperboy.domain.library import FOLLOW_KINDS, Follow, FollowMark, LibraryInputError
from paperboy.domain.text import normalise_title
from paperboy.services.library.access import library_owner
from paperboy.store import Database
from paperboy.store import library as store

MAX_FOLLOWS = 500


def _clean(kind: str, value: str) -> str:
    if kind not in FOLLOW_KINDS:
        raise LibraryInputError("Follow an author or a category.", "kind")
    text = " ".join((value or "").split())
    if not text or len(text) > 200 or any(ord(c) < 32 for c in text):
        raise LibraryInputError(f"Give the {kind} to follow (at most 200 characters).", "value")
    if kind == "category" and not is_category(text):
        raise LibraryInputError(
            f"{text[:50]!r} is not a category (e.g. cs.LG, or cs for all of it).", "value"
        )
    return text


def follow(db: Database, user: User, kind: str, value: str, now: datetime | None = None) -> bool:
    """Follow an author (by name) or a category; False if already followed."""
    text = _clean(kind, value)
    with db.transaction() as conn:
        owner = library_owner(conn, user)
        if len(store.follows_of(conn, owner.id)) >= MAX_FOLLOWS:
            raise LibraryInputError(
                f"You follow {MAX_FOLLOWS} authors and categories, the most one reader can."
            )
        return store.add_follow(conn, owner.id, kind, text, now or utcnow())


def unfollow(db: Database, user: User, kind: str, value: str) -> bool:
    text = _clean(kind, value)
    with db.transaction() as conn:
        return store.remove_follow(conn, library_owner(conn, user).id, kind, text)


def follows_of(db: Database, user: User) -> list[Follow]:
    with db.connect() as conn:
        return store.follows_of(conn, user.id)


@lru_cache(maxsize=65_536)
def _author_key(name: str) -> str:
    # Cached: a day's page asks for thousands of author names, most of them again tomorrow.
    return normalise_title(name)


class FollowMatcher:
    """Which of a reader's follows a paper matches, from the paper's own authors and categories.

    Authors match by name, ignoring case, accents and punctuation; a category matches
    itself, and an archive (cs) every category in it.
    """

    def __init__(self, follows: Sequence[Follow]) -> None:
        self.authors = {_author_key(f.value): f.value for f in follows if f.kind == "author"}
        self.categories = [f.value for f in follows if f.kind == "category"]
        self.followed = {(f.kind, f.value.lower()) for f in follows}

    def __bool__(self) -> bool:
        return bool(self.authors or self.categories)

    def follows(self, kind: str, value: str) -> bool:
        return (kind, " ".join(value.split()).lower()) in self.followed

    def mark(self, key: str, author_names: Sequence[str], categories: Sequence[str]) -> FollowMark | None:
        by = tuple(
            dict.fromkeys(
                self.authors[k] for k in (_author_key(n) for n in author_names) if k in self.authors
            )
        )
        cats = [c.lower() for c in categories]
        within = tuple(
            f for f in self.categories if any(c == f.lower() or c.startswith(f.lower() + ".") for c in cats)
        )
        return FollowMark(key, by, within) if by or within else None


def follow_matcher(db: Database, user: User) -> FollowMatcher:
    with db.connect() as conn:
        return FollowMatcher(store.follows_of(conn, user.id))


def followed_marks(db: Database, user: User | None, paper_keys: Sequence[str]) -> dict[str, FollowMark]:
    """Of paper_keys, those by a followed author or in a followed category, and which follows matched."""
    if user is None or not paper_keys:
        return {}
    with db.connect() as conn:
        matcher = FollowMatcher(store.follows_of(conn, user.id))
        if not matcher:
            return {}
        stored = store.authors_and_categories(conn, paper_keys)
    marks: dict[str, FollowMark] = {}
    for key in paper_keys:
        if key not in stored:
            continue
        names, categories = stored[key]
        mark = matcher.mark(key, names, categories)
        if mark:
            marks[key] = mark
    return marks
