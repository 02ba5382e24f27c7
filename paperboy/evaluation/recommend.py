"""The "for you" evaluation: Paperboy's ranker against three baselines on the same readers.

- paperboy: paperboy.rank.for_you.rank_for_reader, the code the for-you service runs;
- svm-tfidf: arxiv-sanity-lite's method, tf-idf of title and abstract (1-2-grams) and a
  LinearSVC per reader (C=0.01, balanced classes), library positive, candidates negative;
- embedding-similarity: zotero-arxiv-daily's rerank, cosine of each candidate to every
  library paper weighted 1/(1+log10(i+1)) by recency (i = 0 for the newest), normalised;
- newest: the latest listing first.

Each metric is computed per reader (nDCG@20, recall@50, MRR over the whole ranking) and
averaged; intervals are a percentile bootstrap over readers, the same resampled readers
for every method, so the ratio's interval reflects paired differences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.svm import LinearSVC

from paperboy.evaluation.metrics import mrr_at_k, ndcg_at_k, recall_at_k
from paperboy.evaluation.recommend_data import EvaluationSet, Reader
from paperboy.rank.for_you import (
    DEFAULT_WEIGHTS,
    FeatureSpace,
    Weights,
    rank_for_reader,
    recency_weights,
    tfidf_vectorizer,
)

METHODS = ("paperboy", "svm-tfidf", "embedding-similarity", "newest")
METRICS = ("ndcg@20", "recall@50", "mrr")
BOOTSTRAP_SAMPLES = 2000

Ranker = Callable[[FeatureSpace, Reader, Sequence[str]], list[str]]


def per_reader_metrics(ranked: Sequence[str], relevant: frozenset[str] | set[str]) -> dict[str, float]:
    """The three metrics for one reader's ranking (pytrec_eval definitions, binary relevance)."""
    run = {"r": list(ranked)}
    qrels = {"r": {doc: 1 for doc in relevant}}
    return {
        "ndcg@20": ndcg_at_k(run, qrels, 20),
        "recall@50": recall_at_k(run, qrels, 50),
        "mrr": mrr_at_k(run, qrels, len(ranked)),
    }


def paperboy_ranking(
    space: FeatureSpace, reader: Reader, candidates: Sequence[str], weights: Weights = DEFAULT_WEIGHTS
) -> list[str]:
    newest_first = list(reversed(reader.library))
    return rank_for_reader(space, newest_first, candidates, weights=weights).candidates


def svm_tfidf_ranking(space: FeatureSpace, reader: Reader, candidates: Sequence[str]) -> list[str]:
    """arxiv-sanity-lite: LinearSVC(C=0.01, balanced) on tf-idf, library vs candidates.

    space is read with arxiv-sanity's own vocabulary (arxiv_sanity_space), not the ranker's.
    """
    library_rows = space.rows(reader.library)
    candidate_rows = space.rows(candidates)
    train = np.concatenate([library_rows, candidate_rows])
    labels = np.concatenate([np.ones(len(library_rows)), np.zeros(len(candidate_rows))])
    model = LinearSVC(class_weight="balanced", C=0.01, tol=1e-6, max_iter=1000)
    model.fit(space.tfidf[train], labels)
    scores = model.decision_function(space.tfidf[candidate_rows])
    return _by_score(candidates, scores)


def embedding_similarity_ranking(space: FeatureSpace, reader: Reader, candidates: Sequence[str]) -> list[str]:
    """zotero-arxiv-daily: recency-weighted mean cosine to the library (newest weighs most)."""
    library_rows = space.rows(list(reversed(reader.library)))
    sims = space.vectors[space.rows(candidates)] @ space.vectors[library_rows].T
    return _by_score(candidates, sims @ recency_weights(len(library_rows)))


def newest_ranking(space: FeatureSpace, reader: Reader, candidates: Sequence[str]) -> list[str]:
    """Latest listing day first; within a day the higher arXiv id (submitted later) first."""
    return sorted(candidates, key=lambda c: (space.papers[space.row[c]].day, c), reverse=True)


def _by_score(candidates: Sequence[str], scores: np.ndarray) -> list[str]:
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i]))
    return [candidates[i] for i in order]


RANKERS: dict[str, Ranker] = {
    "paperboy": paperboy_ranking,
    "svm-tfidf": svm_tfidf_ranking,
    "embedding-similarity": embedding_similarity_ranking,
    "newest": newest_ranking,
}


@dataclass
class MethodResult:
    per_reader: dict[str, np.ndarray]  # metric -> value per reader, in reader order

    def means(self) -> dict[str, float]:
        return {m: float(v.mean()) for m, v in self.per_reader.items()}


def evaluate(
    evaluation: EvaluationSet,
    space: FeatureSpace,
    methods: Sequence[str] = METHODS,
    progress: Callable[[int], None] | None = None,
    rankers: dict[str, Ranker] | None = None,
    baseline_space: FeatureSpace | None = None,
) -> dict[str, MethodResult]:
    """Every method's per-reader metrics on the evaluation set (progress called per reader).

    svm-tfidf ranks on baseline_space (arxiv-sanity's vocabulary) when given, else on space.
    """
    chosen = {**RANKERS, **(rankers or {})}
    spaces = {"svm-tfidf": baseline_space or space}
    values: dict[str, dict[str, list[float]]] = {m: {k: [] for k in METRICS} for m in methods}
    for reader in evaluation.readers:
        for method in methods:
            ranked = chosen[method](spaces.get(method, space), reader, evaluation.candidates)
            for metric, value in per_reader_metrics(ranked, reader.relevant).items():
                values[method][metric].append(value)
        if progress:
            progress(1)
    return {m: MethodResult({k: np.array(v) for k, v in per.items()}) for m, per in values.items()}


def bootstrap_samples(readers: int, samples: int = BOOTSTRAP_SAMPLES, seed: int = 13) -> np.ndarray:
    """Reader indices drawn with replacement, one row per bootstrap sample."""
    return np.random.default_rng(seed).integers(0, readers, size=(samples, readers))


def interval(values: np.ndarray, draws: np.ndarray) -> tuple[float, float]:
    """95% percentile interval of the mean of values over the bootstrap draws."""
    means = values[draws].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def ratio_interval(ours: np.ndarray, theirs: np.ndarray, draws: np.ndarray) -> tuple[float, float]:
    """95% interval of mean(ours) / mean(theirs), resampling the same readers for both."""
    ratios = ours[draws].mean(axis=1) / np.maximum(theirs[draws].mean(axis=1), 1e-12)
    return float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))


def summary(evaluation: EvaluationSet, results: dict[str, MethodResult]) -> dict[str, object]:
    """The JSON object `paperboy recommend eval --json` prints."""
    draws = bootstrap_samples(len(evaluation.readers))
    out: dict[str, object] = {
        "cut": evaluation.cut.isoformat(),
        "readers": len(evaluation.readers),
        "eligible_readers": evaluation.eligible_readers,
        "candidates": len(evaluation.candidates),
        "library_papers": sum(len(r.library) for r in evaluation.readers),
        "relevant_per_reader": float(np.mean([len(r.relevant) for r in evaluation.readers]))
        if evaluation.readers
        else 0.0,
    }
    for method, result in results.items():
        entry: dict[str, object] = dict(result.means())
        entry["ci95"] = {m: list(interval(v, draws)) for m, v in result.per_reader.items()}
        out[method] = entry
    baselines = [m for m in ("svm-tfidf", "embedding-similarity") if m in results]
    if "paperboy" in results and baselines:
        best = max(baselines, key=lambda m: results[m].means()["ndcg@20"])
        ours = results["paperboy"].per_reader["ndcg@20"]
        theirs = results[best].per_reader["ndcg@20"]
        out["paperboy_vs_best_baseline"] = {
            "baseline": best,
            "metric": "ndcg@20",
            "ratio": float(ours.mean() / max(theirs.mean(), 1e-12)),
            "ci95": list(ratio_interval(ours, theirs, draws)),
        }
    return out


def feature_space(
    evaluation: EvaluationSet,
    vectors_for: Callable[[Sequence[str]], np.ndarray],
) -> FeatureSpace:
    """The evaluation's papers with their embeddings (from vectors_for, given texts) and tf-idf.

    The tf-idf vocabulary is fitted on these papers, libraries and candidates together,
    as arxiv-sanity fits it on every paper it holds.
    """
    papers = list(evaluation.papers.values())
    return FeatureSpace(papers, vectors_for([p.text for p in papers]))


def arxiv_sanity_space(space: FeatureSpace) -> FeatureSpace:
    """The same papers and vectors read with arxiv-sanity-lite's vocabulary (its 20,000 most
    frequent terms in 5 papers or more), fitted on the same texts: the svm-tfidf baseline's."""
    texts = [p.text for p in space.papers]
    # A small set (tests) has too few papers for its cut-offs, as in words_vectorizer.
    vectorizer = tfidf_vectorizer() if len(texts) >= 2000 else tfidf_vectorizer(min_df=1, max_df=1.0)
    vectorizer.fit(texts)
    return FeatureSpace(space.papers, space.vectors, vectorizer=vectorizer)
