"""The distilled static model: offline loading, shape, normalisation, meaning, cached build."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from paperboy.embed import EMBEDDERS, Embedder, EmbedderError, load_embedder
from paperboy.embed.static_model import StaticEmbedder

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
def static(model_cache: Path) -> Embedder:
    return load_embedder("minilm-static", model_cache)


def test_static_model_is_registered() -> None:
    assert "minilm-static" in EMBEDDERS


def test_static_embeddings_have_model_dimension_and_unit_length(static: Embedder) -> None:
    vectors = static.embed(SENTENCES)
    assert vectors.shape == (len(SENTENCES), static.dim) == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert static.embed_query("memory-efficient LLM serving").shape == (static.dim,)


def test_static_empty_input_and_empty_text(static: Embedder) -> None:
    assert static.embed([]).shape == (0, static.dim)
    vectors = static.embed(["", SENTENCES[0]])
    assert not vectors[0].any()  # no tokens: a zero vector, not NaN
    assert np.linalg.norm(vectors[1]) == pytest.approx(1.0, abs=1e-5)


def test_static_similar_texts_score_higher_than_unrelated(static: Embedder) -> None:
    v = static.embed(SENTENCES)
    related, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert related > unrelated + 0.2, (related, unrelated)


def test_static_rows_follow_input_order_and_do_not_depend_on_batching(static: Embedder) -> None:
    many = SENTENCES * 50  # more than one pooling chunk
    together = static.embed(many)
    one_by_one = np.stack([static.embed_query(t) for t in SENTENCES])
    np.testing.assert_allclose(together[: len(SENTENCES)], one_by_one, atol=1e-6)
    np.testing.assert_allclose(together[-len(SENTENCES) :], one_by_one, atol=1e-6)


def test_static_progress_is_told_about_every_text(static: Embedder) -> None:
    seen: list[int] = []
    static.embed(SENTENCES * 40, progress=seen.append)
    assert sum(seen) == len(SENTENCES) * 40


def test_cached_static_matrix_is_reused_not_rebuilt(
    model_cache: Path, static: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import paperboy.embed.static_model as static_model

    def no_rebuild(*args: object, **kwargs: object) -> np.ndarray:
        raise AssertionError("the cached matrix should have been reused")

    monkeypatch.setattr(static_model, "distil_token_vectors", no_rebuild)
    again = load_embedder("minilm-static", model_cache)
    np.testing.assert_array_equal(again.embed(SENTENCES), static.embed(SENTENCES))


def test_matrix_that_does_not_fit_the_tokenizer_is_refused(tmp_path: Path, static: Embedder) -> None:
    from paperboy.embed.packaged_model import minilm_model_dir

    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((10, 8), dtype=np.float32))
    with pytest.raises(EmbedderError, match="delete the file"):
        StaticEmbedder("minilm-static", wrong, minilm_model_dir() / "tokenizer.json")


def test_static_model_loads_and_embeds_with_the_network_cut_off(model_cache: Path, static: Embedder) -> None:
    # A fresh process, hub access off, every proxy at a closed port, torch and
    # transformers made unimportable: the cached matrix needs only numpy and tokenizers.
    script = (
        "import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None;"
        "from pathlib import Path; from paperboy.embed import load_embedder;"
        "print(load_embedder('minilm-static', Path(sys.argv[1])).embed(['offline check']).shape)"
    )
    env = dict(
        os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(model_cache / "no-hf-home")
    )
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env[proxy] = "http://127.0.0.1:9"
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    done = subprocess.run(
        [sys.executable, "-c", script, str(model_cache)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(1, 384)" in done.stdout
