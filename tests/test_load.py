"""Several people at once: 8 gradio_client users, 3 questions each, against a page on loopback.

Generation is serialised by the model's lock (a llama.cpp context serves one call at a time); retrieval
is not. Every request must end in a complete answer; memory must stay bounded.
"""

from __future__ import annotations

import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant import web
from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.conftest import ARTICLES, FakeEmbedder, ScriptedGenerator
from tests.test_browser import free_port

QUESTIONS = ["What did Lavrov propose?", "Where is the coordination center being created?", "Who met Kerry?"]


class BusyModel(ScriptedGenerator):
    """Answers every question the same way, slowly, and records whether two calls ever overlapped."""

    def __init__(self):
        super().__init__()
        self.active = 0
        self.overlapped = False
        self.calls = 0

    def stream(self, messages, max_tokens, temperature):
        with self.lock:  # the same discipline as LlamaGenerator: one generation at a time
            self.active += 1
            self.overlapped |= self.active > 1
            self.calls += 1
            for word in "Lavrov met Kerry in Kuala Lumpur [1].".split():
                time.sleep(0.02)
                yield word + " "
            self.active -= 1


@pytest.fixture
def site(tmp_path):
    model = BusyModel()
    app = Assistant(Settings.load(environ={}, store_path=tmp_path / "index", min_score=-1.0),
                    embedder=FakeEmbedder(), generator=model)  # fmt: skip
    app.ingest([ARTICLES])
    port = free_port()
    demo = web.serve(app, port=port, block=False, warn=lambda m: None)
    yield model, f"http://127.0.0.1:{port}/"
    demo.close()


def test_eight_concurrent_users_all_get_complete_answers(site):
    from gradio_client import Client

    model, url = site
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def user(i):
        client = Client(url, verbose=False)
        answers = []
        for q in QUESTIONS:
            chat = client.predict(q, [], "", "", "", "", api_name="/ask")[0]
            answers.append(chat[-1]["content"][0]["text"] if isinstance(chat[-1]["content"], list) else chat[-1]["content"])
        return answers

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(user, range(8)))
    flat = [a for answers in results for a in answers]
    assert len(flat) == 24
    assert all(a.startswith("Lavrov met Kerry in Kuala Lumpur") for a in flat), set(flat)
    assert model.calls == 24 and not model.overlapped
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert grown_mb < 500, f"memory grew by {grown_mb:.0f} MB"
    assert threading.active_count() < 100
