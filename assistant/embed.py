"""Turn texts into unit-length vectors with a local sentence-transformers model.

`SentenceTransformerEmbedder` loads a model folder (the packaged
all-MiniLM-L6-v2 by default, see models.py) on the CPU, offline, and encodes in
batches (sentence-transformers sorts each call by length to cut padding). With
`int8`, its linear layers run as int8 (torch dynamic quantization: ~1.4x the
float32 rate on 2 cores, benchmarks/speed.py); the vectors differ slightly, so
the caller gives it another name and the index refuses to mix the two.
`passage_text` is what gets embedded for a chunk: its title and text.
Any object with `name` and `embed(texts)` can stand in (tests use a fake).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Protocol

from .records import Chunk


class Embedder(Protocol):
    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def passage_text(chunk: Chunk) -> str:
    return f"{chunk.title}\n{chunk.text}" if chunk.title and chunk.index > 0 else chunk.text


class SentenceTransformerEmbedder:
    def __init__(self, path: str, name: str, batch_size: int = 32, int8: bool = False):
        import torch
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        if int8:
            with warnings.catch_warnings():  # torch suggests torchao instead: another dependency for the same result
                warnings.simplefilter("ignore")
                self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()
