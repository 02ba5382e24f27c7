"""Retrieval-quality evaluation: BEIR-layout datasets and TREC/BEIR ranking metrics."""

from paperboy.evaluation.metrics import (
    BeirDataset,
    DatasetError,
    Document,
    load_beir_dataset,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
)

__all__ = [
    "BeirDataset",
    "DatasetError",
    "Document",
    "load_beir_dataset",
    "mrr_at_k",
    "ndcg_at_k",
    "recall_at_k",
]
