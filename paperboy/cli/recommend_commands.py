"""paperboy recommend eval: the "for you" ranker against arxiv-sanity, zotero-arxiv-daily and newest."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from paperboy.cli import context
from paperboy.cli.output import print_json, progress_bar

DEFAULT_CUT = date(2026, 1, 1)
DEFAULT_HELD_OUT = date(2026, 4, 1)


def _day(text: str) -> date | None:
    if text.lower() == "none":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-01") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def register(commands: Any) -> None:
    recommend = commands.add_parser("recommend", help="the 'for you' recommendations")
    actions = recommend.add_subparsers(dest="recommend_command", metavar="ACTION", required=True)
    evaluate = actions.add_parser(
        "eval",
        help="nDCG@20, recall@50, MRR of the for-you ranker and three baselines on arXiv records",
        description="Readers are authors with >= 5 papers before the cut and >= 2 in the 30 days "
        "after; their library is their papers before the cut, the candidates every paper of the "
        "30 days, the relevant ones their own. Rankers see text, categories and dates, never authors.",
    )
    evaluate.add_argument(
        "path", type=Path, help="a metadata-snapshot JSON-lines file (.gz too) or its folder"
    )
    evaluate.add_argument(
        "--cut", type=_day, default=DEFAULT_CUT, help=f"the cut date (default {DEFAULT_CUT})"
    )
    evaluate.add_argument(
        "--held-out", type=_day, default=DEFAULT_HELD_OUT, metavar="DATE",
        help=f"a second cut, not tuned on, reported beside it (default {DEFAULT_HELD_OUT}; 'none' to skip)",
    )  # fmt: skip
    evaluate.add_argument(
        "--max-readers", type=_positive, default=500, help="readers sampled per cut (seeded)"
    )
    evaluate.add_argument("--seed", type=int, default=13, help="the sampling and bootstrap seed")
    evaluate.add_argument(
        "--cache", type=Path, default=Path("bench/out/recommend-vectors"),
        help="folder for cached embeddings (default bench/out/recommend-vectors)",
    )  # fmt: skip
    evaluate.add_argument(
        "--model-dir", type=Path, help="folder of the built embedding model (default: settings)"
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from paperboy.embed import load_embedder
    from paperboy.evaluation.recommend import arxiv_sanity_space, evaluate, feature_space, summary
    from paperboy.evaluation.recommend_data import RecommendDataError, build_evaluation_set, read_records
    from paperboy.evaluation.vector_cache import VectorCache

    config = context.settings()
    model_dir = args.model_dir or config.effective_model_dir
    cache = VectorCache(args.cache, config.embedding_model)
    with progress_bar("reading records", unit="rec") as advance:
        records = []
        for record in read_records(args.path):
            records.append(record)
            if len(records) % 10_000 == 0:
                advance(10_000)
    results = []
    for cut in [c for c in (args.cut, args.held_out) if c is not None]:
        evaluation = build_evaluation_set(records, cut, args.max_readers, args.seed)
        if not evaluation.readers:
            raise RecommendDataError(f"no reader qualifies at the cut {cut}: pick a date inside the records")

        def vectors_for(texts: Any, cut: date = cut) -> Any:
            with progress_bar(f"embedding ({cut})", len(cache.missing(texts)), unit="paper") as advance:
                return cache.vectors(
                    texts, lambda: load_embedder(config.embedding_model, model_dir), progress=advance
                )

        space = feature_space(evaluation, vectors_for)
        with progress_bar(f"ranking ({cut})", len(evaluation.readers), unit="reader") as advance:
            outcome = evaluate(evaluation, space, progress=advance, baseline_space=arxiv_sanity_space(space))
        results.append(summary(evaluation, outcome))
    if args.json:
        report = dict(results[0])
        if len(results) > 1:
            report["held_out"] = results[1]
        print_json(report)
        return 0
    for result in results:
        _print_table(result)
    return 0


def _print_table(result: dict[str, Any]) -> None:
    print(
        f"cut {result['cut']}: {result['readers']:,} readers (of {result['eligible_readers']:,} eligible), "
        f"{result['candidates']:,} candidates, {result['library_papers']:,} library papers, "
        f"{result['relevant_per_reader']:.2f} relevant per reader"
    )
    print(f"  {'method':<22}{'nDCG@20':>20}{'recall@50':>20}{'MRR':>20}")
    for method in ("paperboy", "svm-tfidf", "embedding-similarity", "newest"):
        entry = result[method]
        cells = "".join(
            f"{entry[m]:>8.4f} [{entry['ci95'][m][0]:.3f},{entry['ci95'][m][1]:.3f}]"
            for m in ("ndcg@20", "recall@50", "mrr")
        )
        print(f"  {method:<22}{cells}")
    versus = result.get("paperboy_vs_best_baseline")
    if versus:
        low, high = versus["ci95"]
        print(
            f"  paperboy / {versus['baseline']} on nDCG@20: {versus['ratio']:.2f}x "
            f"(95% bootstrap over readers {low:.2f}-{high:.2f})"
        )
