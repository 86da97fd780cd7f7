"""Stream an answer from a chat model: a local GGUF file or an OpenAI-compatible server.

A generator is any object with `stream(messages, max_tokens, temperature,
grammar=None)` yielding text pieces, `count_tokens(text)`, and `ahead()`: how
many answers a new question would wait for (what the page shows). `grammar`
is a GBNF grammar (cite.answer_grammar) the reply must follow: llama.cpp
samples only tokens it allows; a server is sent it as llama.cpp's servers
expect, and one that refuses the field is asked again without it (the markers
are then checked after the fact, as for any model). `LlamaGenerator` loads a
GGUF file once; one llama.cpp context must not serve two calls at once, so
calls queue on a lock (retrieval stays concurrent; only generation waits).
`OpenAIGenerator` streams from any `/v1/chat/completions` server (llama.cpp's,
vLLM, llama-cpp-python's) over server-sent events; a server that is down,
slow or fails mid-answer is a one-line ModelError, never a hang. It has no
tokenizer, so it estimates token counts. Choosing and checking the model file
is models.py's job.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Iterator
from typing import Protocol
from urllib.parse import urlparse

import httpx

from .config import env_name
from .errors import ModelError


class Generator(Protocol):
    name: str

    def stream(
        self, messages: list[dict], max_tokens: int, temperature: float, grammar: str | None = None
    ) -> Iterator[str]: ...

    def count_tokens(self, text: str) -> int: ...

    def ahead(self) -> int: ...


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

    def ahead(self) -> int:
        """Answers a new question would wait for: the one being written and those queued before it."""
        return self.waiting + self.lock.locked()

    def stream(
        self, messages: list[dict], max_tokens: int, temperature: float, grammar: str | None = None
    ) -> Iterator[str]:
        self.waiting += 1
        try:
            self.lock.acquire()
        finally:
            self.waiting -= 1
        try:
            pieces = self.llm.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True,
                grammar=_grammar(grammar) if grammar else None,
            )  # fmt: skip
            for piece in pieces:
                text = piece["choices"][0]["delta"].get("content")
                if text:
                    yield text
        finally:
            self.lock.release()


@functools.lru_cache(maxsize=32)
def _grammar(text: str):
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(text, verbose=False)


class OpenAIGenerator:
    """Chat completions from an OpenAI-compatible server, streamed.

    `timeout` bounds the connection and every wait for the next piece, so a
    stalled server ends the answer with an error instead of hanging it.
    """

    CHARS_PER_TOKEN = 3.5  # a cautious estimate for English news text (BPE tokenizers average ~4)

    def __init__(self, url: str, model: str = "", api_key: str = "", timeout: float = 60.0):
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).hostname:
            raise ModelError(f"{env_name('llm_url')}={url!r} is not an http(s) URL like http://host:8001/v1")
        self.url = url.rstrip("/")
        self.name = model or "server"
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), headers=headers)
        self.timeout = timeout
        self.takes_grammar = True  # until the server refuses the field

    def count_tokens(self, text: str) -> int:
        return math.ceil(len(text) / self.CHARS_PER_TOKEN)

    def ahead(self) -> int:
        """0: the server schedules its own queue and does not say how long it is."""
        return 0

    def stream(
        self, messages: list[dict], max_tokens: int, temperature: float, grammar: str | None = None
    ) -> Iterator[str]:
        body = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature, "stream": True}
        if self.model:
            body["model"] = self.model
        if grammar and self.takes_grammar:
            body["grammar"] = grammar
        where = f"the model server at {self.url}"
        finished = False
        try:
            with self.client.stream("POST", f"{self.url}/chat/completions", json=body) as response:
                if response.status_code >= 400:
                    detail = " ".join(response.read().decode("utf-8", "replace").split())[:200]
                    if "grammar" in body and response.status_code in (400, 422) and "grammar" in detail.lower():
                        self.takes_grammar = False  # not a llama.cpp server: ask again without it
                        yield from self.stream(messages, max_tokens, temperature)
                        return
                    raise ModelError(
                        f"{where} answered HTTP {response.status_code} ({detail}); check {env_name('llm_url')} and {env_name('llm_model')}"
                    )
                for line in response.iter_lines():
                    text, done = _sse_piece(line, where)
                    finished = finished or done
                    if text:
                        yield text
        except httpx.ConnectError as exc:
            raise ModelError(
                f"cannot reach {where} ({exc}); is it running? Or unset {env_name('llm_url')} to use the local model"
            ) from None
        except httpx.TimeoutException:
            raise ModelError(
                f"{where} sent nothing for {self.timeout:g} s; it may be overloaded ({env_name('llm_timeout')} sets the wait)"
            ) from None
        except httpx.HTTPError as exc:
            raise ModelError(f"{where} broke off the answer ({type(exc).__name__}: {exc}); try again") from None
        if not finished:
            raise ModelError(f"{where} ended the answer before it was finished; try again")


def _sse_piece(line: str, where: str) -> tuple[str, bool]:
    """(text, finished) from one server-sent-events line of a chat-completions stream.

    >>> _sse_piece('data: {"choices": [{"delta": {"content": "Hi"}, "finish_reason": null}]}', "s")
    ('Hi', False)
    >>> _sse_piece("data: [DONE]", "s")
    ('', True)
    >>> _sse_piece(": keep-alive", "s")
    ('', False)
    """
    if not line.startswith("data:"):
        return "", False  # comments, event names, blank separators
    data = line[5:].strip()
    if data == "[DONE]":
        return "", True
    try:
        event = json.loads(data)
    except ValueError:
        raise ModelError(
            f"{where} sent a piece that is not JSON ({data[:80]!r}); is it an OpenAI-compatible server?"
        ) from None
    if "error" in event:
        error = event["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise ModelError(f"{where} failed mid-answer: {' '.join(str(message).split())[:200]}")
    choice = (event.get("choices") or [{}])[0]
    return (choice.get("delta") or {}).get("content") or "", bool(choice.get("finish_reason"))
