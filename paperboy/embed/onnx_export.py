"""Build (once) and cache the ONNX files of a BERT-style sentence-transformers model.

The graph is written directly from the packaged safetensors weights (``bert_graph``; no
torch, no transformers), fused with onnxruntime's BERT optimiser and, for the int8
variant, quantized dynamically with per-channel weights. Per-tensor int8 lost too much
(cosine 0.94 to the PyTorch vectors); per-channel keeps 0.995 (docs/embedding.md). The
result is cached under ``cache_dir`` and takes a few seconds to rebuild.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Part of the cache file name: a graph built another way (before: a torch export) is a
# different file, so a cache filled by an older Paperboy is rebuilt, not trusted.
GRAPH_BUILDER = "st1"


@dataclass(frozen=True)
class OnnxBuild:
    """What to build: the source model and whether to quantize it to int8."""

    model_dir: Path
    model_version: str  # of the package the weights come from; a new version rebuilds
    num_heads: int
    hidden_size: int
    quantize_int8: bool

    def file_name(self) -> str:
        import onnxruntime

        kind = "int8" if self.quantize_int8 else "fp32"
        # The onnxruntime version is in the key because fused operators are version-specific.
        return (
            f"{self.model_dir.name}-{self.model_version}-{GRAPH_BUILDER}"
            f"-ort{onnxruntime.__version__}-{kind}.onnx"
        )


def cached_onnx_model(build: OnnxBuild, cache_dir: Path) -> Path:
    """Path of the built ONNX file in ``cache_dir``, building it first if it is missing."""
    target = cache_dir / build.file_name()
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Build in a scratch folder and rename at the end, so a crash or a second process
    # building at the same time never leaves a half-written model under the final name.
    print(f"preparing the embedding model {target.name} (once; a few seconds)", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".build-") as scratch, _quiet_tools():
        work = Path(scratch)
        written = work / "written.onnx"
        _write_graph(build.model_dir, written)
        fused = work / "fused.onnx"
        _fuse_bert_graph(written, fused, build.num_heads, build.hidden_size)
        final = fused
        if build.quantize_int8:
            final = work / "int8.onnx"
            _quantize_int8(fused, final)
        os.replace(final, target)
    return target


@contextmanager
def _quiet_tools() -> Iterator[None]:
    """The optimiser's model-producer notice and the quantizer's advice are for their
    developers, not for someone running `paperboy ingest`."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _write_graph(model_dir: Path, out: Path) -> None:
    """The encoder graph, written from the safetensors weights (no torch, no transformers)."""
    # Imported here: onnx takes most of a second to import, and only a build needs it,
    # not every process that loads an already built model (each `paperboy serve` worker).
    import onnx

    from paperboy.embed.bert_graph import build_bert_graph

    onnx.save(build_bert_graph(model_dir), str(out))


def _fuse_bert_graph(src: Path, out: Path, num_heads: int, hidden_size: int) -> None:
    """Fuse attention, layer norms and GELU into onnxruntime's CPU kernels."""
    from onnxruntime.transformers import optimizer

    fused = optimizer.optimize_model(
        str(src), model_type="bert", num_heads=num_heads, hidden_size=hidden_size, opt_level=0
    )
    fused.save_model_to_file(str(out))


def _quantize_int8(src: Path, out: Path) -> None:
    """Dynamic int8 quantization of the weights, one scale per output channel."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        # Fused operators defeat shape inference; their outputs are float32.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
