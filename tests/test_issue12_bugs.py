"""The four bugs of issue 12, written against main's API: each must fail there."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest
from click.testing import CliRunner

from assistant import cli, models, web
from assistant.errors import ModelError
from assistant.lexical import LexicalIndex
from assistant.pipeline import Assistant
from assistant.records import Chunk
from tests.conftest import FakeEmbedder
from tests.test_models import catalogue  # noqa: F401  (fixture)


# 1. A store handed to a request stays valid while another thread reopens it.
def test_a_store_in_use_stays_valid_while_another_thread_reopens(app):
    store = app.store
    stamp = app.settings.store_path / "written"
    os.utime(stamp, ns=(1, 1))  # another process wrote the index
    threading.Thread(target=lambda: app.store).start()
    time.sleep(0.5)
    assert store.count() > 0


# 2. Loading the chat model blocks no retrieval; the page says it is loading.
def test_loading_the_model_does_not_block_retrieval(settings, corpus, monkeypatch):
    app = Assistant(settings, embedder=FakeEmbedder())
    app.ingest([corpus])
    joining, release = threading.Event(), threading.Event()

    def slow_join(spec, cache_dir, progress=None):
        joining.set()
        release.wait(20)
        raise ModelError("test: stop loading")

    monkeypatch.setattr(models, "chat_model_path", slow_join)

    def load():
        try:
            app.generator
        except ModelError:
            pass

    loader = threading.Thread(target=load)
    loader.start()
    assert joining.wait(5)
    found = []
    asker = threading.Thread(target=lambda: found.extend(app.retrieve("What did Lavrov propose?")))
    asker.start()
    asker.join(5)
    done = not asker.is_alive()
    release.set()
    loader.join()
    asker.join()
    assert done and found, "retrieval waited for the model to load"


def test_the_page_says_the_model_is_loading_before_the_first_answer(settings, corpus):
    app = Assistant(settings, embedder=FakeEmbedder())
    app.ingest([corpus])
    history, _ = next(web.respond(app, "What did Lavrov propose?", []))
    assert history[-1]["content"] == "⏳ Loading the model (first question only)…"


# 3. `assistant models` joins and verifies the chat model it will use.
def test_models_joins_and_verifies_the_chat_model(catalogue, tmp_path):  # noqa: F811
    result = CliRunner().invoke(
        cli.cli, ["--catalogue", str(tmp_path / "models.txt"), "--cache-dir", str(tmp_path / "c"), "models"]
    )
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if "fake-chat" in ln)
    assert "installed, verified" in line
    assert (tmp_path / "c" / "models" / "fake-chat.gguf").read_bytes() == catalogue[1]


# 4. A failed delete or clear rolls back and leaves the lexical index usable.
class FailOn:
    def __init__(self, db, statement):
        self.db, self.statement = db, statement

    def execute(self, sql, *args):
        if sql.startswith(self.statement):
            raise sqlite3.OperationalError("disk I/O error (test)")
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


def chunks(article_id, n=2):
    return [
        Chunk(f"{article_id}:{i}", article_id, i, f"text {i} of {article_id}", 0, 9, "s.txt", "T", article_sha256="x")
        for i in range(n)
    ]


@pytest.mark.parametrize("call", [lambda lx: lx.delete_articles(["a"]), lambda lx: lx.clear()])
def test_a_failed_delete_rolls_back(tmp_path, call):
    lexical = LexicalIndex(tmp_path / "x.bm25.sqlite")
    lexical.add(chunks("a") + chunks("b"))
    real = lexical.db
    lexical.db = FailOn(real, "DELETE FROM articles")
    with pytest.raises(sqlite3.OperationalError):
        call(lexical)
    lexical.db = real
    assert not real.in_transaction
    assert lexical.counts() == {"a": 2, "b": 2}
    lexical.add(chunks("c"))
    assert lexical.counts() == {"a": 2, "b": 2, "c": 2}
