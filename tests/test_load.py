"""Several users at once: 8 gradio_client clients, 3 questions each, against the page served on loopback.

The model is the scripted fake, which like LlamaGenerator answers one question at a time, pausing per word
to simulate work. Each reply names the question it answers, so an answer delivered to the wrong user would
show. Speed is measured by benchmarks/load.py, never asserted here.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant import web
from tests.fakes import ScriptedGenerator, citing, free_port

pytestmark = pytest.mark.integration

CLIENTS, QUESTIONS = 8, 3
TOPICS = ["What did Lavrov propose", "What did Lavrov and Kerry agree on", "Which city did Islamic State occupy"]


def tagged_reply(messages) -> str:
    """The first evidence sentence, cited, then 'Asked by client C question Q.': the question it
    answers, named (a sentence the check flags, as it should: the articles do not say it)."""
    tag = re.search(r"client \w+ question \w+", messages[-1]["content"]).group()
    return f"{citing('')(messages)} Asked by {tag}."


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def user(base: str, c: str) -> list[tuple[str, str, str]]:
    """One client asking its questions one after another: (tag, final answer text, sources html).

    Clients and questions are named by letters ("client b question a"): a number in a question is a fact the
    evidence must state, and the check would rightly withhold an answer to a question about "client 2"."""
    from gradio_client import Client

    client, out = Client(base, verbose=False), []
    for q in range(QUESTIONS):
        tag = f"client {c} question {'abc'[q]}"
        history, sources = client.predict(f"{TOPICS[q]} ({tag})?", [], "", "", "", "", api_name="/ask")
        out.append((tag, history[-1]["content"][0]["text"], sources))
    return out


def test_eight_users_at_once_all_get_their_own_complete_answers(app):
    model = ScriptedGenerator(pause=0.01, default=tagged_reply)
    app.generator = model
    port = free_port()
    demo = web.serve(app, port=port, block=False, warn=lambda m: None)
    base = f"http://127.0.0.1:{port}/"
    try:
        user(base, "w")  # warm up: first request, lazy imports
        before = rss_mb()
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = [r for rs in pool.map(lambda c: user(base, c), "abcdefgh"[:CLIENTS]) for r in rs]
        after = rss_mb()
    finally:
        demo.close()
    assert len(results) == CLIENTS * QUESTIONS and model.calls == (CLIENTS + 1) * QUESTIONS
    for tag, text, sources in results:
        assert "[[1]](#src-1-1)" in text and f"by {tag} " in text, (tag, text)
        n = re.search(r"\(#src-1-(\d+)\)", text).group(1)
        assert "⚠ Internal" not in text and f'class="sentence cited" id="src-1-{n}"' in sources
    print(f"load: rss {before:.0f} -> {after:.0f} MB, at most {model.most_waiting} waiting")
    assert model.most_waiting >= 2, "the questions never overlapped: nothing was queued"
    assert after - before < 300, f"memory grew by {after - before:.0f} MB under load"
    assert threading.active_count() < 100, "threads left behind by the load"
