"""Topics of a set of papers: k-means over their embeddings, each cluster labelled by its
most distinctive phrases (class-based tf-idf over the key-phrase candidates), and a 2D
layout for drawing them. Pure: arrays and strings in, arrays and strings out; the choices
(k, the layout) were measured on real papers (docs/insight.md, bench/topic_map.py)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperboy.domain.keyphrases import overlaps, paper_phrases

MAX_TOPICS = 40
MIN_TOPIC_PAPERS = 2  # a phrase labels a topic only if this many of its papers have it
LABEL_PHRASES = 3
# Longer phrases name a topic better than single words of the same weight ("tool use" over "tool").
WORD_BONUS = 0.6


def topic_count(papers: int) -> int:
    """How many topics for this many papers: about sqrt(n / 2), at least 1, at most MAX_TOPICS.
    (1,000 papers give 22 topics of ~45 papers: small enough to read as one subject.)"""
    if papers < 4:
        return 1
    return max(2, min(MAX_TOPICS, round(math.sqrt(papers / 2))))


@dataclass(frozen=True)
class Clustering:
    assignments: np.ndarray  # topic number per paper, 0 = the largest topic
    centroids: np.ndarray  # one unit vector per topic


def cluster(vectors: np.ndarray, k: int, seed: int = 0) -> Clustering:
    """k-means on unit vectors (so Euclidean distance orders like cosine), topics
    renumbered largest first so the numbers read as an order and change little between runs."""
    from sklearn.cluster import KMeans  # imported here: only map building needs scikit-learn

    vectors = _unit(vectors)
    k = max(1, min(k, len(vectors)))
    if k == 1:
        return Clustering(np.zeros(len(vectors), dtype=np.int64), _unit(vectors.mean(axis=0, keepdims=True)))
    model = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(vectors)
    raw = np.asarray(model.labels_, dtype=np.int64)
    sizes = np.bincount(raw, minlength=k)
    order = np.argsort(-sizes, kind="stable")  # old number of the new topic i
    renumber = np.empty(k, dtype=np.int64)
    renumber[order] = np.arange(k)
    return Clustering(renumber[raw], _unit(model.cluster_centers_[order]))


def topic_labels(
    texts: Sequence[tuple[str, str]], assignments: np.ndarray, limit: int = LABEL_PHRASES
) -> list[list[str]]:
    """Per topic, the phrases most particular to its papers: the share of its papers that
    have the phrase times log(all papers / papers that have it), longer phrases a little
    ahead, none inside another chosen one. texts are (title, abstract) per paper."""
    topics = int(assignments.max()) + 1 if len(assignments) else 0
    per_topic: list[Counter[str]] = [Counter() for _ in range(topics)]
    overall: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for (title, abstract), topic in zip(texts, assignments.tolist(), strict=True):
        counts, shown = paper_phrases(title, abstract)
        per_topic[topic].update(counts.keys())
        overall.update(counts.keys())
        for phrase, form in shown.items():
            if form != phrase:  # only a few keep capitals; the rest are shown as they are
                forms.setdefault(phrase, Counter())[form] += 1
    sizes = np.bincount(assignments, minlength=topics) if topics else np.zeros(0, dtype=np.int64)
    total = len(texts)
    labels: list[list[str]] = []
    for topic, counts in enumerate(per_topic):
        scored = []
        least = min(MIN_TOPIC_PAPERS, int(sizes[topic]))
        for phrase, have in counts.items():
            if have < least:
                continue
            words = phrase.count(" ") + 1
            score = have / sizes[topic] * math.log(total / overall[phrase]) * (1 + WORD_BONUS * (words - 1))
            scored.append((score, phrase))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        chosen: list[str] = []
        for score, phrase in scored:
            if score <= 0:
                break
            if any(overlaps(_singular(phrase), _singular(other)) for other in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) == limit:
                break
        labels.append([_shown(p, forms.get(p), overall[p]) for p in chosen])
    return labels


def _shown(phrase: str, forms: Counter[str] | None, papers: int) -> str:
    """The capitalised form most papers with the phrase write ("LLMs"), else lowercase."""
    if forms:
        form, count = forms.most_common(1)[0]
        if 2 * count >= papers:
            return form
    return phrase


def _singular(phrase: str) -> str:
    """A phrase with plural-looking words made singular and hyphens as spaces, so "agent"
    and "agents", "time series" and "time-series" count as one label."""
    words = phrase.replace("-", " ").split()
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def pca_layout(vectors: np.ndarray) -> np.ndarray:
    """The two principal components: the baseline layout."""
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return np.asarray(centred @ vt[:2].T)


def topic_layout(vectors: np.ndarray, clustering: Clustering, spread: float = 0.45) -> np.ndarray:
    """A layout that keeps topics apart and neighbours together, cheaply: the topics'
    centroids placed by classical MDS of their cosine distances, each paper near its
    topic's place, offset by its own position in the topic's two principal directions,
    scaled so a topic's cloud fills about `spread` of the gap to its nearest neighbour."""
    vectors = _unit(vectors)
    k = len(clustering.centroids)
    centres = _separate(_classical_mds(clustering.centroids)) if k > 2 else _line(k)
    if k > 1:
        gaps = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
        np.fill_diagonal(gaps, np.inf)
        nearest = gaps.min(axis=1)
    else:
        nearest = np.ones(1)
    layout = np.zeros((len(vectors), 2))
    for topic in range(k):
        members = np.flatnonzero(clustering.assignments == topic)
        if len(members) == 0:
            continue
        local = vectors[members] - vectors[members].mean(axis=0)
        if len(members) > 2:
            _, _, vt = np.linalg.svd(local, full_matrices=False)
            offsets = local @ vt[:2].T
        else:
            offsets = np.zeros((len(members), 2))
        radius = float(np.max(np.linalg.norm(offsets, axis=1))) if len(members) else 0.0
        scale = spread * float(nearest[topic]) / radius if radius > 0 else 0.0
        layout[members] = centres[topic] + offsets * scale
    return layout


def fit_box(points: np.ndarray, width: float, height: float, margin: float) -> np.ndarray:
    """Points scaled (one factor for both axes, so distances keep their meaning) and moved
    into a width x height box with `margin` around them."""
    if len(points) == 0:
        return points
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    factor = min((width - 2 * margin) / span[0], (height - 2 * margin) / span[1])
    placed = (points - low) * factor
    offset = (np.array([width, height]) - (high - low) * factor) / 2
    return np.asarray(placed + offset)


def _classical_mds(centroids: np.ndarray) -> np.ndarray:
    distances = 1.0 - np.clip(centroids @ centroids.T, -1.0, 1.0)
    squared = distances**2
    n = len(centroids)
    centring = np.eye(n) - np.full((n, n), 1.0 / n)
    gram = -0.5 * centring @ squared @ centring
    values, vectors = np.linalg.eigh(gram)
    top = np.argsort(values)[::-1][:2]
    return np.asarray(vectors[:, top] * np.sqrt(np.maximum(values[top], 1e-12)))


def _separate(centres: np.ndarray, rounds: int = 60) -> np.ndarray:
    """Centres pushed apart until none is nearer another than the room an even spread would
    give each (so clouds and labels do not pile up where MDS crowds similar topics), keeping
    their arrangement: near topics stay neighbours, only the crowding goes."""
    low, high = centres.min(axis=0), centres.max(axis=0)
    placed = (centres - low) / np.where(high - low > 0, high - low, 1.0)
    least = 0.8 / math.sqrt(len(placed))
    for _ in range(rounds):
        gaps = placed[:, None, :] - placed[None, :, :]
        distance = np.linalg.norm(gaps, axis=2)
        np.fill_diagonal(distance, np.inf)
        short = distance < least
        if not short.any():
            break
        push = np.where(short, (least - np.minimum(distance, least)) / np.maximum(distance, 1e-9) / 2, 0.0)
        placed = placed + (gaps * push[:, :, None]).sum(axis=1)
    return np.asarray(placed)


def _line(k: int) -> np.ndarray:
    return np.column_stack([np.arange(k, dtype=float), np.zeros(k)])


def _unit(vectors: np.ndarray) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms > 0, norms, 1.0)
