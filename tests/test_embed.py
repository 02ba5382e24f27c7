"""The embedding models: shape, normalisation, meaning, agreement, and offline loading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from paperboy.embed import DEFAULT_EMBEDDER, EMBEDDERS, Embedder, EmbedderError, load_embedder

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    "Processing-in-memory accelerators speed up large language model decoding.",
    "A near-memory computing architecture for transformer inference.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "Vitamin D supplementation reduces the risk of fractures in elderly women.",
]


@pytest.fixture(scope="session")
def model_cache(model_dir: Path) -> Path:
    return model_dir


@pytest.fixture(scope="session")
def fast(model_cache: Path) -> Embedder:
    return load_embedder(DEFAULT_EMBEDDER, model_cache)


@pytest.fixture(scope="session")
def reference() -> tuple[list[str], np.ndarray]:
    """Texts and the vectors PyTorch (sentence-transformers ``encode``) gave them, made once
    by bench/minilm_reference.py: the baseline, without torch installed."""
    with np.load(ROOT / "tests" / "fixtures" / "minilm_reference.npz", allow_pickle=False) as data:
        return [str(text) for text in data["texts"]], data["vectors"]


def test_embeddings_have_model_dimension_and_unit_length(fast: Embedder) -> None:
    vectors = fast.embed(SENTENCES)
    assert vectors.shape == (len(SENTENCES), fast.dim) == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_query_embedding_is_one_unit_vector(fast: Embedder) -> None:
    query = fast.embed_query("memory-efficient LLM serving")
    assert query.shape == (fast.dim,)
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-5)


def test_empty_input_gives_empty_matrix(fast: Embedder) -> None:
    assert fast.embed([]).shape == (0, fast.dim)


def test_similar_texts_score_higher_than_unrelated(
    fast: Embedder, reference: tuple[list[str], np.ndarray]
) -> None:
    # The fixture's first texts are SENTENCES; its vectors are the PyTorch model's.
    assert reference[0][: len(SENTENCES)] == SENTENCES
    for name, v in (("fast", fast.embed(SENTENCES)), ("pytorch", reference[1])):
        related, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
        assert related > unrelated + 0.2, name


def test_rows_follow_input_order_despite_length_sorting(fast: Embedder) -> None:
    # The fast path batches by length; shortest-first order must not leak into the output.
    texts = ["a much longer sentence about memory bandwidth in accelerators", "short", "medium length text"]
    together = fast.embed(texts)
    one_by_one = np.stack([fast.embed_query(t) for t in texts])
    # Not bit-identical: int8 activation scales are computed per batch, padding included.
    # How far apart depends on the CPU: 0.99 with AVX-512 VNNI, 0.976 for "short" on an
    # AVX2-only AMD EPYC (onnxruntime's u8s8 kernel there saturates its 16-bit sums).
    cosines = together @ one_by_one.T
    assert (cosines.argmax(axis=1) == np.arange(len(texts))).all()
    assert np.diag(cosines).min() > 0.97, np.diag(cosines)


def test_fast_path_agrees_with_baseline(fast: Embedder, reference: tuple[list[str], np.ndarray]) -> None:
    # Measured on these sentences: cosine about 0.99 (int8 per-channel weights, 128 tokens).
    cosines = (fast.embed(SENTENCES) * reference[1][: len(SENTENCES)]).sum(axis=1)
    assert cosines.min() > 0.98, cosines


def test_progress_is_told_about_every_text(fast: Embedder) -> None:
    texts = [f"sentence number {i}" for i in range(70)]
    seen: list[int] = []
    fast.embed(texts, progress=seen.append)
    assert sum(seen) == len(texts)


def test_unknown_model_name_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError) as error:
        load_embedder("gpt-embedder-9000", tmp_path)
    message = str(error.value)
    assert "gpt-embedder-9000" in message
    assert all(name in message for name in EMBEDDERS)


def test_models_load_and_embed_with_the_network_cut_off(model_cache: Path, fast: Embedder) -> None:
    # A fresh process with hub access off and every proxy pointing at a closed port:
    # any attempt to reach a hub would fail or hang instead of silently downloading.
    # torch and the Hugging Face libraries are made unimportable: serving needs none of them.
    script = (
        "import sys; [sys.modules.__setitem__(m, None)"
        " for m in ('torch', 'transformers', 'sentence_transformers')];"
        "from pathlib import Path; from paperboy.embed import load_embedder;"
        "cache = Path(sys.argv[1]);"
        "[print(n, load_embedder(n, cache).embed(['offline check']).shape) for n in sys.argv[2:]]"
    )
    env = dict(
        os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(model_cache / "no-hf-home")
    )
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env[proxy] = "http://127.0.0.1:9"
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    done = subprocess.run(
        [sys.executable, "-c", script, str(model_cache), DEFAULT_EMBEDDER, "minilm-onnx"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{DEFAULT_EMBEDDER} (1, 384)" in done.stdout
    assert "minilm-onnx (1, 384)" in done.stdout


def test_pytorch_baseline_without_torch_says_to_install_the_bench_extra(model_cache: Path) -> None:
    script = (
        "import sys; sys.modules['torch'] = None; from pathlib import Path;"
        "from paperboy.embed import EmbedderError, load_embedder;\n"
        "try: load_embedder('minilm-torch', Path(sys.argv[1]))\n"
        "except EmbedderError as error: print(error)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(model_cache)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pip install '.[bench]'" in done.stdout
