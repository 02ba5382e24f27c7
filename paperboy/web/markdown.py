"""Comment Markdown to safe HTML: markdown-it with raw HTML off, then an nh3 allow-list.

Two locks, so one failing is not enough: markdown-it escapes any HTML typed into a
comment, and nh3 keeps only the tags, attributes and link schemes listed below, so a
`javascript:` link or an `onerror` attribute cannot survive even a parser bug.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5", "h6"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Links in comments are the commenter's, not ours: no ranking credit, no window.opener.
LINK_REL = "nofollow noopener ugc"

# "commonmark" without HTML; tables and strikethrough are not needed in comments.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
# Images would load from anywhere (tracking pixels); headings h1/h2 would outrank the page's own.
_parser.disable(["image"])
_HEADING_SHIFT = str.maketrans({"1": "3", "2": "4", "3": "5", "4": "6", "5": "6", "6": "6"})


def _shift_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h" + token.tag[1:].translate(_HEADING_SHIFT)


_parser.core.ruler.push("shift_headings", _shift_headings)


def sanitise_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and link schemes; drop everything else."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> Markup:
    """A comment's Markdown as HTML that is safe to put in a page as it is."""
    return Markup(sanitise_html(_parser.render(text)))
