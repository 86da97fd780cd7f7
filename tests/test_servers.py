"""Scaling out: the same assistant against a real Chroma server and a real OpenAI-compatible model server.

Each server is started by the test on loopback (`chroma run`, from the chromadb package; and
`python -m llama_cpp.server`, from llama-cpp-python's [server] extra) and stopped after. Two clients with
their own index folders share one Chroma server: each keeps its own lexical (BM25) index and must see the
other's additions, replacements and deletions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.answer.retrieve import Filters
from assistant.errors import StoreError
from assistant.evaluate import evaluate, read_questions
from assistant.pipeline import Assistant
from assistant.ui import cli
from tests.fakes import SHARED, FakeEmbedder, free_port

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.integration


def start(command: list[str], ready_url: str, log: Path, wait_s: float) -> subprocess.Popen:
    """Start a server process; return once ready_url answers (or fail with the server's log)."""
    proc = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(ready_url, timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    pytest.fail(f"{command[0]} did not start: {log.read_text(errors='replace')[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_chroma(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    chroma = shutil.which("chroma", path=str(BIN)) or "chroma"
    proc = start([chroma, "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)],
                 f"http://127.0.0.1:{port}/api/v2/heartbeat", folder / "server.log", 60)  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    proc, url = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    yield url
    stop(proc)


@pytest.fixture
def client(settings, tmp_path, chroma_url):
    """make(name): an Assistant with its own index folder on the shared server (a fresh collection per test)."""
    collection = f"test-{uuid.uuid4().hex[:12]}"

    def make(name):
        s = settings.replace(store_path=tmp_path / name, chroma_url=chroma_url, collection=collection)
        return Assistant(s, embedder=FakeEmbedder())

    return make


def sources(app, question, **weights):
    app.settings = app.settings.replace(**weights)
    return [h.chunk.source for h in app.retrieve(question, top_k=5)]


def test_ingest_is_idempotent_and_prunes_over_the_server(client, corpus):
    app = client("a")
    first = app.ingest([corpus])
    assert len(first.added) == 5 and app.index.store.count() == first.chunks
    assert len(app.ingest([corpus]).unchanged) == 5
    (corpus / "004_5ea01524ddc3fb62.txt").unlink()
    assert app.ingest([corpus]).removed == ["004_5ea01524ddc3fb62.txt"]
    assert len(app.index.store.articles()) == 4
    assert not (app.settings.store_path / "chroma.sqlite3").exists()  # nothing went to a local Chroma


DEV_SET = SHARED / "eval" / "seed_qa_dev.jsonl"


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared/eval not present")
def test_filters_and_eval_over_the_server_match_the_local_store(client, corpus, settings):
    app = client("a")
    app.ingest([corpus])
    dated = [h.chunk.date for h in app.retrieve("Kerry Lavrov", Filters(date_from="2015-08-06"), top_k=10)]
    assert dated and all(d >= "2015-08-06" for d in dated)
    local = Assistant(settings.replace(store_path=settings.store_path / "local"), embedder=FakeEmbedder())
    local.ingest([corpus])
    served, kept = (evaluate(a, read_questions(DEV_SET), retrieval_only=True) for a in (app, local))
    assert served["n"] == 12 and served["questions"] and served["recall_at_5"] > 0.5
    assert [served[k] for k in ("recall_at_1", "recall_at_5", "mrr")] == [
        kept[k] for k in ("recall_at_1", "recall_at_5", "mrr")
    ]


def test_two_clients_keep_their_lexical_indexes_consistent(client, corpus, tmp_path):
    a, b = client("a"), client("b")
    a.ingest([corpus])
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "cloves.txt").write_text("Zanzibar clove harvest\n\nZanzibar exported record cloves in 2015.\n")
    b.ingest([extra])
    bm25 = {"dense_weight": 0.0}
    assert sources(a, "Zanzibar cloves", **bm25) == ["cloves.txt"]  # A sees B's article through BM25
    assert b.ingest([corpus]).unchanged  # B caught up from the server: nothing re-embedded

    (extra / "cloves.txt").write_text("Pemba nutmeg harvest\n\nPemba exported record nutmeg in 2015.\n")
    b.ingest([extra])
    assert sources(a, "Zanzibar cloves", **bm25) == []  # the replaced text is gone from A's BM25 too
    assert sources(a, "Pemba nutmeg", **bm25) == ["cloves.txt"]
    (extra / "cloves.txt").unlink()
    b.ingest([extra])
    assert sources(a, "Pemba nutmeg", **bm25) == []


def test_ingest_sync_rebuilds_a_lost_lexical_index(client, corpus, chroma_url, monkeypatch):
    app = client("a")
    app.ingest([corpus])
    lexical_file = app.index.lexical.path
    app.index.lexical.close()
    lexical_file.unlink()
    monkeypatch.setattr(cli, "assistant_from", lambda ctx: Assistant(ctx.obj["settings"], embedder=FakeEmbedder()))
    args = ["--store-path", str(app.settings.store_path), "--chroma-url", chroma_url,
            "--collection", app.settings.collection, "ingest", "--sync"]  # fmt: skip
    result = CliRunner().invoke(cli.cli, args)
    assert result.exit_code == 0, result.output
    assert "5 articles refreshed, 0 dropped" in result.output


def test_a_chroma_server_that_is_down_is_a_one_line_error(settings):
    app = Assistant(settings.replace(chroma_url=f"http://127.0.0.1:{free_port()}"), embedder=FakeEmbedder())
    with pytest.raises(StoreError, match=r"cannot reach the Chroma server at http://127\.0\.0\.1:\d+ .*is it running"):
        app.index.store.count()


def test_a_chroma_server_that_stops_is_a_one_line_error(settings, corpus, tmp_path):
    proc, url = start_chroma(tmp_path)
    app = Assistant(settings.replace(chroma_url=url), embedder=FakeEmbedder())
    try:
        app.ingest([corpus])
    finally:
        stop(proc)
    with pytest.raises(StoreError, match=f"the Chroma server at {url} stopped answering"):
        app.ask("Who met Kerry?")


@pytest.mark.slow
def test_answers_through_llama_cpp_server_with_the_default_model(settings, corpus, tmp_path, model_cache):
    from assistant.models import catalogue

    app = Assistant(settings.replace(corpus_path=corpus), embedder=FakeEmbedder())
    gguf = catalogue.chat_model_path(app.chat_spec(), model_cache)
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "4096", "--model_alias", "qwen-0.5b"]  # fmt: skip
    proc = start(command, f"http://127.0.0.1:{port}/v1/models", tmp_path / "llm.log", 120)
    try:
        app.settings = app.settings.replace(llm_url=f"http://127.0.0.1:{port}/v1", llm_model="qwen-0.5b")
        app.ingest()
        answer = app.ask("Which Turkish foreign minister met Kerry in Kuala Lumpur?")
        assert "cavusoglu" in answer.text.lower(), answer.text
        assert answer.timings["first_token_s"] > 0
    finally:
        stop(proc)


def test_a_question_on_another_client_rescans_nothing_while_one_client_ingests(client, tmp_path, capsys):
    """The stamp moves once per ingest (at most every 30 s), not once per group written: while B ingests, A's
    questions scan none of the collection's metadata; the first question after B's ingest scans it once."""
    from tests.test_crash import make_corpus

    a, b = client("a"), client("b")
    corpus = make_corpus(tmp_path / "many", n=200)
    a.ingest([corpus / "story_000.txt"])
    a.retrieve("ferry")  # A catches up with its own ingest: B's is the one measured
    scans = []
    store, articles = a.index.store, a.index.store.articles

    def scan():
        started = time.perf_counter()
        found = articles()
        scans.append(time.perf_counter() - started)
        return found

    store.articles = scan
    during = []

    def ask_a(done, total, what):  # B has written one more group
        before = len(scans)
        a.retrieve("ferry market price")
        during.append(len(scans) - before)

    report = b.ingest([corpus], progress=ask_a)
    before = len(scans)
    assert "Story number 199" in a.retrieve("Story number 199")[0].chunk.title  # A sees all of B's articles
    after = len(scans) - before
    with capsys.disabled():
        print(f"\nstamp: B wrote {report.chunks} chunks in {len(during)} groups; A's {len(during)} questions "
              f"meanwhile scanned the metadata {sum(during)} times, its next question {after} time "
              f"({scans[-1] * 1000:.0f} ms for {report.chunks} chunks)")  # fmt: skip
    assert len(during) >= 3 and sum(during) == 0 and after == 1
