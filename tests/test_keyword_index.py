"""KeywordIndex on a real tantivy index in a temporary folder."""

from datetime import datetime
from pathlib import Path

import pytest

from paperboy.domain.highlighted import Highlighted
from paperboy.index.highlight import match_terms
from paperboy.index.keyword import IndexBusyError, KeywordDocument, KeywordIndex
from paperboy.search import parse_query

PAPERS = [
    KeywordDocument(
        1,
        "Attention is all you need",
        "We propose the Transformer, based on attention.",
        ["Ashish Vaswani", "Noam Shazeer"],
        ["cs.CL", "cs.LG"],
        datetime(2017, 6, 12),
    ),
    KeywordDocument(
        2,
        "FlashAttention: fast and memory-efficient exact attention",
        "IO-aware attention kernels for GPUs.",
        ["Tri Dao", "Christopher Ré"],
        ["cs.LG"],
        datetime(2022, 5, 27),
    ),
    KeywordDocument(
        3,
        "Mamba: linear-time sequence modeling with selective state spaces",
        "State space models rival attention.",
        ["Albert Gu", "Tri Dao"],
        ["cs.LG", "cs.AI"],
        datetime(2023, 12, 1),
    ),
    KeywordDocument(
        4,
        "Processing-in-memory accelerators for LLM decoding",
        "Memory bandwidth bounds decoding; we move attention into DRAM.",
        ["Jane Müller"],
        ["cs.AR"],
        datetime(2024, 3, 5),
    ),
    KeywordDocument(
        5, "Dark matter halos", "Attention to galaxy rotation curves.", ["Vera Rubin"], ["astro-ph.GA"], None
    ),
]


def ids(results) -> list[int]:
    return [pid for pid, _ in results.hits]


@pytest.fixture
def index(tmp_path: Path) -> KeywordIndex:
    idx = KeywordIndex(tmp_path / "keyword")
    idx.upsert(PAPERS)
    idx.commit(watermark=7)
    return idx


def test_words_rank_title_matches_first(index: KeywordIndex) -> None:
    results = index.search(parse_query("attention"))
    assert set(ids(results)) == {1, 2, 3, 4, 5}
    assert results.total == 5
    assert ids(results)[0] in (1, 2)  # title + abstract matches beat abstract-only ones
    scores = [s for _, s in results.hits]
    assert scores == sorted(scores, reverse=True)


def test_stemming_matches_word_forms(index: KeywordIndex) -> None:
    assert ids(index.search(parse_query("accelerator decode"))) == [4]


def test_phrase_must_match_in_order(index: KeywordIndex) -> None:
    assert ids(index.search(parse_query('"state space"'))) == [3]
    assert ids(index.search(parse_query('"space state"'))) == []
    # A phrase cannot run from the end of the title into the abstract.
    assert ids(index.search(parse_query('"halos attention"'))) == []


def test_author_word_and_full_name(index: KeywordIndex) -> None:
    assert sorted(ids(index.search(parse_query("author:dao")))) == [2, 3]
    assert ids(index.search(parse_query('attention author:"Tri Dao" author:gu'))) == [3]
    assert ids(index.search(parse_query("author:muller"))) == [4]  # accents folded
    # A phrase cannot span two authors ("Noam Shazeer" follows "Ashish Vaswani").
    assert ids(index.search(parse_query('author:"Vaswani Noam"'))) == []


def test_category_exact_and_archive_prefix(index: KeywordIndex) -> None:
    assert sorted(ids(index.search(parse_query("attention cat:cs.LG")))) == [1, 2, 3]
    assert sorted(ids(index.search(parse_query("attention cat:cs")))) == [1, 2, 3, 4]
    assert sorted(ids(index.search(parse_query("attention cat:cs.AR cat:astro-ph")))) == [4, 5]


def test_date_range_is_inclusive(index: KeywordIndex) -> None:
    assert sorted(ids(index.search(parse_query("attention after:2022-05-27 before:2023-12-01")))) == [2, 3]
    assert ids(index.search(parse_query("attention after:2024"))) == [4]


def test_filtered_pages_are_complete(tmp_path: Path) -> None:
    idx = KeywordIndex(tmp_path / "many")
    # 300 papers say "graph" often; only every tenth is in cs.LG and says it once.
    idx.upsert(
        KeywordDocument(
            i,
            "graph graph graph" if i % 10 else "graph",
            "graph networks",
            [],
            ["cs.LG" if i % 10 == 0 else "math.CO"],
            datetime(2024, 1, 1),
        )
        for i in range(300)
    )
    idx.commit()
    first = idx.search(parse_query("graph cat:cs.LG"), limit=20)
    second = idx.search(parse_query("graph cat:cs.LG"), limit=20, offset=20)
    assert first.total == 30 and len(first.hits) == 20 and len(second.hits) == 10
    assert {pid % 10 for pid, _ in first.hits + second.hits} == {0}
    assert len({pid for pid, _ in first.hits + second.hits}) == 30


def test_filter_only_query_lists_newest_first(index: KeywordIndex) -> None:
    results = index.search(parse_query("cat:cs"))
    assert ids(results) == [4, 3, 2, 1]
    assert all(score == 0.0 for _, score in results.hits)


def test_upsert_replaces_and_delete_removes(index: KeywordIndex) -> None:
    index.upsert([KeywordDocument(5, "Dark energy", "Supernovae.", [], ["astro-ph.CO"], None)])
    index.delete([1, 999])
    index.commit(watermark=9)
    assert index.count() == 4
    assert ids(index.search(parse_query("halos"))) == []
    assert ids(index.search(parse_query("supernovae"))) == [5]
    assert 1 not in ids(index.search(parse_query("attention")))
    assert index.watermark == 9


def test_uncommitted_writes_are_invisible_and_can_be_dropped(index: KeywordIndex) -> None:
    index.delete([1])
    assert index.count() == 5
    index.close()
    index.commit()
    assert index.count() == 5


def test_reopen_from_disk(index: KeywordIndex, tmp_path: Path) -> None:
    reopened = KeywordIndex(tmp_path / "keyword")
    assert reopened.count() == 5
    assert reopened.watermark == 7
    assert sorted(ids(reopened.search(parse_query("author:dao")))) == [2, 3]


def test_rebuild_by_delete_all(index: KeywordIndex) -> None:
    index.delete_all()
    index.upsert(PAPERS[:2])
    index.commit(watermark=2)
    assert index.count() == 2 and index.watermark == 2


def test_new_index_has_watermark_zero(tmp_path: Path) -> None:
    assert KeywordIndex(tmp_path / "new").watermark == 0


@pytest.mark.parametrize(
    "raw",
    [
        "attention AND (memory OR NOT kernels)",
        "title:attention^2 ~ * +x -y",
        "'; DROP TABLE papers; --",
        'author:"\\"',
        "attention\x00\x1b[31m",
        "cat:cs attention*",
        "NEAR(a b) a:b:c {x TO y} [1 TO 2]",
        "the of and",
        "\u202eevil",
        "😀 attention",
    ],
)
def test_hostile_queries_never_reach_a_parser(index: KeywordIndex, raw: str) -> None:
    results = index.search(parse_query(raw), limit=10)
    assert results.total >= 0


def test_match_terms_locates_the_query_words_by_stem(index: KeywordIndex) -> None:
    terms = index.query_terms(parse_query('<b>memory</b> "decoding"'))
    text = "Memory <script>alert(1)</script> & decoded b memories"
    found = match_terms(text, terms)
    assert found.text == text
    # "b" is the query word from "<b>": matched as a word, never taken as markup.
    assert [text[start:end] for start, end in found.spans] == ["Memory", "decoded", "b", "memories"]
    assert found.spans[0] == (0, 6)
    assert match_terms("a < b", set()) == Highlighted("a < b", ())


def test_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    first, second = KeywordIndex(tmp_path / "k"), KeywordIndex(tmp_path / "k")
    first.upsert(PAPERS[:1])
    with pytest.raises(IndexBusyError, match="another indexer"):
        second.upsert(PAPERS[1:2])
    first.commit()  # releases the lock
    second.upsert(PAPERS[1:2])
    second.commit()
    assert first.count() == 2


def test_has_code_keeps_only_papers_with_a_code_link(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "code")
    with_code = KeywordDocument(10, "Attention kernels", "Fast attention.", ["A B"], ["cs.LG"], None, True)
    without = KeywordDocument(11, "Attention theory", "Slow attention.", ["C D"], ["cs.LG"], None)
    index.upsert([with_code, without])
    index.commit(watermark=1)
    assert ids(index.search(parse_query("attention has:code"))) == [10]
    assert ids(index.search(parse_query("has:code"))) == [10]
    assert sorted(ids(index.search(parse_query("attention")))) == [10, 11]
    assert index.filtered_ids(parse_query("has:code cat:cs.LG"), limit=10) == ([10], 1)


def test_an_index_written_before_has_code_reads_as_empty_until_written_again(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    index = KeywordIndex(folder)
    index.upsert(PAPERS[:1])
    index.commit(watermark=5)
    assert index.watermark == 5
    (folder / "format.json").unlink()  # as an index from before the format file
    reopened = KeywordIndex(folder)
    assert reopened.watermark == 0 and not reopened.current_format
    reopened.mark_current_format()
    assert KeywordIndex(folder).watermark == 5


def test_a_long_pasted_text_searches_by_its_most_discriminative_terms(index: KeywordIndex) -> None:
    # 60 distinct common-ish words plus one rare, repeated one: the rare term is kept.
    filler = " ".join(f"filler{i}" for i in range(60))
    text = f"{filler} we study selective state spaces; selective scans make state spaces fast"
    query = parse_query(text)
    terms = index.query_terms(query)
    assert len(terms) <= 32
    assert {"select", "space"} <= terms  # stems of the words that occur in the index
    assert not any(t.startswith("filler") for t in terms)  # words no paper has cannot match
    assert ids(index.search(query))[0] == 3
