"""Several users at once: 8 gradio_client clients, 3 questions each, against the page served on loopback.

The model is the scripted fake, which like LlamaGenerator answers one question at a time, pausing per word
to simulate work. Each client asks about its own person, whose facts only that person's article states, so
an answer delivered to the wrong user would show. Speed is measured by benchmarks/load.py, never asserted
here.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.pipeline import Assistant
from assistant.ui import web
from tests.fakes import FakeEmbedder, ScriptedGenerator, free_port

pytestmark = pytest.mark.integration

PEOPLE = ["Alvarez", "Brennan", "Castillo", "Dimitrov", "Eriksen", "Fontaine", "Gallagher", "Hoffmann"]
ASKED = [("Which city does {} live in?", "{} has lived in the northern city of {}ville for most of twenty years."),
         ("What does {} collect?", "In the evenings {} collects old {} stamps from every country of the world."),
         ("What is the name of the dog of {}?", "The dog of {}, a big black retriever, is named Rex{} by the family.")]  # fmt: skip


def fact(person: str, q: int) -> str:
    """The word that answers question q about `person`: in that person's article only, in no other's words."""
    return f"{person[:3]}{'xyz'[q]}"


def article(person: str) -> str:
    facts = " ".join(sentence.format(person, fact(person, q)) for q, (_, sentence) in enumerate(ASKED))
    return f"# The life of {person}\n\nBy A Reporter\n\nMarch 3, 2015\n\n{facts}\n"


def reader(messages) -> str:
    """A good reader: it copies the sentence it reads when that sentence is about the person asked after."""
    sentence, question = re.search(r"Sentence: (.*)\nQuestion: (.*)", messages[-1]["content"]).groups()
    person = next(p for p in PEOPLE if p in question)
    return sentence if person in sentence else "No answer."


@pytest.fixture
def people(tmp_path) -> Assistant:
    folder = tmp_path / "people"
    folder.mkdir()
    for person in PEOPLE:
        (folder / f"{person.lower()}.txt").write_text(article(person), encoding="utf-8")
    app = Assistant(Settings.load(store_path=tmp_path / "index", corpus_path=folder, min_score=-1.0),
                    embedder=FakeEmbedder(), generator=ScriptedGenerator(pause=0.01, default=reader))  # fmt: skip
    app.ingest()
    return app


def rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def user(base: str, person: str) -> list[tuple[str, str, str]]:
    """One client asking its questions one after another: (the fact that answers, final answer text, sources)."""
    from gradio_client import Client

    client, out = Client(base, verbose=False), []
    for q, (question, _) in enumerate(ASKED):
        history, sources = client.predict(question.format(person), [], "", "", "", "", api_name="/ask")
        out.append((fact(person, q), history[-1]["content"][0]["text"], sources))
    return out


def test_eight_users_at_once_all_get_their_own_complete_answers(people):
    model = people.generator
    port = free_port()
    demo = web.serve(people, port=port, block=False, warn=lambda m: None)
    base = f"http://127.0.0.1:{port}/"
    try:
        user(base, PEOPLE[0])  # warm up: first request, lazy imports
        before = rss_mb()
        with ThreadPoolExecutor(len(PEOPLE)) as pool:
            results = [r for rs in pool.map(lambda p: user(base, p), PEOPLE) for r in rs]
        after = rss_mb()
    finally:
        demo.close()
    assert len(results) == len(PEOPLE) * len(ASKED)
    for answer_fact, text, sources in results:
        cited = re.search(r"\[\[\d+\]\]\(#src-1-(\d+)\)", text)
        assert answer_fact in text and cited, (answer_fact, text)
        n = cited.group(1)
        assert "⚠ Internal" not in text and f'class="sentence cited" id="src-1-{n}"' in sources
        others = {fact(p, q) for p in PEOPLE for q in range(len(ASKED))} - {answer_fact}
        assert not any(other in text for other in others), (answer_fact, text)
    print(f"load: rss {before:.0f} -> {after:.0f} MB, at most {model.most_waiting} waiting")
    assert model.most_waiting >= 2, "the questions never overlapped: nothing was queued"
    assert after - before < 300, f"memory grew by {after - before:.0f} MB under load"
    assert threading.active_count() < 100, "threads left behind by the load"


@pytest.mark.parametrize("script", sorted(p.name for p in (Path(__file__).parent.parent / "benchmarks").glob("*.py")))
def test_every_benchmark_script_starts(script):
    """Each benchmark imports what it uses (a name moved in one must not leave another unable to start)."""
    import subprocess
    import sys

    benchmarks = Path(__file__).parent.parent / "benchmarks"
    done = subprocess.run([sys.executable, str(benchmarks / script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
