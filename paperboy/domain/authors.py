"""Who an author is, as far as a name tells: the same name written with other accents,
case, dots or spacing is the same person ("Müller, J." is not reordered, only folded).
Pure functions; no I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
# Longest name an author page answers for; real ones are well under 100 characters.
MAX_AUTHOR_NAME = 200


@lru_cache(maxsize=65_536)  # an author page folds every co-author's name; names repeat
def author_name_key(name: str) -> str:
    """The name folded the way the keyword index folds author names (lowercase, accents
    dropped, punctuation as spaces): "José  A. García-Pérez" -> "jose a garcia perez"."""
    if name.isascii():
        return " ".join(_WORD.findall(name.lower()))
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_like = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(ascii_like.casefold()))


def shown_authors(names: Iterable[str], limit: int) -> tuple[list[str], int]:
    """The first `limit` names of a byline (blank ones skipped) and how many more there
    are: what a card and a digest mail show, each in its own words."""
    named = [name for name in names if name.strip()]
    return named[:limit], max(len(named) - limit, 0)
