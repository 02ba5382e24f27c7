"""One clipper for every shortened text: captions, reasons, subject lines, abstracts, snippets."""

from __future__ import annotations

import pytest

from paperboy.domain.text import clip


@pytest.mark.parametrize("at_word", [False, True])
def test_a_text_that_fits_is_left_as_it_is(at_word: bool) -> None:
    assert clip("exactly ten", 11, at_word=at_word) == "exactly ten"
    assert clip("", 5, at_word=at_word) == ""


@pytest.mark.parametrize("at_word", [False, True])
@pytest.mark.parametrize("limit", [1, 2, 5, 32, 70, 80, 300])
def test_a_clipped_text_keeps_within_the_limit_and_ends_with_an_ellipsis(at_word: bool, limit: int) -> None:
    text = "Attention is all you need, again: a study of transformers. " * 10
    short = clip(text, limit, at_word=at_word)
    assert len(short) <= limit
    assert short.endswith("…")
    assert text.startswith(short[:-1])


def test_cut_anywhere_drops_the_space_before_the_ellipsis() -> None:
    assert clip("Graph neural networks", 7) == "Graph…"
    assert clip("Graph neural networks", 9) == "Graph ne…"


def test_cut_at_a_word_drops_the_word_cut_in_two_and_the_punctuation_before_it() -> None:
    assert clip("one two, three four", 10, at_word=True) == "one two…"
    assert clip("alpha beta gamma", 11, at_word=True) == "alpha beta…"  # "beta" ends at the cut
    assert clip("alpha beta gamma", 10, at_word=True) == "alpha…"
    # A snippet the highlighter already cut keeps one ellipsis.
    assert clip("the model … and the data …", 13, at_word=True) == "the model…"


def test_a_text_with_no_space_to_cut_at_is_cut_anywhere() -> None:
    assert clip("x" * 50, 10, at_word=True) == "x" * 9 + "…"
    assert clip("..........", 5, at_word=True) == "....…"
