"""Keyword (BM25) index of papers in a folder, built on tantivy.

Choices measured in docs/search-choices.md (SciFact, BEIR):
- One scored field `text` holding the title twice and the abstract once, stemmed with
  tantivy's English stemmer (`en_stem`).  Writing the title twice is BM25F with a title
  weight of 2: it counts in both term frequency and length, as SQLite FTS5 column weights
  do.  Summing BM25 over separate title and abstract fields with a title boost scored
  worse (0.62 vs 0.69 nDCG@10) because every title match counts the term's IDF twice.
- Filters (author, category, dates, has:code, kw:) are clauses of the same tantivy query with score 0,
  so a filtered page is complete and ranking is unchanged by them.
- Queries are built from the parsed query's parts with tantivy's query constructors; no user
  text ever reaches tantivy's query parser.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol, cast

import tantivy

from paperboy.domain.errors import UserFacingError
from paperboy.domain.keyphrases import phrase_key
from paperboy.index.watermark import read_watermark, write_watermark

# What the documents hold; an index written in an older format reads as holding nothing
# (watermark 0), so the next `paperboy index update` writes every paper again.
# 2: papers with a code link carry CODE_TERM in the category field.
# 3: papers without a first-version date (snapshot records without versions) are dated by
#    their metadata (listing) date, so dates, trends and newest-first orders cover them.
# 4: papers carry their key phrases as KEYWORD_PREFIX terms in the category field (`kw:`).
FORMAT_VERSION = 4
FORMAT_FILE = "format.json"
# The category field is raw and `cat:` values are letters, dots and hyphens only, so this
# term can never collide with a category; reusing the field keeps old index folders openable.
CODE_TERM = "has:code"
# A paper's key phrases, and every run of their whole words, are category terms with this
# prefix ("kw:graph neural networks", "kw:neural networks", ...): `kw:` matches them exactly.
# The same field, not a new one, because tantivy refuses to open a folder whose schema
# differs, and the web server may hold the folder open while an update rewrites it.
KEYWORD_PREFIX = "kw:"

# Tokenizer names registered on every Index we open (tantivy does not persist analyzers).
TEXT_TOKENIZER = "en_stem"  # built in: simple tokenizer, drop >40-byte tokens, lowercase, stem
AUTHOR_TOKENIZER = "paperboy_author"  # lowercase + ASCII folding, so "Müller" finds "Muller"
TITLE_COPIES = 2  # the title weight; see the module docstring
MAX_RESULTS = 1000  # deepest page one search may ask for
# A text with more distinct terms than this (a pasted abstract) is searched by its
# LONG_TEXT_TERMS most discriminative ones (tf-idf against this index): BM25 over every
# word of a page is slow and dominated by common words. Measured in docs/search.md.
LONG_TEXT_TERMS = 32
# Words too common to rank or to mark (the short English list Lucene uses). Dropped from
# free words unless nothing else is left; kept inside "exact phrases", where order counts.
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)

# Never marked in titles and snippets (they would light up every line): the stopwords
# and other English function words. Marks are for the words that carry the query.
FUNCTION_WORDS = STOPWORDS | frozenset(
    "about above after again against all also am any because been before being below between both "
    "can could did do does doing down during each few from further had has have having he her here "
    "hers him his how i its itself just me more most my nor off once only other our ours out over own "
    "same she should so some than too under until up very we were what when where which while who "
    "whom why would you your us via".split()
)


def text_analyzer() -> tantivy.TextAnalyzer:
    """The analyzer `en_stem` applies to indexed text, for building query terms."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def author_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


class IndexBusyError(UserFacingError, RuntimeError):
    """Another writer holds the index folder's lock."""


class KeywordQuery(Protocol):
    """What a search needs; `paperboy.search.ParsedQuery` has this shape.

    A protocol rather than an import because imports go downward: the search service
    uses this index, not the other way round.
    """

    @property
    def words(self) -> tuple[str, ...]: ...
    @property
    def phrases(self) -> tuple[str, ...]: ...
    @property
    def authors(self) -> tuple[str, ...]: ...
    @property
    def categories(self) -> tuple[str, ...]: ...  # lowercased category or archive
    @property
    def after(self) -> date | None: ...  # inclusive
    @property
    def before(self) -> date | None: ...  # inclusive
    @property
    def has_code(self) -> bool: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...  # kw: values as typed
    @property
    def has_text(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class KeywordDocument:
    """What the keyword index needs of one paper."""

    paper_id: int
    title: str
    abstract: str
    authors: Sequence[str] = ()
    categories: Sequence[str] = ()  # primary first, e.g. ("cs.LG", "cs.AI")
    published: datetime | None = None  # naive UTC
    has_code: bool = False  # the paper links to its code
    keywords: Sequence[str] = ()  # key phrases, best first (domain/keyphrases.py)


@dataclass(frozen=True, slots=True)
class KeywordResults:
    """One page of hits, best first, and how many papers match in all."""

    hits: list[tuple[int, float]]  # (paper id, BM25 score); score 0.0 for filter-only queries
    total: int


def category_terms(categories: Iterable[str]) -> list[str]:
    """Each category and its archive ("cs.LG" -> "cs.lg", "cs"), so `cat:cs` works."""
    terms: list[str] = []
    for category in categories:
        category = category.strip().lower()
        if category:
            terms += [category, category.split(".", 1)[0]]
    return list(dict.fromkeys(terms))


def keyword_terms(keywords: Iterable[str]) -> list[str]:
    """The `kw:` terms of a paper's key phrases: every run of whole words of each phrase,
    lowercased ("LoRA adapters" -> "kw:lora adapters", "kw:lora", "kw:adapters")."""
    terms: list[str] = []
    for keyword in keywords:
        words = phrase_key(keyword).split()
        for size in range(len(words), 0, -1):
            terms += [KEYWORD_PREFIX + " ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
    return list(dict.fromkeys(terms))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("paper_id", stored=True, indexed=True, fast=True)
    builder.add_text_field("text", tokenizer_name=TEXT_TOKENIZER)
    builder.add_text_field("author", tokenizer_name=AUTHOR_TOKENIZER)
    builder.add_text_field("category", tokenizer_name="raw")
    builder.add_date_field("published", indexed=True, fast=True)
    return builder.build()


class KeywordIndex:
    """A BM25 index over papers, stored in `folder` (created when missing).

    Many readers may open the same folder; only one process may write at a time
    (tantivy holds a lock while a writer is open).  Writes become visible to searches
    after `commit`.
    """

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        existed = (self.folder / "meta.json").exists()  # tantivy's own file
        self._schema = _schema()
        self._index = tantivy.Index(self._schema, path=str(self.folder), reuse=True)
        if not existed:
            self.mark_current_format()  # a new index is written in the current format
        self._index.register_tokenizer(AUTHOR_TOKENIZER, author_analyzer())
        self._text = text_analyzer()
        self._author = author_analyzer()
        self._writer: tantivy.IndexWriter | None = None

    # ------------------------------------------------------------------ writing
    def _writer_open(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                # One thread: the service shares a small machine with the web server.
                self._writer = self._index.writer(heap_size=50_000_000, num_threads=1)
            except ValueError as error:
                if "LockBusy" not in str(error):
                    raise
                raise IndexBusyError(
                    f"{self.folder}: another indexer is writing to this keyword index; "
                    "only one writer may run at a time (wait for it, or stop it)"
                ) from error
        return self._writer

    def upsert(self, documents: Iterable[KeywordDocument]) -> int:
        """Add papers, replacing any already indexed under the same id. Returns the count."""
        writer = self._writer_open()
        count = 0
        for paper in documents:
            writer.delete_documents_by_term("paper_id", paper.paper_id)
            doc = tantivy.Document()
            doc.add_integer("paper_id", paper.paper_id)
            # Title as separate values: tantivy leaves a position gap between values,
            # so an "exact phrase" cannot match across the title/abstract boundary.
            for _ in range(TITLE_COPIES):
                doc.add_text("text", paper.title)
            doc.add_text("text", paper.abstract)
            for name in paper.authors:
                doc.add_text("author", name)
            for term in category_terms(paper.categories):
                doc.add_text("category", term)
            if paper.has_code:
                doc.add_text("category", CODE_TERM)
            for term in keyword_terms(paper.keywords):
                doc.add_text("category", term)
            if paper.published is not None:
                doc.add_date("published", paper.published)
            writer.add_document(doc)
            count += 1
        return count

    def delete(self, paper_ids: Iterable[int]) -> None:
        """Remove papers by id (ids not in the index are ignored)."""
        writer = self._writer_open()
        for paper_id in paper_ids:
            writer.delete_documents_by_term("paper_id", int(paper_id))

    def delete_all(self) -> None:
        """Empty the index (before a rebuild); takes effect at `commit`."""
        self._writer_open().delete_all_documents()

    def commit(self, watermark: int | None = None) -> None:
        """Make pending writes durable and visible, then record `watermark` if given."""
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()  # also releases the writer lock
            self._writer = None
        self._index.reload()
        if watermark is not None:
            write_watermark(self.folder, watermark)

    def close(self) -> None:
        """Drop uncommitted writes and release the writer lock."""
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None

    def __enter__(self) -> KeywordIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def watermark(self) -> int:
        """The highest store revision this index holds (0 for a new index, or one written in
        an older format, which must take every paper again)."""
        if not self.current_format:
            return 0
        return read_watermark(self.folder)

    @property
    def current_format(self) -> bool:
        """Whether the documents are in FORMAT_VERSION (a folder without the file is older)."""
        try:
            return bool(json.loads((self.folder / FORMAT_FILE).read_text()).get("version") == FORMAT_VERSION)
        except (OSError, ValueError, AttributeError):
            return False

    def mark_current_format(self) -> None:
        """Record that every document is in FORMAT_VERSION; only after all were written again."""
        (self.folder / FORMAT_FILE).write_text(json.dumps({"version": FORMAT_VERSION}))

    # ------------------------------------------------------------------ reading
    def count(self) -> int:
        """Number of papers in the index, as of the last commit this object has seen."""
        self._index.reload()
        return self._index.searcher().num_docs

    def search(self, query: KeywordQuery, limit: int = 10, offset: int = 0) -> KeywordResults:
        """Papers matching `query`, best BM25 first; newest first when it has only filters.

        Free words are OR-ed (at least one must match), phrases and authors must all
        match, any one `cat:` must match, dates bound `published` inclusively.
        """
        limit = max(0, min(limit, MAX_RESULTS))
        offset = max(0, min(offset, MAX_RESULTS))
        built = self.build_query(query)
        self._index.reload()
        searcher = self._index.searcher()
        if built is None or limit == 0:
            return KeywordResults(hits=[], total=0)
        if query.has_text:
            result = searcher.search(built, limit=limit, offset=offset, count=True)
        else:
            result = searcher.search(
                built,
                limit=limit,
                offset=offset,
                count=True,
                order_by_field="published",
                order=tantivy.Order.Desc,
            )
        addresses = [address for _, address in result.hits]
        ids = _paper_ids(searcher, addresses)
        scores = [float(key) if query.has_text else 0.0 for key, _ in result.hits]
        return KeywordResults(hits=list(zip(ids, scores, strict=True)), total=_total(result))

    def matching_ids(
        self, query: KeywordQuery, paper_ids: Sequence[int], all_words: bool = False
    ) -> set[int]:
        """Which of `paper_ids` match `query` (its words, phrases and filters; with
        all_words, every word)."""
        built = self.build_query(query, all_words=all_words)
        if built is None or not paper_ids:
            return set()
        among = tantivy.Query.term_set_query(self._schema, "paper_id", [int(i) for i in paper_ids])
        both = tantivy.Query.boolean_query([(tantivy.Occur.Must, built), (tantivy.Occur.Must, among)])
        self._index.reload()
        searcher = self._index.searcher()
        result = searcher.search(both, limit=len(paper_ids))
        return set(_paper_ids(searcher, [address for _, address in result.hits]))

    def knows_any(self, texts: Sequence[str]) -> bool:
        """Whether some paper contains at least one of the words of `texts` (common
        English words aside): a query with none is in no paper's vocabulary."""
        self._index.reload()
        searcher = self._index.searcher()
        for text in texts:
            for word in text.split():
                if word.lower() in STOPWORDS:
                    continue
                if any(searcher.doc_freq("text", stem) for stem in self._text.analyze(word)):
                    return True
        return False

    def respell(self, words: Sequence[str], limit: int = 8) -> dict[str, str]:
        """For each of (the first `limit`) `words` that no paper contains, the indexed
        term nearest to its stem (edit distance 1, or 2 for longer words; same first two
        letters), most frequent first. Only for queries that found nothing."""
        self._index.reload()
        searcher = self._index.searcher()
        found: dict[str, str] = {}
        for word in list(dict.fromkeys(words))[:limit]:
            stems = self._text.analyze(word)
            if len(stems) != 1 or word.lower() in STOPWORDS or searcher.doc_freq("text", stems[0]):
                continue
            stem = stems[0]
            if len(stem) < 3 or stem.isdigit():
                continue
            allowed = 1 if len(stem) <= 5 else 2
            for term, _count in searcher.terms_with_prefix("text", stem[:2]):  # most frequent first
                if abs(len(term) - len(stem)) <= allowed and _edit_distance(term, stem, allowed) <= allowed:
                    found[word] = term
                    break
        return found

    def ids(self) -> set[int]:
        """Every paper id in the index (for checking it against the store)."""
        self._index.reload()
        searcher = self._index.searcher()
        total = searcher.num_docs
        if total == 0:
            return set()
        result = searcher.search(tantivy.Query.all_query(), limit=total)
        return set(_paper_ids(searcher, [address for _, address in result.hits]))

    def filtered_ids(self, query: KeywordQuery, limit: int) -> tuple[list[int], int]:
        """Ids of papers passing `query`'s filters (its words are ignored), at most `limit`,
        and how many pass in all.

        Semantic search uses this so its filters mean exactly what keyword filters mean.
        """
        clauses = [(tantivy.Occur.Must, f) for f in self._filters(query)]
        if not clauses:
            return [], 0
        self._index.reload()
        searcher = self._index.searcher()
        result = searcher.search(tantivy.Query.boolean_query(clauses), limit=max(limit, 1), count=True)
        addresses = [address for _, address in result.hits][:limit]
        return list(_paper_ids(searcher, addresses)), _total(result)

    def author_ids(self, name: str, limit: int) -> tuple[list[int], int]:
        """Ids of papers with an author whose name has `name`'s words in order (what
        `author:"name"` finds), newest first, at most `limit`, and how many in all."""
        tokens = self._author.analyze(name)
        if not tokens or limit <= 0:
            return [], 0
        self._index.reload()
        searcher = self._index.searcher()
        result = searcher.search(
            self._words_query("author", tokens),
            limit=limit,
            count=True,
            order_by_field="published",
            order=tantivy.Order.Desc,
        )
        addresses = [address for _, address in result.hits]
        return list(_paper_ids(searcher, addresses)), _total(result)

    def daily_counts(self, query: KeywordQuery, all_words: bool = False) -> dict[date, int]:
        """How many papers matching `query` were published on each day (days with none
        left out); with all_words, only papers with every word. A date histogram over the
        index's fast field: no paper is fetched."""
        built = self.build_query(query, all_words=all_words)
        if built is None:
            return {}
        self._index.reload()
        found = self._index.searcher().aggregate(
            built, {"days": {"date_histogram": {"field": "published", "fixed_interval": "1d"}}}
        )
        counts: dict[date, int] = {}
        for bucket in found.get("days", {}).get("buckets", []):
            if bucket["doc_count"]:
                day = datetime.fromtimestamp(bucket["key"] / 1000, tz=UTC).date()
                counts[day] = int(bucket["doc_count"])
        return counts

    def date_span(self) -> tuple[date, date] | None:
        """The first and last day a paper in the index is dated, or None when none is."""
        self._index.reload()
        bounds = {"first": {"min": {"field": "published"}}, "last": {"max": {"field": "published"}}}
        found = self._index.searcher().aggregate(tantivy.Query.all_query(), bounds)
        first, last = found["first"]["value"], found["last"]["value"]
        if first is None or last is None:
            return None
        # Min and max are read as nanoseconds (the histogram keys are milliseconds).
        return tuple(datetime.fromtimestamp(v / 1e9, tz=UTC).date() for v in (first, last))  # type: ignore[return-value]

    def build_query(self, query: KeywordQuery, all_words: bool = False) -> tantivy.Query | None:
        """The tantivy query for `query`, or None when its text analyses to nothing; with
        all_words every free word must match (else at least one)."""
        schema = self._schema
        must: list[tantivy.Query] = []
        terms = self._word_terms(query)
        if terms and all_words:
            must += [tantivy.Query.term_query(schema, "text", t) for t in terms]
        elif terms:
            should = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t)) for t in terms]
            must.append(tantivy.Query.boolean_query(should))
        for phrase in query.phrases:
            tokens = self._text.analyze(phrase)
            if tokens:
                must.append(self._words_query("text", tokens))
        if query.has_text and not must:
            return None  # e.g. only punctuation: nothing to look for
        filters = self._filters(query)
        if not must and not filters:
            return None
        if not must:
            must.append(tantivy.Query.all_query())
        # Filters score 0 so they restrict without reordering.
        clauses = [(tantivy.Occur.Must, q) for q in must]
        clauses += [(tantivy.Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
        return tantivy.Query.boolean_query(clauses)

    def _filters(self, query: KeywordQuery) -> list[tantivy.Query]:
        schema = self._schema
        filters: list[tantivy.Query] = []
        for author in query.authors:
            tokens = self._author.analyze(author)
            # A name that analyses to nothing (e.g. "author:--") matches nobody.
            filters.append(self._words_query("author", tokens) if tokens else tantivy.Query.empty_query())
        if query.categories:
            filters.append(tantivy.Query.term_set_query(schema, "category", list(query.categories)))
        if query.has_code:
            filters.append(tantivy.Query.term_query(schema, "category", CODE_TERM))
        for phrase in query.keywords:
            # Each kw: must match; one that is no phrase at all (e.g. kw:"  ") matches nothing.
            key = phrase_key(phrase)
            term = KEYWORD_PREFIX + key
            filters.append(
                tantivy.Query.term_query(schema, "category", term) if key else tantivy.Query.empty_query()
            )
        if query.after or query.before:
            lower = _midnight(query.after) if query.after else None
            upper = _midnight(query.before + timedelta(days=1)) if query.before else None
            filters.append(
                tantivy.Query.range_query(
                    schema,
                    "published",
                    tantivy.FieldType.Date,
                    lower,
                    upper,
                    include_lower=True,
                    include_upper=upper is None,
                )
            )
        return filters

    def _words_query(self, field: str, tokens: list[str]) -> tantivy.Query:
        if len(tokens) == 1:
            return tantivy.Query.term_query(self._schema, field, tokens[0])
        return tantivy.Query.phrase_query(self._schema, field, list[str | tuple[int, str]](tokens))

    def _word_terms(self, query: KeywordQuery) -> list[str]:
        """Stemmed terms of the free words, stopwords dropped unless they are all there is;
        of a long text, the LONG_TEXT_TERMS terms with the highest tf-idf."""
        words = [w for w in query.words if w.lower() not in STOPWORDS] or list(query.words)
        stems = [t for w in words for t in self._text.analyze(w)]
        terms = list(dict.fromkeys(stems))
        if len(terms) <= LONG_TEXT_TERMS:
            return terms
        searcher = self._index.searcher()
        total = max(searcher.num_docs, 1)
        counts = Counter(stems)
        weighted = []
        for term in terms:
            df = searcher.doc_freq("text", term)
            if df:  # a term no paper has cannot match
                weighted.append((counts[term] * math.log(1 + (total - df + 0.5) / (df + 0.5)), term))
        weighted.sort(key=lambda pair: -pair[0])
        return [term for _, term in weighted[:LONG_TEXT_TERMS]]

    def query_terms(self, query: KeywordQuery) -> frozenset[str]:
        """The stemmed terms of `query`'s words and phrases that carry meaning (no
        function words), for `match_terms`; of a long text, only the terms searched for."""
        searched = set(self._word_terms(query))
        content = {t for w in query.words if w.lower() not in FUNCTION_WORDS for t in self._text.analyze(w)}
        phrase_words = (w for p in query.phrases for w in p.split())
        phrase_terms = {
            t
            for w in phrase_words
            if w.lower().strip("\"'.,;:!?()") not in FUNCTION_WORDS
            for t in self._text.analyze(w)
        }
        return frozenset((searched & content) | phrase_terms)


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, stopping early once it must exceed `cap`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > cap:
            return cap + 1
        previous = current
    return previous[-1]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _paper_ids(searcher: tantivy.Searcher, addresses: list[tantivy.DocAddress]) -> list[int]:
    """The paper ids of the documents at `addresses` (a fast field: no document is read)."""
    return [int(cast(int, value)) for value in searcher.fast_field_values("paper_id", addresses)]


def _total(result: tantivy.SearchResult) -> int:
    """How many documents matched (asked for with count=True; tantivy's stubs omit it)."""
    count: int | None = getattr(result, "count", None)
    return count or 0
