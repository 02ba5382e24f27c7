"""Ranking metrics against hand-computed values, and the BEIR loader's errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import SCIFACT

from paperboy.evaluation import DatasetError, load_beir_dataset, mrr_at_k, ndcg_at_k, recall_at_k

# q1 has two relevant documents (grades 1 and 2); q2 one, which the run never finds.
QRELS = {"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 1}}
RUN = {"q1": ["d3", "d2", "d1"], "q2": ["d4", "d5"]}


def test_ndcg_uses_linear_gain_log2_discount_and_ideal_from_qrels() -> None:
    # q1: DCG = 0/log2(2) + 2/log2(3) + 1/log2(4); IDCG = 2/log2(2) + 1/log2(3). q2: 0.
    q1 = (2 / math.log2(3) + 1 / 2) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(RUN, QRELS, 3) == pytest.approx((q1 + 0) / 2)
    assert q1 == pytest.approx(0.669672, abs=1e-6)


def test_ndcg_cuts_the_ranking_at_k() -> None:
    # Only d3 (irrelevant) is in the top 1 of q1.
    assert ndcg_at_k(RUN, QRELS, 1) == 0.0
    # Top 2 of q1: DCG = 2/log2(3); ideal = 2 + 1/log2(3).
    assert ndcg_at_k(RUN, QRELS, 2) == pytest.approx((2 / math.log2(3)) / (2 + 1 / math.log2(3)) / 2)


def test_perfect_ranking_scores_one() -> None:
    assert ndcg_at_k({"q1": ["d2", "d1"]}, {"q1": QRELS["q1"]}, 10) == pytest.approx(1.0)


def test_recall_counts_share_of_relevant_documents_found() -> None:
    assert recall_at_k(RUN, QRELS, 2) == pytest.approx((1 / 2 + 0) / 2)
    assert recall_at_k(RUN, QRELS, 3) == pytest.approx((2 / 2 + 0) / 2)


def test_mrr_is_reciprocal_rank_of_first_relevant_document() -> None:
    assert mrr_at_k(RUN, QRELS, 3) == pytest.approx((1 / 2 + 0) / 2)
    assert mrr_at_k(RUN, QRELS, 1) == 0.0


def test_judged_query_missing_from_run_scores_zero_and_unjudged_queries_are_ignored() -> None:
    run = {"q1": ["d2", "d1"], "other": ["d9"]}
    assert ndcg_at_k(run, QRELS, 10) == pytest.approx(0.5)
    assert recall_at_k(run, QRELS, 10) == pytest.approx(0.5)


def test_queries_with_only_zero_grades_are_left_out() -> None:
    qrels = {"q1": {"d1": 1}, "q0": {"d1": 0}}
    assert ndcg_at_k({"q1": ["d1"]}, qrels, 10) == pytest.approx(1.0)


def test_a_document_repeated_in_the_ranking_counts_once() -> None:
    # Counted twice, nDCG would exceed 1.
    assert ndcg_at_k({"q1": ["d1", "d1"]}, {"q1": {"d1": 1}}, 10) == pytest.approx(1.0)


def _write_dataset(folder: Path, corpus_lines: list[str], qrels_lines: list[str]) -> Path:
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("\n".join(corpus_lines) + "\n")
    queries = [{"_id": "1", "text": "a claim"}, {"_id": "2", "text": "unjudged"}]
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries) + "\n")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "\n".join(qrels_lines) + "\n")
    return folder


def test_loader_returns_corpus_judged_queries_and_qrels(tmp_path: Path) -> None:
    doc = json.dumps({"_id": "10", "title": "T", "text": "Body."})
    data = load_beir_dataset(_write_dataset(tmp_path, [doc], ["1\t10\t1"]))
    assert [(d.id, d.title_and_text()) for d in data.corpus] == [("10", "T Body.")]
    assert data.queries == {"1": "a claim"}
    assert data.qrels == {"1": {"10": 1}}


def test_loader_names_file_and_line_of_bad_json(tmp_path: Path) -> None:
    good = json.dumps({"_id": "10", "title": "T", "text": "Body."})
    with pytest.raises(DatasetError, match=r"corpus\.jsonl:2: not valid JSON"):
        load_beir_dataset(_write_dataset(tmp_path, [good, "{broken"], ["1\t10\t1"]))


def test_loader_names_file_and_line_of_missing_field(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"corpus\.jsonl:1: field 'text'"):
        load_beir_dataset(_write_dataset(tmp_path, [json.dumps({"_id": "10"})], ["1\t10\t1"]))


def test_loader_names_file_and_line_of_bad_qrels_score(tmp_path: Path) -> None:
    doc = json.dumps({"_id": "10", "title": "T", "text": "Body."})
    with pytest.raises(DatasetError, match=r"test\.tsv:3: score 'high'"):
        load_beir_dataset(_write_dataset(tmp_path, [doc], ["1\t10\t1", "1\t10\thigh"]))


def test_loader_rejects_judgments_for_unknown_documents(tmp_path: Path) -> None:
    doc = json.dumps({"_id": "10", "title": "T", "text": "Body."})
    with pytest.raises(DatasetError, match="not in corpus.jsonl"):
        load_beir_dataset(_write_dataset(tmp_path, [doc], ["1\t99\t1"]))


def test_scifact_test_split_has_the_published_counts() -> None:
    data = load_beir_dataset(SCIFACT)
    assert (len(data.corpus), len(data.queries), sum(len(d) for d in data.qrels.values())) == (5183, 300, 339)
