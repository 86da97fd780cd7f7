"""What the tests share: a fake embedder, a scripted chat model, the sample folders, a free port.

The fakes are deterministic and offline. `ScriptedGenerator` answers one
question at a time, as LlamaGenerator does (one llama.cpp context), so the
tests of the page's queue and of many users at once run against the same
behaviour the real model has.
"""

from __future__ import annotations

import hashlib
import math
import re
import socket
import threading
import time
from collections.abc import Callable

from assistant.answer import prompts
from assistant.config import PROJECT_ROOT, Settings

ARTICLES = PROJECT_ROOT / "articles"
SHARED = PROJECT_ROOT.parent / "shared"
NOT_FOUND = prompts.not_found_sentence(Settings.load(environ={}).prompts_dir)  # the fixed sentence, from its file


def free_port() -> int:
    """A loopback port nothing listens on (for test servers, and for servers that are down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def citing(words: str, prefix: str = "", suffix: str = ""):
    """A reply that repeats the evidence sentence holding `words` (the first one for ""), citing its number, as a
    good model would; reading one sentence (reading.py), `words` when the sentence holds them, else no answer."""

    def reply(messages: list[dict]) -> str:
        read = re.match(r"Sentence: (.*)\n", messages[-1]["content"])
        if read:
            return words if words in read[1] else "No answer."
        for line in messages[-1]["content"].splitlines():
            found = re.match(r"\[(\d+)\] (.*)", line)
            if found and words in found[2]:
                return f"{prefix}{found[2].rstrip('.')} [{found[1]}]{suffix}."
        raise AssertionError(f"no evidence sentence holds {words!r}")

    return reply


def by_question(replies: dict[str, str], rewrite: str = ""):
    """A reply for every call of a conversation: a follow-up's rewrite is `rewrite`; a reading (reading.py) is
    `citing(words)` for the words of the first key the question holds. Many calls make one answer (one per
    sentence read), so a queue of replies cannot tell which call reads which question; this can."""

    def reply(messages: list[dict]) -> str:
        content = messages[-1]["content"]
        if content.startswith("Conversation so far"):
            return rewrite
        question = re.search(r"Question: (.*)", content)[1]
        return citing(next(w for key, w in replies.items() if key in question))(messages)

    return reply


class FakeEmbedder:
    """Bag-of-words vectors hashed into 128 dimensions: similar words, similar vectors."""

    name = "fake-embedder"
    dim = 128

    def embed(self, texts):
        return [self.vector(t) for t in texts]

    def vector(self, text):
        v = [0.0] * self.dim
        for word in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]


class ScriptedGenerator:
    """A chat model that answers one question at a time, word by word, with queued replies.

    `enqueue` adds replies: a string, or a function of the messages (see `citing`); with none queued it
    says `default` (the fixed not-found sentence unless given). It records the messages of every call in `seen`, counts `calls`, and keeps the most
    callers ever `waiting` at once. `pause` seconds pass before each word, as a real model's work.
    """

    name = "scripted"

    def __init__(self, *replies: str, pause: float = 0.0, default: Callable[[list[dict]], str] | None = None):
        self.replies = list(replies)
        self.pause = pause
        self.default = default or NOT_FOUND
        self.seen: list[list[dict]] = []
        self.calls = self.waiting = self.most_waiting = 0
        self.lock = threading.Lock()  # held while an answer is written
        self._count = threading.Lock()

    def enqueue(self, *replies: str) -> None:
        self.replies.extend(replies)

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def ahead(self) -> int:
        return self.waiting + self.lock.locked()

    def score(self, messages, options):
        """One reply, as `stream` gives it, made a choice among the options: the option it is, else the shortest
        option holding it, else the longest it holds, else the last (reading.py's "No answer."); the chosen one
        gets probability CHOSEN and the others share the rest."""
        reply = " ".join(re.sub(r"\[\d+\]", " ", "".join(self.stream(messages))).split()).rstrip(".")
        chosen = next(
            (i for i, o in enumerate(options) if o.rstrip(".") == reply),
            min(
                (i for i, o in enumerate(options) if reply and reply in o), key=lambda i: len(options[i]), default=None
            ),
        )
        if chosen is None:
            chosen = max((i for i, o in enumerate(options) if o in reply), key=lambda i: len(options[i]),
                         default=len(options) - 1)  # fmt: skip
        rest = (1 - self.CHOSEN) / max(1, len(options) - 1)
        return [math.log(self.CHOSEN if i == chosen else rest) for i in range(len(options))]

    CHOSEN = 0.97

    def stream(self, messages, max_tokens=300, temperature=0.1, **kwargs):
        with self._count:
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
        with self.lock:
            with self._count:
                self.waiting -= 1
                self.calls += 1
            self.seen.append(messages)
            reply = self.replies.pop(0) if self.replies else self.default
            reply = reply(messages) if callable(reply) else reply
            for piece in re.findall(r"\S+\s*", reply):
                time.sleep(self.pause)
                yield piece
