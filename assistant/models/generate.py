"""Stream an answer from a chat model: a local GGUF file or an OpenAI-compatible server.

A generator is any object with `stream(messages, max_tokens, temperature,
grammar=None)` yielding text pieces, `score(messages, options)`: the log-
probability of each of a few replies (how the model chooses a span to quote,
reading.py), `count_tokens(text)`, and `ahead()`: how many answers a new
question would wait for (what the page shows). `grammar`
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
is catalogue.py's job.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import threading
from collections.abc import Iterator
from typing import Protocol
from urllib.parse import urlparse

import httpx
import numpy as np

from ..config import env_name
from ..errors import ModelError


class Generator(Protocol):
    name: str

    def stream(
        self, messages: list[dict], max_tokens: int, temperature: float, grammar: str | None = None
    ) -> Iterator[str]: ...

    def score(self, messages: list[dict], options: list[str]) -> list[float]: ...

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
        self._formatter = None
        try:
            self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_batch=512, verbose=False, seed=0)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot load model file {path} ({exc}); reinstall the model") from None

    def count_tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def ahead(self) -> int:
        """Answers a new question would wait for: the one being written and those queued before it."""
        return self.waiting + self.lock.locked()

    def score(self, messages: list[dict], options: list[str]) -> list[float]:
        """The log-probability of each option as the model's whole reply, when it may reply only with one of
        them: at each token where the options part, the model's probability of each one's next token among the
        tokens they allow (as sampling under a grammar of the options would), multiplied along the option and
        its end-of-reply token. One evaluation per point where options part; the prompt's shared start is kept
        in the model's cache, as for any answer."""
        with self._turn():
            prompt = self._tokens(self._format(messages), special=True)
            replies = [self._tokens(o) + [self.llm.token_eos()] for o in options]
            out = [0.0] * len(options)
            self._walk(prompt, replies, list(range(len(options))), 0, out)
            return out

    def _walk(self, prompt: list[int], replies: list[list[int]], members: list[int], depth: int, out: list[float]):
        if len(members) < 2:
            return
        logits = self._logits_after(prompt + replies[members[0]][:depth])
        branches: dict[int, list[int]] = {}
        for i in members:
            if depth < len(replies[i]):
                branches.setdefault(replies[i][depth], []).append(i)
        total = np.logaddexp.reduce(logits[list(branches)])
        for token, group in branches.items():
            for i in group:
                out[i] += float(logits[token] - total)
            self._walk(prompt, replies, group, depth + 1, out)

    def _logits_after(self, tokens: list[int]):
        """The model's next-token logits after these tokens, evaluating only what its cache does not hold."""
        llm = self.llm
        kept = 0
        for a, b in zip(llm.input_ids[: min(llm.n_tokens, len(tokens) - 1)], tokens):
            if a != b:
                break
            kept += 1
        from llama_cpp import llama_get_logits_ith

        llm.n_tokens = kept
        llm.eval(tokens[kept:])
        row = llama_get_logits_ith(llm._ctx.ctx, -1)
        return np.ctypeslib.as_array(row, shape=(llm.n_vocab(),)).copy()

    def _tokens(self, text: str, special: bool = False) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=special)

    def _format(self, messages: list[dict]) -> str:
        """The prompt text the model's own chat template makes of the messages, ready for its reply."""
        if self._formatter is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            eos = self.llm.detokenize([self.llm.token_eos()], special=True).decode("utf-8", "replace")
            template = self.llm.metadata["tokenizer.chat_template"]
            self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token="")
        return self._formatter(messages=messages).prompt

    @contextlib.contextmanager
    def _turn(self):
        """One call at a time on the llama.cpp context; `waiting` counts those queued for it."""
        self.waiting += 1
        try:
            self.lock.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self.lock.release()

    def stream(
        self, messages: list[dict], max_tokens: int, temperature: float, grammar: str | None = None
    ) -> Iterator[str]:
        with self._turn():
            pieces = self.llm.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True,
                grammar=_grammar(grammar) if grammar else None,
            )  # fmt: skip
            for piece in pieces:
                text = piece["choices"][0]["delta"].get("content")
                if text:
                    yield text


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
    UNCHOSEN = -20.0  # the log-probability given to the options the server's model did not choose

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

    def score(self, messages: list[dict], options: list[str]) -> list[float]:
        """The option the server's model replies with, under a grammar of the options, at log-probability 0 and
        the others at UNCHOSEN: an OpenAI-compatible server gives no probabilities of replies it did not write, so
        the model's choice is known but not how sure it was."""
        grammar = "root ::= " + " | ".join(json.dumps(o) for o in options)
        reply = " ".join("".join(self.stream(messages, 100, 0.0, grammar=grammar)).split())
        chosen = next((i for i, o in enumerate(options) if " ".join(o.split()) == reply), None)
        if chosen is None:  # a server that ignores grammars: the option the reply begins with, if any
            chosen = next(
                (i for i, o in enumerate(options) if reply.startswith(" ".join(o.split())[:20])), len(options) - 1
            )
        return [0.0 if i == chosen else self.UNCHOSEN for i in range(len(options))]

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
