"""What a card shows of the signed-in reader's own library: Saved or not, and "you follow Z".

One object per rendered page, loaded on the first card that asks: two queries (the keys
of the reader's saved papers, and their follows) whatever the number of cards, and none
for a visitor who is not signed in.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from paperboy.domain import Paper
from paperboy.domain.accounts import User
from paperboy.domain.categories import CATEGORY_PATTERN
from paperboy.domain.library import FollowMark, LibraryItem
from paperboy.services.library.follows import FollowMatcher, follow_matcher
from paperboy.services.library.items import find_item, saved_keys
from paperboy.store import Database


class ReaderLibrary:
    """The reader's saved keys and follows, for the cards of one page."""

    def __init__(self, db: Database, user: User | None) -> None:
        self.db = db
        self.user = user

    @cached_property
    def _saved(self) -> set[str]:
        return saved_keys(self.db, self.user) if self.user else set()

    @cached_property
    def _matcher(self) -> FollowMatcher:
        return follow_matcher(self.db, self.user) if self.user else FollowMatcher(())

    def saved(self, key: str) -> bool:
        return key in self._saved

    def mark(self, key: str, paper: Paper) -> FollowMark | None:
        if not self._matcher:
            return None
        return self._matcher.mark(key, [a.name for a in paper.authors], paper.categories)

    def follows(self, kind: str, value: str) -> bool:
        return self._matcher.follows(kind, value)

    def item(self, key: str) -> LibraryItem | None:
        """The reader's saved copy of one paper, tags and note (one query: for a paper's own page)."""
        return find_item(self.db, self.user, key) if self.user and self.saved(key) else None


def reader_library(request: Any) -> ReaderLibrary:
    """The request's ReaderLibrary (made once, so a page's cards share it)."""
    state = request.state
    found = getattr(state, "reader_library", None)
    if found is None:
        found = ReaderLibrary(request.app.state.context.db, getattr(state, "user", None))
        state.reader_library = found
    return found


_ONE_AUTHOR = re.compile(r'^\s*author:(?:"([^"]{1,200})"|(\S{1,200}))\s*$', re.IGNORECASE)
_ONE_CATEGORY = re.compile(rf"^\s*cat:({CATEGORY_PATTERN})\s*$", re.IGNORECASE)


def follow_target(query: str) -> tuple[str, str] | None:
    """("author", name) or ("category", cat) when a search is one author's or one category's
    papers (what the links on cards ask), so the results page can offer to follow it."""
    found = _ONE_AUTHOR.match(query or "")
    if found:
        return "author", " ".join((found.group(1) or found.group(2)).split())
    found = _ONE_CATEGORY.match(query or "")
    if found:
        return "category", found.group(1)
    return None
