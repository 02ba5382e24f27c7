"""search, similar, index update|rebuild|status, eval."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperboy.cli import context
from paperboy.cli.output import print_json, progress_bar
from paperboy.config import Settings
from paperboy.domain.text import clip
from paperboy.store import Database

if TYPE_CHECKING:  # imported where used, so `paperboy --help` stays quick
    from paperboy.services.finding.indexing import IndexStatus
    from paperboy.services.finding.search import SearchHit


def register(commands: Any) -> None:
    search = commands.add_parser("search", help="find papers by meaning or by words")
    search.add_argument(
        "query", help='words, "exact phrases", author:NAME, cat:cs.LG, after:DATE, before:DATE'
    )
    search.add_argument("--mode", choices=["hybrid", "keyword", "semantic"], default="hybrid")
    search.add_argument("--limit", type=int, default=10, help="results per page (1-100)")
    search.add_argument("--page", type=int, default=1)
    search.add_argument("--json", action="store_true", help="print the ranked papers as JSON")
    search.set_defaults(handler=run_search)

    similar = commands.add_parser("similar", help="papers like the given one")
    similar.add_argument("id", help="arXiv id (any form) or paper key")
    similar.add_argument("--limit", type=int, default=10)
    similar.add_argument("--json", action="store_true")
    similar.set_defaults(handler=run_similar)

    index = commands.add_parser("index", help="the keyword and vector indexes derived from the store")
    actions = index.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, handler, text in (
        ("update", run_index_update, "index what changed since the last update"),
        ("rebuild", run_index_rebuild, "empty both indexes and index the whole store again"),
        ("status", run_index_status, "how far behind the store each index is"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--json", action="store_true")
        action.set_defaults(handler=handler)
        if name == "update":
            action.add_argument(
                "--keyword-only",
                action="store_true",
                help="catch up the keyword index only, leaving the embeddings for a later update",
            )

    evaluate = commands.add_parser("eval", help="nDCG@10, recall@100, MRR@10 of each mode on a BEIR dataset")
    evaluate.add_argument(
        "dataset", type=Path, help="folder with corpus.jsonl, queries.jsonl, qrels/test.tsv"
    )
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(handler=run_eval)


def update_indexes(db: Database, config: Settings, *, vectors: bool = True) -> IndexStatus:
    """Catch the indexes up (or the keyword index alone) under terminal progress bars."""
    from paperboy.services.finding.indexing import Indexer

    return Indexer(db, config).catch_up_with_bars(
        lambda label, total: progress_bar(label, total, unit="paper"), vectors=vectors
    )


def run_index_update(args: argparse.Namespace) -> int:
    config = context.settings()
    status = update_indexes(context.database(config), config, vectors=not args.keyword_only)
    _print_status(status, args.json)
    return 0


def run_index_rebuild(args: argparse.Namespace) -> int:
    from paperboy.services.finding.indexing import Indexer

    config = context.settings()
    db = context.database(config)
    indexer = Indexer(db, config)
    with (
        progress_bar("rebuilding keyword index", None, unit="paper") as keyword_advance,
        progress_bar("rebuilding vector index", None, unit="paper") as vector_advance,
    ):
        status = indexer.rebuild(keyword_advance, vector_advance)
    _print_status(status, args.json)
    return 0


def run_index_status(args: argparse.Namespace) -> int:
    from paperboy.services.finding.indexing import index_status

    config = context.settings()
    _print_status(index_status(context.database(config), config), args.json)
    return 0


def _print_status(status: IndexStatus, as_json: bool) -> None:
    if as_json:
        print_json(status.as_dict())
        return
    print(f"store     {status.papers:,} papers, revision {status.store_revision}")
    print(f"keyword   {status.keyword_documents:,} documents, {status.keyword_behind:,} changes behind")
    print(f"vectors   {status.vectors:,} vectors ({status.model}), {status.vector_behind:,} changes behind")
    print("up to date" if status.up_to_date else "behind: run `paperboy index update`")


def run_search(args: argparse.Namespace) -> int:
    from paperboy.services.finding.search import SearchService

    config = context.settings()
    service = SearchService(context.database(config), config)
    results = service.search(args.query, mode=args.mode, page=args.page, per_page=args.limit)
    if args.json:
        print_json(
            {
                "query": results.query,
                "mode": results.mode,
                "total": results.total,
                "total_is_lower_bound": results.total_is_lower_bound,
                "keyword_total": results.keyword_total,
                "count_text": results.count_text,
                "suggestions": [
                    {"query": s.query, "reason": s.reason, "total": s.total} for s in results.suggestions
                ],
                "page": results.page,
                "took_ms": round(results.took_ms, 1),
                "notice": results.notice,
                "results": [_hit_json(h) for h in results.hits],
            }
        )
        return 0
    if results.notice:
        print(f"note: {results.notice}")
    if not results.hits:
        print("nothing matched" if results.total == 0 else "no papers on this page")
        for suggestion in results.suggestions:
            noun = "paper" if suggestion.total == 1 else "papers"
            print(f"  try: {suggestion.query}  ({suggestion.reason}: {suggestion.total:,} {noun})")
        return 0
    first = (results.page - 1) * results.per_page
    for rank, hit in enumerate(results.hits, start=first + 1):
        _print_hit(rank, hit)
    print(f"{results.count_text}, page {results.page} of {results.pages} ({results.took_ms:.0f} ms)")
    return 0


def run_similar(args: argparse.Namespace) -> int:
    from paperboy.services.catalogue import find_paper
    from paperboy.services.finding.search import SearchService

    config = context.settings()
    db = context.database(config)
    paper = find_paper(db, args.id)
    if paper is None:
        print(f"no paper {args.id!r} in the store")
        return 1
    hits = SearchService(db, config).similar(paper, limit=args.limit)
    if args.json:
        print_json({"id": paper.key, "results": [_hit_json(h) for h in hits]})
        return 0
    for rank, hit in enumerate(hits, start=1):
        _print_hit(rank, hit)
    return 0


def run_eval(args: argparse.Namespace) -> int:
    from paperboy.services.finding.evaluation import evaluate_dataset

    config = context.settings()

    def bars(label: str, total: int) -> Any:
        return progress_bar(label, total)

    result = evaluate_dataset(args.dataset, config, progress=bars)
    if args.json:
        print_json({**result.scores, "failures": result.failures})
        return 0
    print(f"{'mode':<10} {'nDCG@10':>8} {'recall@100':>11} {'MRR@10':>8}")
    for mode, metrics in result.scores.items():
        print(
            f"{mode:<10} {metrics['ndcg@10']:>8.3f} {metrics['recall@100']:>11.3f} {metrics['mrr@10']:>8.3f}"
        )
    if result.failures:
        print(f"\n{len(result.failures)} query runs failed and scored zero:")
        for name, reason in result.failures.items():
            print(f"  {name}: {reason}")
    return 0


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    p = hit.paper
    return {
        "id": hit.key,
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "authors": [a.name for a in p.authors],
        "categories": list(p.categories),
        "published": p.published,
        "score": round(hit.score, 4),
        "snippet": hit.snippet.text,
    }


def _print_hit(rank: int, hit: SearchHit) -> None:
    p = hit.paper
    authors = ", ".join(a.name for a in p.authors[:4]) + (" et al." if len(p.authors) > 4 else "")
    day = p.published.date().isoformat() if p.published else ""
    print(f"{rank:>3}. {p.title}")
    # The arXiv id people cite (with its version when known), not the store's key.
    shown = f"arXiv:{p.arxiv_id}" + (f"v{p.version}" if p.version else "") if p.arxiv_id else hit.key
    print(f"     {shown}  {' '.join(p.categories[:3])}  {day}  {authors}")
    print(f"     {clip(hit.snippet.text, 200, at_word=True)}")
    print()
