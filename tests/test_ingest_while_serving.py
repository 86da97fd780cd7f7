"""Articles ingested by another process become searchable in a serving process, without a restart."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.fakes import ARTICLES, FakeEmbedder
from tests.test_crash import SCRIPT

pytestmark = pytest.mark.integration


def test_a_second_process_ingests_while_the_first_keeps_answering(tmp_path):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for f in sorted(ARTICLES.iterdir())[:3]:
        shutil.copy(f, corpus)
    serving = Assistant(Settings.load(store_path=tmp_path / "index", min_score=-1.0), embedder=FakeEmbedder())
    serving.ingest([corpus])
    assert all(h.chunk.source != "004_5ea01524ddc3fb62.txt" for h in serving.retrieve("Palmyra ancient city"))

    shutil.copy(ARTICLES / "004_5ea01524ddc3fb62.txt", corpus)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "index"), str(corpus)], capture_output=True, text=True
    )
    assert done.returncode == 0 and "1 added" in done.stdout, done.stderr

    hits = serving.retrieve("Palmyra ancient city")
    assert hits[0].chunk.source == "004_5ea01524ddc3fb62.txt"
    assert serving.index.store.count() == len(serving.index.store.collection.get()["ids"])
