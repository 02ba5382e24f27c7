"""Write a BERT encoder as an ONNX graph straight from its safetensors weights, without torch.

The graph computes what Hugging Face's ``BertModel`` returns as ``last_hidden_state``
(inputs ``input_ids``, ``attention_mask``, ``token_type_ids``, all int64 of shape
(batch, tokens)); pooling stays in numpy (``OnnxEmbedder``). It is laid out in the
operator patterns onnxruntime's BERT optimiser recognises (the layout of a classic
``torch.onnx.export`` of BERT), so that each layer fuses into one Attention, two
SkipLayerNormalization and one BiasGelu operator, and the embeddings into one
EmbedLayerNormalization: the same fused graph the torch export gave, hence the same
speed and int8 quantization. tests/test_bert_graph.py checks both the vectors (against
reference vectors from sentence-transformers, kept as a fixture) and the fusion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from paperboy.embed.base import EmbedderError

ONNX_OPSET = 17  # LayerNormalization is a standard operator from 17 on
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"


@dataclass(frozen=True)
class BertShape:
    """The parts of a BERT config.json the graph depends on."""

    layers: int
    hidden: int
    heads: int
    intermediate: int
    layer_norm_eps: float

    @classmethod
    def from_config(cls, config_path: Path) -> BertShape:
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EmbedderError(f"cannot read the model config {config_path}: {exc}") from exc
        # Only what this builder implements: anything else would silently compute another model.
        expected = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}
        for key, value in expected.items():
            if config.get(key, value) != value:
                raise EmbedderError(
                    f"{config_path}: {key} is {config.get(key)!r}; the ONNX builder supports only {value!r}"
                )
        shape = cls(
            layers=int(config["num_hidden_layers"]),
            hidden=int(config["hidden_size"]),
            heads=int(config["num_attention_heads"]),
            intermediate=int(config["intermediate_size"]),
            layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
        )
        if shape.hidden % shape.heads:
            raise EmbedderError(f"{config_path}: hidden_size {shape.hidden} is not a multiple of the heads")
        return shape


def load_bert_weights(weights_path: Path) -> dict[str, np.ndarray]:
    """The float tensors of a BertModel checkpoint, read with numpy (no torch)."""
    from safetensors.numpy import load_file

    try:
        weights = load_file(str(weights_path))
    except (OSError, ValueError) as exc:
        raise EmbedderError(f"cannot read the model weights {weights_path}: {exc}") from exc
    # Some checkpoints name the tensors "bert.embeddings...", others "embeddings...".
    return {name.removeprefix("bert."): tensor for name, tensor in weights.items()}


def build_bert_graph(model_dir: Path) -> onnx.ModelProto:
    """The encoder of the sentence-transformers folder ``model_dir`` (config.json +
    model.safetensors) as an ONNX model returning ``last_hidden_state``."""
    shape = BertShape.from_config(model_dir / "config.json")
    weights = load_bert_weights(model_dir / "model.safetensors")
    return _GraphWriter(shape, weights).model()


class _GraphWriter:
    """Accumulates nodes and initializers; one method per block of the network."""

    def __init__(self, shape: BertShape, weights: dict[str, np.ndarray]):
        self.shape = shape
        self.weights = weights
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()

    def model(self) -> onnx.ModelProto:
        hidden = self.embeddings()
        mask_bias = self.attention_mask_bias()
        for layer in range(self.shape.layers):
            hidden = self.encoder_layer(layer, hidden, mask_bias)
        # The last layer's LayerNorm is the graph output: renamed rather than copied by an Identity.
        self.nodes[-1].output[0] = OUTPUT_NAME
        dims = ["batch", "tokens"]
        graph = helper.make_graph(
            self.nodes,
            "bert_encoder",
            [helper.make_tensor_value_info(name, TensorProto.INT64, dims) for name in INPUT_NAMES],
            [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, [*dims, self.shape.hidden])],
            self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", ONNX_OPSET)])
        model.producer_name = "paperboy.embed.bert_graph"
        onnx.checker.check_model(model)
        return model

    # --- blocks -------------------------------------------------------------------

    def embeddings(self) -> str:
        """word + position + token-type embeddings, then LayerNorm."""
        words = self.node("Gather", [self.weight("embeddings.word_embeddings.weight"), "input_ids"])
        types = self.node(
            "Gather", [self.weight("embeddings.token_type_embeddings.weight"), "token_type_ids"]
        )
        # Position ids 0..tokens-1, sliced from a [1, max_positions] table: the pattern the
        # optimiser's EmbedLayerNormalization fusion looks for.
        table = self.weights.get("embeddings.position_ids")
        max_positions = len(self.weights["embeddings.position_embeddings.weight"])
        if table is None:
            table = np.arange(max_positions, dtype=np.int64)[None, :]
        tokens = self.node(
            "Gather", [self.node("Shape", ["input_ids"]), self.const("one_index", np.int64(1))]
        )
        end = self.node("Unsqueeze", [tokens, self.const("axes_0", np.array([0], np.int64))])
        positions = self.node(
            "Slice",
            [
                self.const("position_ids", table.astype(np.int64)),
                self.const("slice_start", np.array([0], np.int64)),
                end,
                self.const("slice_axis", np.array([1], np.int64)),
                self.const("slice_step", np.array([1], np.int64)),
            ],
        )
        position_vectors = self.node(
            "Gather", [self.weight("embeddings.position_embeddings.weight"), positions]
        )
        summed = self.node("Add", [self.node("Add", [words, types]), position_vectors])
        return self.layer_norm(summed, "embeddings.LayerNorm")

    def attention_mask_bias(self) -> str:
        """(1 - mask) * lowest float, shaped [batch, 1, 1, tokens], added to attention scores."""
        unsqueezed = self.node(
            "Unsqueeze",
            [
                self.node("Unsqueeze", ["attention_mask", self.const("axes_1", np.array([1], np.int64))]),
                self.const("axes_2", np.array([2], np.int64)),
            ],
        )
        as_float = self.node("Cast", [unsqueezed], to=TensorProto.FLOAT)
        padding = self.node("Sub", [self.const("one_float", np.float32(1.0)), as_float])
        return self.node("Mul", [padding, self.const("mask_filter", np.float32(np.finfo(np.float32).min))])

    def encoder_layer(self, layer: int, hidden: str, mask_bias: str) -> str:
        prefix = f"encoder.layer.{layer}"
        heads, head_size = self.shape.heads, self.shape.hidden // self.shape.heads
        split = self.const("split_heads", np.array([0, 0, heads, head_size], np.int64))

        def projected_heads(name: str, perm: list[int]) -> str:
            projected = self.linear(hidden, f"{prefix}.attention.self.{name}")
            return self.node("Transpose", [self.node("Reshape", [projected, split])], perm=perm)

        query = projected_heads("query", [0, 2, 1, 3])  # [batch, heads, tokens, head_size]
        key = projected_heads("key", [0, 2, 3, 1])  # [batch, heads, head_size, tokens]
        value = projected_heads("value", [0, 2, 1, 3])
        scores = self.node(
            "Div",
            [self.node("MatMul", [query, key]), self.const("sqrt_head_size", np.float32(np.sqrt(head_size)))],
        )
        probabilities = self.node("Softmax", [self.node("Add", [scores, mask_bias])], axis=-1)
        context = self.node("Transpose", [self.node("MatMul", [probabilities, value])], perm=[0, 2, 1, 3])
        merged = self.node(
            "Reshape", [context, self.const("merge_heads", np.array([0, 0, self.shape.hidden], np.int64))]
        )
        attended = self.linear(merged, f"{prefix}.attention.output.dense")
        hidden = self.layer_norm(self.node("Add", [attended, hidden]), f"{prefix}.attention.output.LayerNorm")

        expanded = self.gelu(self.linear(hidden, f"{prefix}.intermediate.dense"))
        output = self.linear(expanded, f"{prefix}.output.dense")
        return self.layer_norm(self.node("Add", [output, hidden]), f"{prefix}.output.LayerNorm")

    def linear(self, x: str, prefix: str) -> str:
        """x @ W.T + b; the weight is stored transposed, as MatMul wants it."""
        weight = self.weights[f"{prefix}.weight"]
        transposed = self.const(f"{prefix}.weight", np.ascontiguousarray(weight.T))
        return self.node("Add", [self.node("MatMul", [x, transposed]), self.weight(f"{prefix}.bias")])

    def gelu(self, x: str) -> str:
        """The exact (erf) GELU BERT uses: x * 0.5 * (1 + erf(x / sqrt 2))."""
        erf = self.node("Erf", [self.node("Div", [x, self.const("sqrt_2", np.float32(np.sqrt(2.0)))])])
        one_plus = self.node("Add", [erf, self.const("one_float", np.float32(1.0))])
        return self.node("Mul", [self.node("Mul", [x, one_plus]), self.const("half", np.float32(0.5))])

    def layer_norm(self, x: str, prefix: str) -> str:
        return self.node(
            "LayerNormalization",
            [x, self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")],
            axis=-1,
            epsilon=self.shape.layer_norm_eps,
        )

    # --- plumbing -----------------------------------------------------------------

    def weight(self, name: str) -> str:
        """A checkpoint tensor as an initializer named after it."""
        try:
            tensor = self.weights[name]
        except KeyError:
            raise EmbedderError(f"the model weights have no tensor {name!r}; not a BERT checkpoint") from None
        return self.const(name, tensor)

    def const(self, name: str, value: np.ndarray | np.generic) -> str:
        """An initializer, added once however often it is used."""
        if name not in self._names:
            self._names.add(name)
            self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op_type: str, inputs: list[str], output: str | None = None, **attributes: Any) -> str:
        """Append one node; returns the name of its (single) output."""
        name = f"{op_type}_{len(self.nodes)}"
        out = output or f"{name}_out"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=name, **attributes))
        return out
