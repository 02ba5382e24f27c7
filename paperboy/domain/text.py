"""Cleaning and normalising titles and abstracts."""

from __future__ import annotations

import re
import unicodedata

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=[ \t]+\S)")
_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
# The same for ASCII text, as a table: str.translate beats a regex substitution.
_ASCII_NOT_WORD = {c: " " for c in range(128) if not chr(c).isdigit() and not "a" <= chr(c) <= "z"}


def clean_title(title: str) -> str:
    """Collapse line wrapping and runs of whitespace."""
    return " ".join(title.split())


def clean_abstract(abstract: str) -> str:
    """Join hard-wrapped lines; keep paragraph breaks (blank or indented lines)."""
    if "\n\n" not in abstract and "\n " not in abstract:
        # The common case, one paragraph: when "\n" is the only whitespace but single
        # spaces (isprintable says no other is there), joining lines is a replace.
        flat = abstract.replace("\n", " ")
        if flat.isprintable() and "  " not in flat:
            return flat.strip()
    paragraphs = _PARAGRAPH_BREAK.split(abstract.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def normalise_title(title: str) -> str:
    """The form two titles share when they name the same paper.

    Case, accents, LaTeX commands, punctuation and spacing are ignored.
    """
    if title.isascii():
        text = title  # NFKD and combining marks change nothing in ASCII
    else:
        text = unicodedata.normalize("NFKD", title)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower()
    if "\\" in text:
        text = _LATEX_COMMAND.sub(" ", text)
    if text.isascii():
        return " ".join(text.translate(_ASCII_NOT_WORD).split())
    return " ".join(_NOT_WORD.sub(" ", text).split())


def clip(text: str, limit: int, *, at_word: bool = False) -> str:
    """text itself when it has at most `limit` characters, else its start ended with "…",
    `limit` characters at most in all.

    Cut anywhere (a title in a caption, a query in a subject line), or with at_word between
    words, the punctuation before the cut dropped (an abstract, a snippet). A text with no
    space to cut at is cut anywhere.
    """
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if at_word:
        if not text[limit - 1].isspace() and " " in head:
            head = head.rsplit(" ", 1)[0]  # the word cut in two goes
        head = head.rstrip(" \t\n,;:.…")
    return (head.rstrip() or text[: limit - 1]) + "…"
