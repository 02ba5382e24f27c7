"""Stored embeddings: the vector index is rebuilt from these rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, delete, func, select

from paperboy.store.schema import embedding


def text_hashes(conn: Connection, model: str, paper_ids: Sequence[int]) -> dict[int, str]:
    """The text hash of each paper's stored embedding for model, where there is one."""
    found: dict[int, str] = {}
    for start in range(0, len(paper_ids), 500):
        chunk = list(paper_ids[start : start + 500])
        rows = conn.execute(
            select(embedding.c.paper_id, embedding.c.text_hash).where(
                embedding.c.model == model, embedding.c.paper_id.in_(chunk)
            )
        )
        found.update({paper_id: text_hash for paper_id, text_hash in rows})
    return found


def save_embeddings(
    conn: Connection,
    model: str,
    rows: Iterable[tuple[int, str, np.ndarray]],
    now: datetime,
) -> None:
    """Write (paper id, text hash, vector) rows for model, replacing older ones."""
    rows = list(rows)
    if not rows:
        return
    ids = [paper_id for paper_id, _, _ in rows]
    conn.execute(delete(embedding).where(embedding.c.model == model, embedding.c.paper_id.in_(ids)))
    conn.execute(
        embedding.insert(),
        [
            {
                "paper_id": paper_id,
                "model": model,
                "dim": int(vector.shape[0]),
                "vector": np.asarray(vector, dtype="<f4").tobytes(),
                "text_hash": text_hash,
                "created_at": now,
            }
            for paper_id, text_hash, vector in rows
        ],
    )


def load_vectors(conn: Connection, model: str, paper_ids: Sequence[int]) -> dict[int, np.ndarray]:
    found: dict[int, np.ndarray] = {}
    for start in range(0, len(paper_ids), 500):
        chunk = list(paper_ids[start : start + 500])
        rows = conn.execute(
            select(embedding.c.paper_id, embedding.c.vector).where(
                embedding.c.model == model, embedding.c.paper_id.in_(chunk)
            )
        )
        found.update({pid: np.frombuffer(blob, dtype="<f4") for pid, blob in rows})
    return found


def count_embeddings(conn: Connection, model: str) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(embedding).where(embedding.c.model == model)
        ).scalar_one()
    )
