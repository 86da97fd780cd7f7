"""Stream an answer from a chat model: local GGUF via llama-cpp-python.

A generator is any object with `stream(messages, max_tokens, temperature)`
yielding text pieces, and `count_tokens(text)`. `LlamaGenerator` loads a GGUF
file once; one llama.cpp context must not serve two calls at once, so calls
queue on a lock (retrieval stays concurrent; only generation waits).
Choosing and checking the model file is models.py's job.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Protocol

from .errors import ModelError


class Generator(Protocol):
    name: str

    def stream(self, messages: list[dict], max_tokens: int, temperature: float) -> Iterator[str]: ...

    def count_tokens(self, text: str) -> int: ...


class LlamaGenerator:
    def __init__(self, path: str, name: str, n_ctx: int = 4096, threads: int = 2):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelError("llama-cpp-python is not installed; run: pip install llama-cpp-python") from None
        self.name = name
        self.lock = threading.Lock()
        self.waiting = 0
        try:
            self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_batch=512, verbose=False, seed=0)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load model file {path} ({exc}); reinstall the model") from None

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[dict], max_tokens: int, temperature: float) -> Iterator[str]:
        self.waiting += 1
        try:
            self.lock.acquire()
        finally:
            self.waiting -= 1
        try:
            pieces = self.llm.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True
            )
            for piece in pieces:
                text = piece["choices"][0]["delta"].get("content")
                if text:
                    yield text
        finally:
            self.lock.release()
