"""The search box syntax, parsed into a `ParsedQuery` that indexes build queries from.

Syntax (fields are case-insensitive, values are not):

    free words                  ranked by BM25; any word may match
    "exact phrase"              must appear, words in this order (stemmed)
    author:hinton               an author's name contains this word
    author:"Geoffrey Hinton"    an author's name contains this phrase
    cat:cs.LG   cat:cs          category, or every category of an archive; several cat: = any
    after:2024-01-01            published on or after (also after:2024, after:2024-03)
    before:2024-12-31           published on or before (before:2024 = through 2024-12-31)
                                (dates from 1900-01-01 to 2199-12-31)
    has:code                    only papers with a link to their code
    kw:lora   kw:"graph neural networks"
                                one of the paper's key phrases is this phrase, or holds it
                                as whole words ("kw:lora" finds "LoRA adapters"); case is
                                ignored, nothing is stemmed; several kw: must all match

Everything else is text: an unknown `foo:bar` is the words "foo" and "bar", operator
characters (* ( ) ^ ~ + - ' ;) and AND/OR/NOT are plain words or separators, and an
unclosed quote makes the rest of the query a phrase.  Nothing here is ever handed to a
query-language parser: indexes build their queries from these fields, so user text
cannot inject syntax.  The only exception this module raises is `QuerySyntaxError`.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from paperboy.domain.categories import is_category
from paperboy.domain.clock import DAY_RANGE, day_in_range
from paperboy.domain.errors import UserFacingError

# Room for a pasted abstract or a page of a draft (query by example).
MAX_QUERY_CHARS = 10_000
# Phrases, authors and categories must each match, so their number bounds the work one
# request causes in the index. Free words are unlimited: the keyword index keeps only the
# most discriminative terms of a long text (see KeywordIndex._word_terms).
MAX_CLAUSES = 64
# A key phrase is at most three words (domain/keyphrases.py); this is room to spare.
MAX_KEYWORD_CHARS = 200

_FIELD = re.compile(r"(author|cat|after|before|has|kw):", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
# Typographic quotes typed on phones or pasted from papers count as straight quotes.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})


class QuerySyntaxError(UserFacingError, ValueError):
    """A query the search box cannot accept; `message` is written for the person typing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """What the person asked for. Words and phrases rank; the rest only filters."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # lowercased, e.g. "cs.lg" or the archive "cs"
    after: date | None = None  # inclusive
    before: date | None = None  # inclusive
    has_code: bool = False  # has:code, papers with a code link
    keywords: tuple[str, ...] = ()  # kw: values, spaces collapsed (matched lowercased)

    @property
    def text(self) -> str:
        """The free text (words and phrases), e.g. to embed for semantic search."""
        return " ".join(self.words + self.phrases)

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def has_filters(self) -> bool:
        return bool(
            self.authors or self.categories or self.after or self.before or self.has_code or self.keywords
        )


def parse_query(raw: str) -> ParsedQuery:
    """Parse what was typed in the search box. Raises `QuerySyntaxError` with a message."""
    if not isinstance(raw, str):
        raise QuerySyntaxError("the query must be text")
    if len(raw) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is {len(raw)} characters long; the limit is {MAX_QUERY_CHARS}")
    text = _clean(raw)
    words: list[str] = []
    phrases: list[str] = []
    authors: list[str] = []
    categories: list[str] = []
    after: date | None = None
    before: date | None = None
    has_code = False
    keywords: list[str] = []

    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        field = _FIELD.match(text, pos)
        # "CAT: Can Trust be Predicted..." (a pasted title) uses the colon as punctuation:
        # a field name with a space after its colon and more text to follow is a word.
        if field and field.end() < len(text) and text[field.end()].isspace() and text[field.end() :].strip():
            field = None
        if field:
            name = field.group(1).lower()
            value, pos = _read_value(text, field.end())
            if not value:
                raise QuerySyntaxError(f"{name}: needs a value, e.g. {_EXAMPLES[name]}")
            if name == "author":
                authors.append(value)
            elif name == "cat":
                categories.append(_category(value))
            elif name == "after":
                after = _date(value, name, last_day=False)
            elif name == "has":
                has_code = _has(value)
            elif name == "kw":
                keywords.append(_keyword(value))
            else:
                before = _date(value, name, last_day=True)
        elif text[pos] == '"':
            value, pos = _read_value(text, pos)
            if any(ch.isalnum() for ch in value):
                phrases.append(value)
        else:
            end = pos
            while end < len(text) and not text[end].isspace() and text[end] != '"':
                end += 1
            word = text[pos:end].strip("*()^~+-'!;:,.?[]{}<>|&=/\\")
            if any(ch.isalnum() for ch in word):
                words.append(word)
            pos = end

    if after and before and after > before:
        raise QuerySyntaxError(f"after:{after} is later than before:{before}; nothing can match")
    if len(phrases) + len(authors) + len(categories) + len(keywords) > MAX_CLAUSES:
        raise QuerySyntaxError(
            f"the query has more than {MAX_CLAUSES} phrases and filters; each must match, so use fewer"
        )
    query = ParsedQuery(
        words=tuple(words),
        phrases=tuple(phrases),
        authors=tuple(authors),
        categories=tuple(dict.fromkeys(categories)),
        after=after,
        before=before,
        has_code=has_code,
        keywords=tuple(dict.fromkeys(keywords)),
    )
    if not query.has_text and not query.has_filters:
        raise QuerySyntaxError('the query is empty; type some words, a "phrase" or a filter like cat:cs.LG')
    return query


def query_text(query: ParsedQuery) -> str:
    """The query written back in the search box's syntax: `parse_query` reads it as the
    same query (used for suggestions, which are whole queries to run instead)."""
    parts = list(query.words)
    parts += [f'"{p}"' for p in query.phrases]
    parts += [f'author:"{a}"' if " " in a else f"author:{a}" for a in query.authors]
    parts += [f"cat:{c}" for c in query.categories]
    if query.after:
        parts.append(f"after:{query.after.isoformat()}")
    if query.before:
        parts.append(f"before:{query.before.isoformat()}")
    if query.has_code:
        parts.append("has:code")
    parts += [f'kw:"{k}"' if " " in k else f"kw:{k}" for k in query.keywords]
    return " ".join(parts)


_EXAMPLES = {
    "author": 'author:"Geoffrey Hinton"',
    "cat": "cat:cs.LG",
    "after": "after:2024-01-01",
    "before": "before:2024-12-31",
    "has": "has:code",
    "kw": 'kw:"graph neural networks"',
}


def _clean(raw: str) -> str:
    """NFKC-normalise; turn control and format characters into spaces."""
    text = unicodedata.normalize("NFKC", raw).translate(_QUOTES)
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") else ch for ch in text)


def _read_value(text: str, pos: int) -> tuple[str, int]:
    """A quoted value up to the closing quote (or the end), else up to whitespace."""
    if pos < len(text) and text[pos] == '"':
        close = text.find('"', pos + 1)
        end = len(text) if close < 0 else close
        return " ".join(text[pos + 1 : end].split()), end + 1
    end = pos
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[pos:end], end


def _category(value: str) -> str:
    if not is_category(value):
        raise QuerySyntaxError(f"cat:{value} is not a category; write it like cat:cs.LG or cat:cs")
    return value.lower()


def _keyword(value: str) -> str:
    """A kw: value: a key phrase of at most a few words, with a letter or digit in it."""
    if not any(ch.isalnum() for ch in value):
        raise QuerySyntaxError(f"kw:{value} has no letters or digits; write it like {_EXAMPLES['kw']}")
    if len(value) > MAX_KEYWORD_CHARS:
        raise QuerySyntaxError(
            f"kw: takes a key phrase of at most {MAX_KEYWORD_CHARS} characters; this one has {len(value)}"
        )
    return " ".join(value.split())


def _has(value: str) -> bool:
    if value.lower() != "code":
        raise QuerySyntaxError(
            f"has:{value} is not something papers can have here; the one choice is has:code"
        )
    return True


def _date(value: str, name: str, *, last_day: bool) -> date:
    """YYYY, YYYY-MM or YYYY-MM-DD; a partial date means its first (or last) day."""
    match = _DATE.match(value)
    try:
        if not match:
            raise ValueError(value)
        year_text, month_text, day_text = match.groups()
        year = int(year_text)
        month = int(month_text) if month_text else (12 if last_day else 1)
        if day_text:
            day = int(day_text)
        else:
            day = calendar.monthrange(year, month)[1] if last_day else 1
        parsed = date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise QuerySyntaxError(f"{name}:{value} is not a date; write it like {_EXAMPLES[name]}") from None
    if not day_in_range(parsed):
        # Refused here so that nothing downstream (a day added, the index's date type) overflows.
        raise QuerySyntaxError(
            f"{name}:{value} is out of range; dates run from {DAY_RANGE}, e.g. {_EXAMPLES[name]}"
        )
    return parsed
