"""A text with the words that match a query located in it, for each interface to show."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Highlighted:
    """`text` and the (start, end) character offsets of its matched words: in order, not
    overlapping, each a whole word. Plain text; the web adds its own markup."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()
