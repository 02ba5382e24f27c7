"""A highlighted text as HTML: escaped, each matched word in <mark>."""

from __future__ import annotations

import html

from markupsafe import Markup

from paperboy.domain.highlighted import Highlighted


def marked(found: Highlighted) -> Markup:
    """The text escaped, then its matched spans wrapped in <mark>; nothing from the paper
    or the query can become markup. html.escape, not markupsafe's: the API's `*_html`
    fields have always spelt an apostrophe &#x27;."""
    text = found.text
    pieces: list[str] = []
    last = 0
    for start, end in found.spans:
        pieces.append(html.escape(text[last:start]))
        pieces.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    pieces.append(html.escape(text[last:]))
    return Markup("".join(pieces))
