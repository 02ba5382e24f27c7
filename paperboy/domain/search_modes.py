"""How a search ranks: by keywords (BM25), by meaning (embeddings), or both fused."""

from __future__ import annotations

from typing import Literal

Mode = Literal["hybrid", "keyword", "semantic"]
# Hybrid first: it is the default wherever a mode can be chosen.
MODES: tuple[Mode, ...] = ("hybrid", "keyword", "semantic")
# The modes that rank by meaning, and so need a paper's embedding to find it.
MEANING_MODES: tuple[Mode, ...] = ("hybrid", "semantic")
