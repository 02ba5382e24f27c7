"""A day's list that looks like a real one, written for the tests (not real papers).

Papers with several authors, several categories each, LaTeX in titles and abstracts, a
GitHub link in the abstract (and the code URL set, as ingest will extract it), arXiv
comments, and papers without an arXiv id. They go on the feed through the ordinary
ingest path with feed entries; votes and comments go through the community services.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from community_fixtures import member

from paperboy.domain import Author, FeedEntry, Paper, SourceRecord
from paperboy.services.community.comments import add_comment
from paperboy.services.community.votes import toggle_vote
from paperboy.services.gathering.ingest import ingest_items
from paperboy.store import Database

DAY = date(2026, 3, 10)
IP = "198.51.100.40"

# (title, abstract opening, categories, code URL or None, arXiv comments)
_PAPERS = [
    (
        r"Sub-quadratic Attention in $\mathcal{O}(n \log n)$ Time via Hierarchical Kernels",
        r"Self-attention costs $\mathcal{O}(n^2)$ in the sequence length $n$. We show that a "
        r"hierarchical kernel decomposition reaches $\mathcal{O}(n \log n)$ with an error below "
        r"$\epsilon = 10^{-3}$ for all $n \leq 2^{20}$. Code: https://github.com/example/hier-attn.",
        ("cs.LG", "cs.CL", "stat.ML"),
        "https://github.com/example/hier-attn",
        "21 pages, 7 figures; accepted at ICML 2026",
    ),
    (
        "Diffusion Transformers for Panoramic Video Generation",
        "We train a diffusion transformer on 4M panoramic clips and generate coherent 360-degree "
        r"video at $2048 \times 1024$ pixels. The model keeps seams consistent by sharing "
        "positional encodings across the wrap-around boundary.",
        ("cs.CV", "cs.GR"),
        "https://github.com/example/pano-dit",
        "Project page and code available",
    ),
    (
        r"Convergence of Adam for $L$-smooth Non-convex Objectives with $\beta_2 \to 1$",
        r"We prove that Adam finds an $\epsilon$-stationary point in $\tilde{O}(\epsilon^{-4})$ "
        r"iterations when $\beta_2 \to 1$ at rate $1 - 1/T$, closing a gap between theory and "
        r"practice. Our bound holds for any $L$-smooth $f: \mathbb{R}^d \to \mathbb{R}$.",
        ("math.OC", "cs.LG", "stat.ML"),
        None,
        "35 pages",
    ),
    (
        "Processing-in-Memory Kernels for Sparse LLM Decoding",
        "Decoding large language models is bound by memory bandwidth. We map sparse attention "
        "onto commodity processing-in-memory DIMMs and cut data movement by 3.8x against a GPU "
        "baseline on 70B-parameter models.",
        ("cs.AR", "cs.DC", "cs.LG"),
        "https://github.com/example/pim-decode",
        None,
    ),
    (
        "A Benchmark of Agentic Coding Assistants on Real Repositories",
        "We collect 2,400 issues from 180 open-source repositories and measure how often coding "
        "agents produce a patch that passes the project's own tests. The best agent resolves "
        "41% of issues; most failures come from misread build systems.",
        ("cs.SE", "cs.AI"),
        "https://github.com/example/agent-bench",
        "Dataset and harness released",
    ),
    (
        r"Quantised Vision-Language Models at $4$ Bits without Calibration Data",
        r"We quantise vision-language models to $4$ bits per weight with no calibration data by "
        r"matching the second moment $\mathbb{E}[x x^\top]$ of each layer's inputs, losing under "
        r"$1\%$ accuracy on six benchmarks.",
        ("cs.CV", "cs.CL", "cs.LG"),
        None,
        None,
    ),
    (
        "Robot Manipulation from a Single Human Video",
        "A robot watches one video of a person folding a towel and reproduces the task. We lift "
        "hand poses into 3D, retarget them to a two-finger gripper and refine the motion with "
        "reinforcement learning in simulation.",
        ("cs.RO", "cs.CV"),
        "https://github.com/example/one-video",
        "Videos on the project page",
    ),
    (
        "Retrieval-Augmented Generation Fails Quietly on Tables",
        "Retrieval-augmented generation systems answer questions about tables far worse than about "
        "prose, and they rarely say so. We measure the gap on four datasets and propose a "
        "row-aware retriever that halves it.",
        ("cs.CL", "cs.IR"),
        None,
        "ACL 2026 Findings",
    ),
]
_AUTHORS = [
    "Mei Tanaka", "Jonas Berg", "Amara Okafor", "Luis Ferreira", "Priya Raman", "Tomasz Nowak",
    "Chen Wei", "Sofia Rossi", "David Levi", "Ingrid Holm", "Kwame Mensah", "Yuki Sato",
]  # fmt: skip
_FILLER = (
    " Experiments on standard benchmarks confirm the analysis, and ablations show which parts "
    "of the method matter. We release everything needed to reproduce the results."
)


def _authors(n: int, start: int) -> tuple[Author, ...]:
    names = [_AUTHORS[(start + k) % len(_AUTHORS)] for k in range(n)]
    return tuple(Author(name, name.split()[-1], name.split()[0]) for name in names)


def realistic_papers(day: date = DAY, count: int = 40) -> list[SourceRecord]:
    """`count` papers on `day`'s list: the eight written above, then numbered variations."""
    records = []
    for n in range(count):
        title, opening, categories, code, comments = _PAPERS[n % len(_PAPERS)]
        if n >= len(_PAPERS):
            title = f"{title} (Part {n // len(_PAPERS) + 1})"
        paper = Paper(
            title=title,
            abstract=opening + _FILLER,
            source="arxiv",
            arxiv_id=f"{day:%y%m}.{10000 + n:05d}",
            version=1,
            authors=_authors(3 + n % 9, n),
            categories=categories,
            published=datetime.combine(day - timedelta(days=1), datetime.min.time()) + timedelta(minutes=n),
            comments=comments,
            code_url=code,
        )
        records.append(SourceRecord(paper, f"fixture:{n}", FeedEntry(day, "arxiv")))
    return records


def saved_page_paper(day: date = DAY) -> SourceRecord:
    """A paper known only from a saved Daily Papers page: no arXiv id, no date."""
    paper = Paper(
        title="Hybrid Memory Systems for Serving Mixture-of-Experts Models",
        abstract="Serving mixture-of-experts models needs more memory than one accelerator has.",
        source="page",
        authors=(Author("Rosa Delgado", "Delgado", "Rosa"), Author("Ken Ito", "Ito", "Ken")),
    )
    return SourceRecord(paper, "fixture:page", FeedEntry(day, "page", submitted_by="reading-group"))


def fill_realistic_day(db: Database, day: date = DAY, count: int = 40, votes: bool = True) -> list[str]:
    """Put the papers on day's list; with votes, upvote and discuss a few. Returns the keys."""
    records = realistic_papers(day, count)
    ingest_items(db, [*records, saved_page_paper(day)], kind="test")
    keys = [r.paper.arxiv_id or "" for r in records]
    if votes:
        now = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
        readers = [member(db, f"reader{n}@example.org", f"Reader {n}") for n in range(4)]
        for n, reader in enumerate(readers):
            for key in keys[: 4 - n]:
                toggle_vote(db, reader, key, IP, now)
        add_comment(
            db, readers[0], keys[2], r"Is the $\beta_2 \to 1$ schedule needed in practice?", IP, now=now
        )
        add_comment(db, readers[1], keys[2], "The appendix has an ablation on this.", IP, now=now)
        add_comment(db, readers[2], keys[5], "Does this hold for video models too?", IP, now=now)
    return keys
