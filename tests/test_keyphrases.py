"""Key-phrase candidates and scores: runs between stopwords and punctuation, title twice,
rare phrases over common ones, no phrase inside a chosen one."""

from __future__ import annotations

from conftest import SNAPSHOT_SAMPLE

from paperboy.domain import SourceRecord
from paperboy.domain.keyphrases import (
    candidates,
    choosable,
    choose_phrases,
    display_forms,
    document_frequencies,
    key_phrases,
    overlaps,
    phrase_counts,
)
from paperboy.sources.snapshot import read_snapshot


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


def test_a_dot_inside_a_name_keeps_it_whole_and_verbs_break_runs() -> None:
    found = candidates("What Keeps Agent Skills from Being Reusable? Evidence from 138K SKILL.md Files")
    assert "skill.md files" in found and "md files" not in found and "md" not in found
    assert "agent skills" in found and not any(p.startswith("keeps") for p in found)


def test_a_phrase_does_not_start_with_a_verb_in_ing_unless_it_names_a_thing() -> None:
    found = candidates("Designing Sustainable Federated Learning; learning rate schedules")
    assert "designing sustainable federated" not in found and "designing" not in found
    assert "sustainable federated learning" in found and "learning rate schedules" in found


def test_phrases_keep_case_only_where_it_means_something() -> None:
    forms = display_forms("LoRA Adapters for GPT-4 in SKILL.md Files", "Graph Transformers use LoRA.")
    assert forms["lora adapters"] == "LoRA adapters" and forms["gpt-4"] == "GPT-4"
    # A run ends before an adverb or a verb the next clause needed.
    found = candidates("Cross-feature dependencies rather than marginals: the engine evaluates tests.")
    assert "cross-feature dependencies" in found
    assert not any(c.endswith(("rather", "evaluates")) for c in found)
    # A title's capitals in hyphenated words say nothing; a name's in one part do.
    titled = display_forms("Age-Structured Branching for Human-to-Robot H2R-Bench Tasks", "")
    assert titled["age-structured branching"] == "age-structured branching"
    assert titled["human-to-robot"] == "human-to-robot" and titled["h2r-bench"] == "H2R-Bench"
    assert forms["skill.md files"] == "SKILL.md files" and forms["graph transformers"] == "graph transformers"
    corpus = [
        ("LoRA for GPT-4", "LoRA adapters tune GPT-4 cheaply. LoRA adapters are small."),
        ("Other", "Text."),
    ]
    df = document_frequencies(corpus)
    phrases = key_phrases(*corpus[0], doc_freq=df.__getitem__, total=2)
    assert "GPT-4" in phrases and "LoRA" in phrases  # chosen lowercased, shown as written


def test_overlap_is_by_whole_words() -> None:
    assert overlaps("neural", "graph neural networks") and not overlaps("ai", "chain of thought")


def test_the_choosable_part_of_a_papers_candidates_gives_the_same_choice() -> None:
    papers = [
        (r.paper.title, r.paper.abstract)
        for r in read_snapshot(SNAPSHOT_SAMPLE)
        if isinstance(r, SourceRecord)
    ]
    df = document_frequencies(papers)
    dropped = 0
    for title, abstract in papers:
        counts, written = phrase_counts(title, abstract)
        kept, kept_written = choosable(counts, written)
        # Only single words said once are left out; each kept phrase keeps its written words.
        assert {p for p in counts if p not in kept} == {
            p for p, n in counts.items() if " " not in p and n == 1
        }
        assert kept_written == {p: written[p] for p in kept}
        dropped += len(counts) - len(kept)
        assert choose_phrases(kept, kept_written, df.__getitem__, len(papers)) == choose_phrases(
            counts, written, df.__getitem__, len(papers)
        )
    assert dropped > 0
