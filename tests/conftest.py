"""Shared fakes and fixtures: a fake embedder, a scripted generator, a temporary index.

Every test gets its own index folder and model cache under tmp_path; nothing
writes into the working tree and nothing touches the network.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import socket
import threading
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.pipeline import Assistant

ARTICLES = PROJECT_ROOT / "articles"
SHARED = PROJECT_ROOT.parent / "shared"


def free_port() -> int:
    """A loopback port nothing listens on (for test servers, and for servers that are down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeEmbedder:
    """Bag-of-words vectors hashed into 128 dimensions: similar words, similar vectors."""

    name = "fake-embedder"
    dim = 128

    def __init__(self):
        self.calls = 0

    def embed(self, texts):
        self.calls += 1
        return [self.vector(t) for t in texts]

    def vector(self, text):
        v = [0.0] * self.dim
        for word in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]


class ScriptedGenerator:
    """Replies with queued answers, word by word; records the messages it was given."""

    name = "scripted"

    def __init__(self, *replies):
        self.replies = list(replies)
        self.seen = []
        self.lock = threading.Lock()

    def enqueue(self, *replies):
        self.replies.extend(replies)

    def count_tokens(self, text):
        return max(1, len(text) // 4)

    def stream(self, messages, max_tokens, temperature):
        with self.lock:
            self.seen.append(messages)
            reply = self.replies.pop(0) if self.replies else "The articles do not contain the answer to this question."
        yield from re.findall(r"\S+\s*", reply)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.load(environ={}, store_path=tmp_path / "index", cache_dir=tmp_path / "cache", min_score=-1.0)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A copy of the sample articles that a test may change."""
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    return folder


@pytest.fixture
def generator() -> ScriptedGenerator:
    return ScriptedGenerator()


@pytest.fixture
def app(settings, corpus, generator) -> Assistant:
    """An Assistant with fakes, its index filled from the sample articles."""
    assistant = Assistant(settings.replace(corpus_path=corpus), embedder=FakeEmbedder(), generator=generator)
    assistant.ingest()
    return assistant
