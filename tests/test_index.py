"""The Index: one object owning the vector store and the lexical index, kept fresh while others write."""

from __future__ import annotations

import os
import threading
import time

from assistant.ingest.index import Index
from tests.fakes import FakeEmbedder


def other_process_wrote(index: Index) -> None:
    """What another process's ingest leaves behind: a new time on the index folder's `written` file."""
    stamp = index.settings.store_path / "written"
    later = stamp.stat().st_mtime_ns + 1000
    os.utime(stamp, ns=(later, later))


def test_a_store_in_use_stays_valid_while_another_thread_reopens_it(app):
    store = app.index.store
    other_process_wrote(app.index)
    opener = threading.Thread(target=lambda: app.index.store)  # sees the new stamp: reopens
    opener.start()
    opener.join()
    assert app.index.store is store and store.count() > 0


def test_questions_keep_working_while_the_store_is_reopened_under_them(app):
    errors, answered = [], []
    stop = threading.Event()

    def ask():
        while not stop.is_set():
            try:
                answered.append(len(app.retrieve("What did Lavrov propose?")))
            except Exception as exc:  # noqa: BLE001  (any failure is what this test looks for)
                errors.append(repr(exc))

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for t in askers:
        t.start()
    reopened = 0
    deadline = time.monotonic() + 60  # a busy machine is slow; the counts, not the clock, end the loop
    while time.monotonic() < deadline and (reopened <= 10 or len(answered) <= 10):
        other_process_wrote(app.index)
        app.index.store  # reopens under the askers
        reopened += 1
    stop.set()
    for t in askers:
        t.join()
    assert not errors, errors[:3]
    assert reopened > 10 and len(answered) > 10 and set(answered) == {app.settings.top_k}


def test_an_article_is_stitched_back_from_its_overlapping_chunks(app, corpus):
    """Word for word (the whitespace between chunks that do not overlap is not stored: it reads as 1 or 2
    line breaks), and exactly where those gaps are line breaks, as in all but one sample article."""
    exact = 0
    for aid, stored in app.index.store.articles().items():
        article = app.index.article(aid)
        source = (corpus / stored.source).read_text(encoding="utf-8").strip()
        assert article["text"].split() == source.split()
        exact += article["text"] == source
        assert stored.n_chunks > 1 and article["title"] == stored.title
    assert exact == 4


def test_an_ingest_announces_its_writes_at_most_every_interval_and_once_at_its_end(settings, corpus, tmp_path):
    from tests.test_crash import make_corpus

    index = Index(settings, FakeEmbedder.name, announce_every_s=3600)
    announced = []
    index.announce = lambda real=index.announce: announced.append(1) or real()
    groups = []
    index.ingest([make_corpus(tmp_path / "many", n=120)], FakeEmbedder().embed, progress=lambda *a: groups.append(1))
    assert len(groups) >= 2 and len(announced) == 1  # at the end only
    index.announce_every_s = 0
    announced.clear()
    (corpus / "new.txt").write_text("A new article\n\nIt says something new about ferries.\n")
    index.ingest([corpus], FakeEmbedder().embed)
    assert len(announced) == 2  # after its one group, and at the end


def test_status_says_where_the_index_lives_and_what_it_holds(app, settings, corpus):
    status = app.index.status()
    assert status["store_path"] == str(settings.store_path) and status["articles"] == 5
    assert status["folders"] == [{"path": str(corpus), "articles": 5, "gone": False}]
    assert status["embedding_model"] == "fake-embedder" and status["problems"] == [] and not status["read_only"]
