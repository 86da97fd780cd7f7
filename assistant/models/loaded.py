"""The models a set of settings names, each made the first time it is needed, under its own lock.

`Models(settings)` chooses the embedder and the chat model from the catalogue
(catalogue.py) and loads each on first use: the embedder for ingest and
retrieval, the chat model for answers only, so `assistant status` stays
instant and loading the chat model (joining and checking a 0.5 GB file the
first time) holds up no retrieval. Tests hand it a fake embedder and a
scripted generator instead. Choosing files is catalogue.py's job; running a
model is embed.py's and generate.py's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..config import Settings
from . import catalogue


class Loaded:
    """A model made on first use under its own lock: loading one model blocks nothing else."""

    def __init__(self, make: Callable[[], object], value=None):
        self.make, self.value, self._lock = make, value, threading.Lock()

    def get(self):
        if self.value is None:
            with self._lock:
                if self.value is None:
                    self.value = self.make()
        return self.value


class Models:
    def __init__(self, settings: Settings, embedder=None, generator=None):
        self.settings = settings
        self._embedder = Loaded(self._load_embedder, embedder)
        self._generator = Loaded(self._load_generator, generator)

    def catalogue(self) -> list[catalogue.ModelSpec]:
        return catalogue.read_catalogue(self.settings.catalogue)

    def embed_spec(self) -> catalogue.ModelSpec:
        return catalogue.choose(self.catalogue(), "embedding", self.settings.embed_model)

    def embed_name(self) -> str:
        """The name the index records for the embedder these settings make (or the one handed in)."""
        if self._embedder.value is not None:
            return self._embedder.value.name
        return self.embed_spec().name + ("+int8" if self.settings.embed_precision == "int8" else "")

    def chat_spec(self) -> catalogue.ModelSpec:
        return catalogue.choose(self.catalogue(), "chat", self.settings.chat_model)

    @property
    def embedder(self):
        return self._embedder.get()

    @property
    def generator(self):
        return self._generator.get()

    @generator.setter
    def generator(self, generator) -> None:
        self._generator.value = generator

    @property
    def loaded_generator(self):
        """The chat model if it is loaded, else None (the page says the first answer loads it)."""
        return self._generator.value

    def _load_embedder(self):
        from .embed import SentenceTransformerEmbedder

        path, int8 = catalogue.embedding_model_path(self.embed_spec()), self.settings.embed_precision == "int8"
        return SentenceTransformerEmbedder(path, self.embed_name(), int8=int8, cache_dir=self.settings.cache_dir)

    def _load_generator(self):
        s = self.settings
        if s.llm_url:
            from .generate import OpenAIGenerator

            return OpenAIGenerator(s.llm_url, s.llm_model, s.llm_api_key, s.llm_timeout)
        from .generate import LlamaGenerator

        spec = self.chat_spec()
        path = catalogue.chat_model_path(spec, s.cache_dir)  # joined and checked once, then a stamp says so
        return LlamaGenerator(str(path), spec.name, n_ctx=s.n_ctx, threads=s.threads)
