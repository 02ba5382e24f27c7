"""The ONNX encoder written from safetensors equals the PyTorch model, fuses, and needs no torch.

The reference is tests/fixtures/minilm_reference.npz: 16 texts and the vectors
sentence-transformers ``encode`` gave them (made once by bench/minilm_reference.py), so
these tests run where torch is not installed.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from paperboy.embed import DEFAULT_EMBEDDER, EmbedderError, load_embedder
from paperboy.embed.bert_graph import BertShape, build_bert_graph
from paperboy.embed.onnx_export import OnnxBuild
from paperboy.embed.packaged_model import minilm_model_dir, minilm_package_version

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "fixtures" / "minilm_reference.npz"


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray]:
    with np.load(REFERENCE, allow_pickle=False) as data:
        return [str(text) for text in data["texts"]], data["vectors"]


def test_float_graph_equals_sentence_transformers(
    model_dir: Path, reference: tuple[list[str], np.ndarray]
) -> None:
    texts, expected = reference
    # minilm-onnx: the written graph after fusion, float32, the reference's 256-token limit.
    cosines = (load_embedder("minilm-onnx", model_dir).embed(texts) * expected).sum(axis=1)
    assert cosines.min() >= 0.9999, dict(zip(texts, cosines.round(6), strict=True))


def test_default_int8_model_stays_close_to_sentence_transformers(
    model_dir: Path, reference: tuple[list[str], np.ndarray]
) -> None:
    texts, expected = reference
    # Measured: the same vectors, bit for bit, as the int8 model exported with torch before
    # (min 0.940 at 128 tokens, where the 256-token reference text is cut; mean 0.987).
    cosines = (load_embedder(DEFAULT_EMBEDDER, model_dir).embed(texts) * expected).sum(axis=1)
    short = [i for i, text in enumerate(texts) if len(text) < 400]
    # 0.97 with AVX-512 VNNI; 0.966 for the empty text on an AVX2-only AMD EPYC, where
    # onnxruntime's u8s8 kernel saturates its 16-bit sums.
    assert cosines[short].min() > 0.96, cosines
    assert cosines.min() > 0.93 and cosines.mean() > 0.985, cosines
    full = (load_embedder("minilm-onnx-int8", model_dir).embed(texts) * expected).sum(axis=1)
    assert full.min() > 0.96 and full.mean() > 0.985, full


def test_graph_fuses_into_onnxruntime_bert_operators(model_dir: Path) -> None:
    # Unfused, the graph is correct but about twice as slow: guard the optimiser's match.
    load_embedder("minilm-onnx", model_dir)
    build = OnnxBuild(minilm_model_dir(), minilm_package_version(), 12, 384, quantize_int8=False)
    fused = onnx.load(str(model_dir / build.file_name()))
    ops = collections.Counter(node.op_type for node in fused.graph.node)
    assert ops["EmbedLayerNormalization"] == 1, ops
    assert ops["Attention"] == 6 and ops["BiasGelu"] == 6 and ops["SkipLayerNormalization"] == 12, ops
    assert "Softmax" not in ops and "Erf" not in ops and "LayerNormalization" not in ops, ops


def test_written_graph_is_standard_onnx_with_the_expected_interface() -> None:
    model = build_bert_graph(minilm_model_dir())
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask", "token_type_ids"]
    assert [o.name for o in model.graph.output] == ["last_hidden_state"]
    assert {node.domain for node in model.graph.node} == {""}  # no onnxruntime-only operators before fusion
    ops = collections.Counter(node.op_type for node in model.graph.node)
    assert ops["Erf"] == 6 and ops["Softmax"] == 6 and ops["LayerNormalization"] == 13, ops


def test_padding_does_not_change_a_text_vector(
    model_dir: Path, reference: tuple[list[str], np.ndarray]
) -> None:
    # The attention mask at work: a short text batched with a 256-token one is padded to
    # 256 tokens, and must still give its own vector.
    texts, expected = reference
    embedder = load_embedder("minilm-onnx", model_dir)
    embedder.batch_size = len(texts)  # one batch, every text padded to the longest
    alone = np.stack([embedder.embed_query(text) for text in texts])
    np.testing.assert_allclose(embedder.embed(texts), alone, atol=2e-5)
    assert ((alone * expected).sum(axis=1) >= 0.9999).all()


def test_config_the_builder_cannot_compute_is_refused(tmp_path: Path) -> None:
    config = json.loads((minilm_model_dir() / "config.json").read_text())
    for key, value in [
        ("hidden_act", "relu"),
        ("model_type", "roberta"),
        ("position_embedding_type", "relative_key"),
    ]:
        (tmp_path / "config.json").write_text(json.dumps({**config, key: value}))
        with pytest.raises(EmbedderError, match=key):
            BertShape.from_config(tmp_path / "config.json")


def test_missing_weights_are_reported_with_their_path(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text((minilm_model_dir() / "config.json").read_text())
    with pytest.raises(EmbedderError, match="model.safetensors"):
        build_bert_graph(tmp_path)


def test_model_builds_and_embeds_in_a_process_where_torch_cannot_be_imported(
    tmp_path: Path, reference: tuple[list[str], np.ndarray]
) -> None:
    # A fresh process with torch, transformers and sentence-transformers made unimportable
    # and an empty cache: the whole build (write, fuse) must go through without them.
    _, expected = reference
    script = (
        "import sys; [sys.modules.__setitem__(m, None)"
        " for m in ('torch', 'transformers', 'sentence_transformers')];"
        "import numpy as np; from pathlib import Path; from paperboy.embed import load_embedder;"
        "texts = [str(t) for t in np.load(sys.argv[2])['texts']];"
        "np.save(sys.argv[3], load_embedder('minilm-onnx', Path(sys.argv[1])).embed(texts))"
    )
    out = tmp_path / "vectors.npy"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "models"), str(REFERENCE), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert ((np.load(out) * expected).sum(axis=1) >= 0.9999).all()
