"""Turn texts into unit-length vectors with a local sentence-transformers model.

`SentenceTransformerEmbedder` loads a model folder (the packaged
all-MiniLM-L6-v2 by default, see catalogue.py) on the CPU, offline, and encodes in
batches (sentence-transformers sorts each call by length to cut padding). With
`int8`, its linear layers run as int8 (torch dynamic quantization: 1.8x the
torch float32 rate on 2 cores, slower than OpenVINO below, benchmarks/speed.py);
the vectors differ slightly, so
the caller gives it another name and the index refuses to mix the two.
`passage_text` is what gets embedded for a chunk: its title and text.
Any object with `name` and `embed(texts)` can stand in (tests use a fake).

Float32 batches of BULK texts or more (an ingest's) of a mean-pooled model
(the default) run through OpenVINO when it is installed (a dependency): the
same network converted in memory once per process (~1.5 s), pooled and
normalised as sentence-transformers does, 2.4x the torch rate on 2 cores with
the same vectors (cosine >= 0.9999, benchmarks/speed.py), so an index does not
care which computed them. Queries (a text or a few) stay on torch: no
conversion on the way to an answer. A model OpenVINO cannot convert is
embedded by torch, with a warning. OpenVINO's converter reports usage through
`openvino_telemetry` when that imports; it is kept from importing, so nothing
is recorded or sent.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Sequence
from typing import Protocol

from ..records import Chunk


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def passage_text(chunk: Chunk) -> str:
    return f"{chunk.title}\n{chunk.text}" if chunk.title and chunk.index > 0 else chunk.text


BULK = 64  # texts in one call from which OpenVINO (converted once per process) pays


class SentenceTransformerEmbedder:
    def __init__(self, path: str, name: str, batch_size: int = 32, int8: bool = False, openvino: bool = True):
        import torch
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        if int8:
            with warnings.catch_warnings():  # torch suggests torchao instead: another dependency for the same result
                warnings.simplefilter("ignore")
                self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self._openvino = openvino and not int8 and _has_openvino() and _mean_pooled(self.model)
        self._compiled = None
        self._converting = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        compiled = self._compiled_model() if self._openvino and len(texts) >= BULK else None
        if compiled is not None:
            return _embed_compiled(compiled, self.model, list(texts), self.batch_size)
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()

    def _compiled_model(self):
        """The network compiled by OpenVINO, converted at the first call; None when it cannot be."""
        with self._converting:
            if self._compiled is None and self._openvino:
                try:
                    self._compiled = _compile(self.model)
                except Exception as exc:  # the converter's errors have no common type; torch still embeds
                    self._openvino = False
                    warnings.warn(f"OpenVINO cannot convert {self.name} ({exc}); embedding with torch", stacklevel=2)
            return self._compiled


def _embed_compiled(compiled, model, texts: list[str], batch_size: int) -> list[list[float]]:
    """The same vectors as `model.encode`, by the network OpenVINO compiled: batches of like length, in order."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out: list[list[float]] = [[] for _ in texts]
    for i in range(0, len(order), batch_size):
        rows = order[i : i + batch_size]
        batch = model.tokenizer([texts[j] for j in rows], padding=True, truncation=True,
                                max_length=model.max_seq_length, return_tensors="np")  # fmt: skip
        for j, vector in zip(rows, compiled(dict(batch))[0]):
            out[j] = vector.tolist()
    return out


def _has_openvino() -> bool:
    import importlib.util

    return importlib.util.find_spec("openvino") is not None


def _mean_pooled(model) -> bool:
    """Whether the model is a transformer with mean pooling (and normalisation): what `_compile` rebuilds."""
    kinds = [type(module).__name__ for module in model]
    if kinds[:2] != ["Transformer", "Pooling"] or any(kind != "Normalize" for kind in kinds[2:]):
        return False
    pooling = model[1]
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None and hasattr(pooling, "get_pooling_mode_str"):  # sentence-transformers 5
        mode = pooling.get_pooling_mode_str()
    return mode == "mean"


def _compile(model):
    """The sentence-transformers model's transformer with its mean pooling and normalisation, converted by
    OpenVINO from torch (dynamic batch and length) and compiled for this CPU."""
    import torch

    sys.modules.setdefault("openvino_telemetry", None)  # the converter falls back to its no-op stub
    import openvino

    class Pooled(torch.nn.Module):
        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state  # fmt: skip
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    example = dict(model.tokenizer(["a sentence", "another, longer sentence"], padding=True, return_tensors="pt"))
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracing warnings about python control flow in the model
        converted = openvino.convert_model(Pooled(model[0].auto_model).eval(), example_input=example)
    return openvino.Core().compile_model(converted, "CPU", {"PERFORMANCE_HINT": "LATENCY"})
