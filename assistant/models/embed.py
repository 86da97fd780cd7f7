"""Turn texts into unit-length vectors with a local sentence-transformers model.

`SentenceTransformerEmbedder` loads a model folder (the packaged all-MiniLM-L6-v2 by default, see
catalogue.py) on the CPU, offline. `passage_text` is what gets embedded for a chunk: its title and text.
Any object with `name` and `embed(texts)` can stand in (tests use a fake).

float32: batches of BULK texts or more (an ingest's) of a mean-pooled model (the default) run through
OpenVINO, the same network converted in memory once per process (~1.5 s), pooled and normalised as
sentence-transformers does, with the same vectors (cosine >= 0.9999), so an index does not care which
computed them; queries (a text or a few) stay on torch. A model OpenVINO cannot convert is embedded by
torch, with a warning.

int8 (the default setting): every text, queries too, runs through that network quantized to int8 by
NNCF (post-training quantization, its statistics gathered on the paragraphs of the sample articles
shipped in assistant/data/articles), made once and kept in the model cache (~15 s the first time; read
back in under a second). About 2x the float32 rate on CPUs with int8 instructions, vectors within cosine ~0.99
of float32's: the caller gives it another name and the index refuses to mix the two.

A bulk call runs on the network compiled for throughput: batches of BULK_BATCH texts of like length,
one inference request per core at once (1.13-1.28x one request of 32 on all cores, 2 Intel cores);
fewer texts run on the network compiled for the latency of one request.

OpenVINO's converter and NNCF report usage through `openvino_telemetry` when that imports; it is kept
from importing, so nothing is recorded or sent.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Protocol

from ..errors import ModelError
from ..records import Chunk


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def passage_text(chunk: Chunk) -> str:
    return f"{chunk.title}\n{chunk.text}" if chunk.title and chunk.index > 0 else chunk.text


BULK = 64  # texts in one call from which OpenVINO (converted once per process) pays
BULK_BATCH = 8  # texts per inference request of a bulk call: with one request per core, less padding pays


class SentenceTransformerEmbedder:
    def __init__(
        self, path: str, name: str, batch_size: int = 32, int8: bool = False, openvino: bool = True,
        cache_dir: Path | None = None,
    ):  # fmt: skip
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self._openvino = openvino and _has_openvino() and _mean_pooled(self.model)
        if int8 and not (self._openvino and cache_dir):
            raise ModelError(f"{name} cannot be embedded in int8 here (it needs OpenVINO, NNCF and a mean-pooled "
                             "model); set ASSISTANT_EMBED_PRECISION=float32")  # fmt: skip
        self._int8 = Path(cache_dir) / "embedders" / _safe(name) if int8 else None
        self._network = None  # the OpenVINO network, converted (or read back) at the first call that needs it
        self._compiled: dict[bool, object] = {}  # bulk? -> the network compiled for that
        self._converting = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        bulk = len(texts) >= BULK
        compiled = self._compiled_model(bulk) if self._int8 or (self._openvino and bulk) else None
        if compiled is not None:
            return _embed_compiled(compiled, self.model, list(texts), BULK_BATCH if bulk else self.batch_size)
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()

    def _compiled_model(self, bulk: bool):
        """The network compiled by OpenVINO, for throughput (`bulk`: one request per core at once) or for
        the latency of one call; converted at the first call. None when it cannot be converted."""
        with self._converting:
            if self._network is None and self._int8:
                self._network = _int8_network(self.model, self._int8)
            elif self._network is None and self._openvino:
                try:
                    self._network = _converted(self.model)
                except Exception as exc:  # the converter's errors have no common type; torch still embeds
                    self._openvino = False
                    warnings.warn(f"OpenVINO cannot convert {self.name} ({exc}); embedding with torch", stacklevel=2)
            if self._network is not None and bulk not in self._compiled:
                self._compiled[bulk] = _on_cpu(self._network, "THROUGHPUT" if bulk else "LATENCY")
            return self._compiled.get(bulk)


def _embed_compiled(compiled, model, texts: list[str], batch_size: int) -> list[list[float]]:
    """The same vectors as `model.encode`, by the network OpenVINO compiled: batches of like length, as many
    at once as the compiled network runs requests in parallel (one per core for throughput), in order."""
    import openvino

    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out: list[list[float]] = [[] for _ in texts]

    def done(request, rows):
        for j, vector in zip(rows, request.get_output_tensor(0).data):
            out[j] = vector.tolist()

    requests = openvino.AsyncInferQueue(compiled, compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
    requests.set_callback(done)
    for i in range(0, len(order), batch_size):
        rows = order[i : i + batch_size]
        batch = model.tokenizer([texts[j] for j in rows], padding=True, truncation=True,
                                max_length=model.max_seq_length, return_tensors="np")  # fmt: skip
        requests.start_async(dict(batch), rows)
    requests.wait_all()
    return out


def _has_openvino() -> bool:
    import importlib.util

    return importlib.util.find_spec("openvino") is not None


def _mean_pooled(model) -> bool:
    """Whether the model is a transformer with mean pooling (and normalisation): what `_converted` rebuilds."""
    kinds = [type(module).__name__ for module in model]
    if kinds[:2] != ["Transformer", "Pooling"] or any(kind != "Normalize" for kind in kinds[2:]):
        return False
    pooling = model[1]
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None and hasattr(pooling, "get_pooling_mode_str"):  # sentence-transformers 5
        mode = pooling.get_pooling_mode_str()
    return mode == "mean"


def _on_cpu(network, hint: str):
    """An OpenVINO network compiled for this CPU, for LATENCY (one request on all cores) or THROUGHPUT."""
    import openvino

    return openvino.Core().compile_model(network, "CPU", {"PERFORMANCE_HINT": hint})


def _converted(model):
    """The OpenVINO model of the transformer with its mean pooling and normalisation (not compiled)."""
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
        return openvino.convert_model(Pooled(model[0].auto_model).eval(), example_input=example)


def _int8_network(model, folder: Path):
    """The int8 network (not compiled): read from `folder`, else quantized by NNCF and saved there first. Another
    process making it at the same time loses nothing: each saves to a folder of its own and renames it."""
    sys.modules.setdefault("openvino_telemetry", None)  # NNCF's and the converter's telemetry stay off
    import nncf
    import openvino

    folder = folder / _safe(f"openvino-{openvino.__version__}-nncf-{nncf.__version__}")
    if not (folder / "model.xml").exists():
        texts = [p.strip() for f in sorted(resources.files("assistant.data").joinpath("articles").iterdir())
                 if f.name.endswith(".txt") for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]  # fmt: skip
        samples = [dict(model.tokenizer([t], truncation=True, max_length=model.max_seq_length, return_tensors="np"))
                   for t in texts]  # fmt: skip
        nncf.set_log_level(logging.ERROR)
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():  # its progress bars
                warnings.simplefilter("ignore")
                quantized = nncf.quantize(_converted(model), nncf.Dataset(samples), subset_size=len(samples),
                                          model_type=nncf.ModelType.TRANSFORMER)  # fmt: skip
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = tempfile.mkdtemp(dir=folder.parent)
            openvino.save_model(quantized, Path(tmp) / "model.xml", compress_to_fp16=False)
            try:
                os.rename(tmp, folder)
            except OSError:  # another process made it first: theirs is the same
                shutil.rmtree(tmp, ignore_errors=True)
        except Exception as exc:  # NNCF's and OpenVINO's errors have no common type
            raise ModelError(f"cannot make the int8 embedder in {folder.parent} ({exc}); set "
                             "ASSISTANT_EMBED_PRECISION=float32") from None  # fmt: skip
    return openvino.Core().read_model(folder / "model.xml")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
