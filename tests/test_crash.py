"""Crash safety: SIGKILL `ingest` at random points; a plain re-run always leaves a consistent index."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.fakes import FakeEmbedder

SCRIPT = Path(__file__).with_name("ingest_with_fakes.py")


def make_corpus(root: Path, n: int = 400) -> Path:
    root.mkdir()
    rng = random.Random(7)
    words = "minister talks coalition river ferry market price shares football match election vote".split()
    for i in range(n):
        body = " ".join(
            f"Sentence {j} about {rng.choice(words)} and {rng.choice(words)}." for j in range(rng.randint(60, 120))
        )
        (root / f"story_{i:03d}.txt").write_text(f"Story number {i}\n\n{body}\n")
    return root


def snapshot(store_path: Path) -> dict:
    index = Assistant(Settings.load(store_path=store_path), embedder=FakeEmbedder()).index
    got = index.store.collection.get(include=["metadatas"])
    ids = got["ids"]
    per_article = Counter(m["article_id"] for m in got["metadatas"])
    expected = {m["article_id"]: m["n_chunks"] for m in got["metadatas"]}
    lexical = index.lexical.counts()
    lexical_ids = {r[0] for r in index.lexical.db.execute("SELECT chunk_id FROM passages")}
    return {
        "chunks": len(ids),
        "duplicates": len(ids) - len(set(ids)),
        "half_indexed": [a for a, n in per_article.items() if n != expected[a]],
        "lexical_mismatch": sorted(set(lexical) ^ set(per_article))
        + [a for a in lexical if lexical[a] != per_article.get(a)],
        "lexical_orphans": len(lexical_ids - set(ids)),
        "articles": len(per_article),
    }


def run_ingest(store: Path, corpus: Path, pause: float = 0.0, kill_after: float | None = None) -> int:
    proc = subprocess.Popen([sys.executable, str(SCRIPT), str(store), str(corpus), str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    if kill_after is not None:
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=300)
    return proc.returncode


@pytest.mark.integration
def test_killed_ingests_are_repaired_by_a_plain_rerun(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    store = tmp_path / "crashy"
    rng = random.Random(11)
    kills = 0
    for round_ in range(4):
        if round_:  # give the next run work to do: changed articles are deleted and rewritten
            for victim in rng.sample(sorted(corpus.iterdir()), 250):
                victim.write_text(victim.read_text() + f"\nA sentence added in round {round_} about the ferry.\n")
        code = run_ingest(store, corpus, pause=0.3, kill_after=rng.uniform(2.5, 5.0))
        kills += code == -signal.SIGKILL
        assert run_ingest(store, corpus) == 0  # the plain re-run
        fresh = tmp_path / f"fresh{round_}"
        assert run_ingest(fresh, corpus) == 0
        reference = snapshot(fresh)
        assert reference["articles"] == 400 and not reference["half_indexed"]
        assert snapshot(store) == reference
    assert kills >= 3, "the ingest finished before it could be killed: make the corpus bigger"


def test_an_index_chroma_cannot_read_is_rebuilt_with_every_article_it_held(settings, corpus, tmp_path):
    """After a killed write Chroma can fail to replay its own log (chroma-core/chroma#7678): ingest rebuilds."""
    import chromadb.errors

    from assistant.errors import DamagedIndexError

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "cloves.txt").write_text("Zanzibar clove harvest\n\nZanzibar exported record cloves in 2015.\n")
    app = Assistant(settings.replace(corpus_path=corpus), embedder=FakeEmbedder())
    app.ingest([corpus])
    app.ingest([extra])

    def damaged(*args, **kwargs):
        raise chromadb.errors.InternalError("Failed to apply logs to the hnsw segment writer")

    app.index.store.collection.get = app.index.store.collection.query = damaged
    with pytest.raises(DamagedIndexError, match=r"the vector index at .* is damaged .* run `assistant ingest`"):
        app.ask("Who met Kerry?")
    report = app.ingest([corpus])
    aside, restored = report.notes
    assert aside.startswith("the vector index was damaged; its files are set aside in ")
    assert restored == "restored 6 articles the vector index had lost, from the lexical index"
    index = app.index
    assert len(index.store.articles()) == 6 and sum(index.lexical.counts().values()) == index.store.count()
    assert [h.chunk.source for h in app.retrieve("Zanzibar cloves", top_k=1)] == ["cloves.txt"]


class InterruptedEmbedder(FakeEmbedder):
    """The fake embedder, counting the texts it embeds; with `stop_at`, that call is a Ctrl-C."""

    def __init__(self, stop_at: int | None = None):
        self.calls = self.texts = 0
        self.stop_at = stop_at

    def embed(self, texts):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        self.texts += len(texts)
        return super().embed(texts)


def test_an_interrupted_ingest_resumes_without_re_embedding_what_it_wrote(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    settings = Settings.load(store_path=tmp_path / "index")
    stopped = InterruptedEmbedder(stop_at=4)
    with pytest.raises(KeyboardInterrupt):
        Assistant(settings, embedder=stopped).ingest([corpus])
    written = snapshot(tmp_path / "index")
    assert 0 < written["articles"] < 400 and not written["half_indexed"] and not written["lexical_mismatch"]

    resumed = InterruptedEmbedder()
    report = Assistant(settings, embedder=resumed).ingest([corpus])
    assert len(report.unchanged) == written["articles"] and len(report.added) == 400 - written["articles"]
    final = snapshot(tmp_path / "index")
    assert resumed.texts == final["chunks"] - written["chunks"]  # what was written is not embedded again
    assert final["articles"] == 400 and not final["half_indexed"] and not final["lexical_mismatch"]
