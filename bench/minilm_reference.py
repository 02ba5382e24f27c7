"""Reference vectors of all-MiniLM-L6-v2 from sentence-transformers, for the ONNX equality test.

    pip install -e '.[bench]'        # torch, transformers, sentence-transformers
    python bench/minilm_reference.py  # writes tests/fixtures/minilm_reference.npz

Run once, when the model package or the texts change: the fixture holds the texts and
the vectors sentence-transformers' ``encode`` gives them (float32, normalised), so
tests/test_bert_graph.py can check the torch-free ONNX graph against PyTorch on a
machine that has no torch. Prints the cosine of the graph's vectors to these, per text.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from paperboy.embed import load_embedder  # noqa: E402  (imports onnxruntime first)
from paperboy.embed.packaged_model import force_offline, minilm_model_dir  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "minilm_reference.npz"
# Short and long, scientific and not, accents, symbols, digits, an empty text, and one
# longer than the model's 256-token limit (so truncation is compared too).
TEXTS = [
    "Processing-in-memory accelerators speed up large language model decoding.",
    "A near-memory computing architecture for transformer inference.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "Vitamin D supplementation reduces the risk of fractures in elderly women.",
    "short",
    "",
    "Étude de la résistance aux antibiotiques chez Escherichia coli, naïve et mutée.",
    "We prove that every planar graph is 4-colourable, for n >= 3 and O(n^2) time.",
    "BRCA1 mutations increase breast-cancer risk; p53 (TP53) loss accelerates tumours.",
    "Dark matter halos around dwarf galaxies: constraints from Gaia DR3 kinematics.",
    "Ein neuronales Netz übersetzt Sätze ins Englische.",
    "Graph neural networks for molecule property prediction, with 3-D coordinates!",
    "COVID-19 vaccine efficacy was 94.1% (95% CI 89.3-96.8) after the second dose.",
    "Reinforcement learning from human feedback aligns chat models with user intent.",
    "The quick brown fox jumps over the lazy dog " * 3,
    " ".join(
        f"Sentence {i} of a long abstract about protein folding, energy landscapes and kinetics."
        for i in range(40)
    ),
]


def main() -> None:
    force_offline()  # before the import: huggingface_hub reads it at import time
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        sys.exit("this needs the benchmark extra: pip install -e '.[bench]' (torch, sentence-transformers)")
    model = SentenceTransformer(str(minilm_model_dir()), device="cpu", local_files_only=True)
    vectors = model.encode(TEXTS, convert_to_numpy=True, normalize_embeddings=True).astype(np.float32)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(FIXTURE, texts=np.array(TEXTS), vectors=vectors)
    print(f"wrote {FIXTURE.relative_to(ROOT)}: {vectors.shape}, {FIXTURE.stat().st_size} bytes")

    cache = ROOT / "bench" / "out" / "models"
    for name in ("minilm-onnx", "minilm-onnx-int8"):
        cosines = (load_embedder(name, cache).embed(TEXTS) * vectors).sum(axis=1)
        print(f"{name}: cosine to sentence-transformers min {cosines.min():.6f} mean {cosines.mean():.6f}")


if __name__ == "__main__":
    main()
