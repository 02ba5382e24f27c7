"""The search-box syntax: what each form means, and that hostile input fails clearly."""

from datetime import date

import pytest

from paperboy.search import MAX_QUERY_CHARS, ParsedQuery, QuerySyntaxError, parse_query, query_text


def test_words_phrases_and_fields() -> None:
    q = parse_query(
        'sparse attention "long context" author:"Tri Dao" author:gu cat:cs.LG '
        "after:2024-01-01 before:2024-12-31"
    )
    assert q.words == ("sparse", "attention")
    assert q.phrases == ("long context",)
    assert q.authors == ("Tri Dao", "gu")
    assert q.categories == ("cs.lg",)
    assert q.after == date(2024, 1, 1) and q.before == date(2024, 12, 31)
    assert q.text == "sparse attention long context"


def test_field_names_are_case_insensitive_and_archive_prefix_allowed() -> None:
    q = parse_query("AUTHOR:Hinton Cat:cs cat:hep-th cat:cond-mat.str-el")
    assert q.authors == ("Hinton",)
    assert q.categories == ("cs", "hep-th", "cond-mat.str-el")
    assert not q.has_text and q.has_filters


def test_partial_dates_cover_the_whole_period() -> None:
    q = parse_query("x after:2023 before:2024-02")
    assert q.after == date(2023, 1, 1)
    assert q.before == date(2024, 2, 29)
    assert parse_query("x before:2023").before == date(2023, 12, 31)


@pytest.mark.parametrize("raw", ["", "   ", "\t\n", "\x00\x01\x02", '""', "* ( ) ^ ~ + -", "'';--"])
def test_nothing_to_search_is_a_clear_error(raw: str) -> None:
    with pytest.raises(QuerySyntaxError, match="empty"):
        parse_query(raw)


def test_overlong_query_is_refused_with_the_limit() -> None:
    with pytest.raises(QuerySyntaxError, match=str(MAX_QUERY_CHARS)):
        parse_query("a" * (MAX_QUERY_CHARS + 1))


def test_a_pasted_abstract_of_many_words_is_a_query() -> None:
    abstract = " ".join(f"word{i}" for i in range(1000))
    assert len(abstract) < MAX_QUERY_CHARS
    assert len(parse_query(abstract).words) == 1000


def test_unbalanced_quote_makes_the_rest_a_phrase() -> None:
    q = parse_query('graph "neural networks for')
    assert q.words == ("graph",)
    assert q.phrases == ("neural networks for",)
    q = parse_query('author:"Yann LeCun')
    assert q.authors == ("Yann LeCun",)


def test_unknown_field_and_operators_are_plain_words() -> None:
    q = parse_query("foo:bar title:(x OR y) AND NOT z* -w +v ^2 ~3 a;b 'c' --")
    assert "foo:bar" in q.words
    assert {"AND", "NOT", "z", "w", "v", "2", "3", "a;b", "c"} <= set(q.words)
    assert q.authors == () and q.categories == ()


def test_only_stopwords_is_accepted() -> None:
    assert parse_query("the of and").words == ("the", "of", "and")


def test_control_characters_become_spaces() -> None:
    q = parse_query("deep\x00learning\u200b\x1bmodels")
    assert q.words == ("deep", "learning", "models")


def test_typographic_quotes_are_phrases() -> None:
    assert parse_query("\u201cmixture of experts\u201d").phrases == ("mixture of experts",)


def test_a_title_whose_first_word_is_a_field_name_is_read_as_words() -> None:
    q = parse_query("CAT: Can Trust be Predicted with Context-Awareness cat:cs.LG")
    assert q.words[:3] == ("CAT", "Can", "Trust") and q.categories == ("cs.lg",)
    assert parse_query("After: the storm").words == ("After", "the", "storm")
    assert parse_query("kw:  lora").keywords == ()  # the colon and spaces, not a value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("author:", "author: needs a value"),
        ("cat:   ", "cat: needs a value"),
        ('author:""', "author: needs a value"),
        ("cat:", "cat: needs a value"),
        ("cat:cs.LG;DROP", "not a category"),
        ("cat:*", "not a category"),
        ("after:yesterday", "not a date"),
        ("after:2024-13-01", "not a date"),
        ("before:2024-02-30", "not a date"),
        ("after:0000", "not a date"),
        ("x after:2025-01-01 before:2024-01-01", "later than"),
    ],
)
def test_bad_field_values_explain_themselves(raw: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message) as caught:
        parse_query(raw)
    assert caught.value.message


def test_many_phrases_and_filters_are_refused() -> None:
    with pytest.raises(QuerySyntaxError, match="phrases and filters"):
        parse_query(" ".join(['"w x"'] * 40 + ["cat:cs.LG"] * 10 + ["author:ada"] * 20))


def test_non_text_is_refused() -> None:
    with pytest.raises(QuerySyntaxError):
        parse_query(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ['"', ":", 'author:"', "a:b:c", "after:", "\\", '"""', 'cat:"cs.LG"'])
def test_odd_inputs_raise_only_query_syntax_error(raw: str) -> None:
    try:
        result = parse_query(raw)
    except QuerySyntaxError:
        return
    assert isinstance(result, ParsedQuery)


# Hole 3: before:9999-12-31 parsed, then overflowed downstream (a 500 in every mode, and
# a traceback that took a whole alert batch down). Dates outside the searchable range are
# refused here, naming the filter and the range.
@pytest.mark.parametrize(
    "raw",
    [
        "before:9999-12-31",
        "before:9999",
        "x after:9999-12",
        "after:0001-01-01",
        "after:1000",
        "before:2200-01-01",
        "after:1899-12-31",
    ],
)
def test_dates_outside_the_searchable_range_are_refused_naming_the_filter(raw: str) -> None:
    value = raw.split()[-1]
    with pytest.raises(QuerySyntaxError, match=f"{value} is out of range") as caught:
        parse_query(raw)
    assert "1900" in caught.value.message and "2199" in caught.value.message


def test_the_first_and_last_searchable_days_are_accepted() -> None:
    parsed = parse_query("x after:1900 before:2199")
    assert (parsed.after, parsed.before) == (date(1900, 1, 1), date(2199, 12, 31))


def test_has_code_is_a_filter() -> None:
    q = parse_query("diffusion HAS:Code")
    assert q.words == ("diffusion",) and q.has_code
    assert parse_query("has:code").has_filters and not parse_query("has:code").has_text
    assert not parse_query("diffusion").has_code


@pytest.mark.parametrize("raw", ["has:", "has:data", "has:code;DROP"])
def test_has_takes_only_code(raw: str) -> None:
    with pytest.raises(QuerySyntaxError, match="has:") as caught:
        parse_query(raw)
    assert "has:code" in caught.value.message


@pytest.mark.parametrize(
    "raw",
    [
        'sparse attention "state space model" author:"Geoffrey Hinton" author:Gu cat:cs.LG cat:math',
        "graph after:2007-01 before:2024 has:code",
        "x:after:2024 foo:bar plain",
        'cat:cs.AR "unclosed phrase',
    ],
)
def test_a_query_written_back_reads_as_the_same_query(raw: str) -> None:
    parsed = parse_query(raw)
    assert parse_query(query_text(parsed)) == parsed
