"""Key-phrase candidates and scores: runs between stopwords and punctuation, title twice,
rare phrases over common ones, no phrase inside a chosen one."""

from __future__ import annotations

from paperboy.domain.keyphrases import candidates, document_frequencies, key_phrases


def test_candidates_are_runs_between_stopwords_and_punctuation() -> None:
    found = candidates("We propose graph neural networks for molecule design, and $x^2$ losses.")
    assert "graph neural networks" in found and "neural networks" in found and "molecule design" in found
    assert not any(w in p.split() for p in found for w in ("we", "propose", "for", "and"))
    assert not any("design losses" in p or "x" == p for p in found)  # the comma and the formula split runs


def test_rare_repeated_phrases_win_and_none_sits_inside_another() -> None:
    corpus = [
        (
            "Graph neural networks for molecules",
            "Graph neural networks predict molecule toxicity. Toxicity matters; toxicity is costly.",
        ),
        ("Language models", "Large language models and neural networks for text."),
        ("Vision", "Neural networks for images and neural networks for video."),
    ]
    df = document_frequencies(corpus)
    assert df["neural networks"] == 3 and df["graph neural networks"] == 1
    phrases = key_phrases(*corpus[0], doc_freq=df.__getitem__, total=len(corpus), limit=3)
    assert phrases[0] == "graph neural networks"
    assert "neural networks" not in phrases and "graph" not in phrases  # inside the first
    assert "toxicity" in phrases  # a rare word said twice
