"""Repairs that never lose an article (issue 14.7) and indexes built by an older version.

The index keeps each article twice: vectors and metadata in Chroma, text and metadata in the lexical index.
Each scenario here loses or damages one of them for real (files emptied, truncated or deleted), then checks
that `status` says so in one line and that a plain `assistant ingest` of one folder brings back everything
the index held, including folders and files it was not given.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from assistant.config import Settings
from assistant.ingest.lexical import LexicalIndex
from assistant.pipeline import Assistant
from assistant.records import Chunk
from tests.fakes import FakeEmbedder
from tests.test_folders import folder, story


def two_folders(tmp_path, run):
    biz = folder(tmp_path / "biz", **{"001.txt": "shares", "002.txt": "a merger"})
    other = folder(tmp_path / "other", **{"rain.txt": "the rain in Spain", "sub/snow.txt": "snow"})
    single = tmp_path / "loose" / "cloves.txt"
    single.parent.mkdir()
    single.write_text(story("Zanzibar cloves"))
    for path in (biz, other, single):
        assert run("ingest", str(path)).exit_code == 0
    return biz, other, single


def held(settings: Settings) -> tuple[list, list]:
    """(the sha256 of every article in Chroma, the id of every article in the lexical index), each sorted."""
    index = Assistant(settings, embedder=FakeEmbedder()).index
    store = sorted(a.sha256 for a in index.store.articles().values())
    index.close()
    lexical = LexicalIndex(settings.store_path / "articles.bm25.sqlite")
    ids = sorted(lexical.counts())
    lexical.close()
    return store, ids


def problems(run) -> list[str]:
    return json.loads(run("status", "--json").output).get("problems")


def test_an_emptied_vector_index_is_reported_and_refilled_without_losing_the_other_folders(run, tmp_path, settings):
    biz, other, single = two_folders(tmp_path, run)
    before = held(settings)
    (settings.store_path / "chroma.sqlite3").write_bytes(b"")  # emptied: Chroma starts a new, empty database
    assert problems(run) == [
        "the vector index lacks 5 of the articles the lexical index holds: `assistant ingest` restores them"
    ]
    single.unlink()  # its text now lives only in the index
    out = run("ingest", str(biz)).output
    assert "restored 5 articles the vector index had lost, from the lexical index" in out
    assert held(settings) == before and problems(run) == []


def test_a_deleted_lexical_index_is_reported_and_rebuilt_for_every_folder(run, tmp_path, settings):
    biz, other, single = two_folders(tmp_path, run)
    before = held(settings)
    for path in settings.store_path.glob("articles.bm25.sqlite*"):
        path.unlink()
    assert problems(run) == [
        "the lexical index lacks 5 of the vector index's articles: `assistant ingest` (or `--sync`) restores them"
    ]
    out = run("ingest", str(biz)).output
    assert "restored 5 articles the lexical index had lost, from the vector index" in out
    assert held(settings) == before and problems(run) == []


def test_a_question_on_a_deleted_lexical_index_still_finds_what_only_bm25_finds(run, tmp_path, settings):
    two_folders(tmp_path, run)
    for path in settings.store_path.glob("articles.bm25.sqlite*"):
        path.unlink()
    app = Assistant(settings.replace(dense_weight=0.0), embedder=FakeEmbedder())  # BM25 alone
    assert [h.chunk.path for h in app.retrieve("Zanzibar", top_k=1)] == [str(tmp_path / "loose" / "cloves.txt")]
    assert len(app.index.lexical.counts()) == 5


def test_a_damaged_vector_index_is_rebuilt_with_its_single_files_and_gone_folders(run, tmp_path, settings):
    biz, other, single = two_folders(tmp_path, run)
    before = held(settings)
    chroma = settings.store_path / "chroma.sqlite3"
    with open(chroma, "r+b") as fh:
        fh.truncate(chroma.stat().st_size // 3)
    (other / "rain.txt").unlink()
    (other / "sub" / "snow.txt").unlink()
    other.joinpath("sub").rmdir()
    other.rmdir()  # a whole folder gone
    out = run("ingest", str(biz))
    assert out.exit_code == 0, out.output
    assert "the vector index was damaged" in out.output and "set aside in" in out.output
    assert held(settings) == before


# --- an index built by an older version ---------------------------------------------------------------------

OLD_LEXICAL = [  # the lexical schema of 0.1
    "CREATE VIRTUAL TABLE passages USING fts5(title, text, chunk_id UNINDEXED, article_id UNINDEXED, "
    "tokenize='porter unicode61')",
    "CREATE TABLE articles(article_id TEXT PRIMARY KEY, sha256 TEXT)",
    "CREATE TABLE state(key TEXT PRIMARY KEY, value TEXT)",
]


def write_old_index(settings: Settings, roots) -> int:
    """What 0.1 wrote for these folders: ids from the folder's name and the file's path in it, no `path`
    or `folder` in the metadata, a lexical index without metadata, and the folders' paths remembered."""
    from assistant.ingest.chunk import CHUNKER_VERSION, chunk_article
    from assistant.ingest.read import make_article

    app = Assistant(settings, embedder=FakeEmbedder())
    store, written = app.index.store, 0
    db = sqlite3.connect(settings.store_path / "articles.bm25.sqlite")
    for statement in OLD_LEXICAL:
        db.execute(statement)
    for root in roots:
        for path in sorted(p for p in root.rglob("*.txt")):
            source = path.relative_to(root).as_posix()
            article = make_article(root.name, source, path.read_text().strip())
            old_id = hashlib.sha1(f"{root.name}/{source}".encode()).hexdigest()[:16]
            chunks = [
                Chunk(**{**c.__dict__, "id": f"{old_id}:{c.index}", "article_id": old_id, "path": "", "folder": ""})
                for c in chunk_article(article, 700, 150, chunker=f"v{CHUNKER_VERSION}:700/150")
            ]
            old_meta = [{k: v for k, v in c.metadata().items() if k not in ("path", "folder")} for c in chunks]
            store.collection.add(ids=[c.id for c in chunks], documents=[c.text for c in chunks],
                                 embeddings=FakeEmbedder().embed([c.text for c in chunks]), metadatas=old_meta)  # fmt: skip
            db.executemany(
                "INSERT INTO passages VALUES (?, ?, ?, ?)", [(c.title, c.text, c.id, old_id) for c in chunks]
            )
            db.execute("INSERT INTO articles VALUES (?, ?)", (old_id, article.sha256))
            written += 1
    db.execute("INSERT INTO state VALUES ('roots', ?)", (json.dumps(sorted(str(r.resolve()) for r in roots)),))
    db.commit()
    db.close()
    app.index.close()
    return written


def test_an_index_from_an_older_version_is_read_then_updated_without_re_embedding(run, tmp_path, settings):
    a = folder(tmp_path / "a" / "news", **{"x.txt": "ferries", "y.txt": "trams"})
    b = folder(tmp_path / "b" / "papers", **{"z.txt": "buses"})
    assert write_old_index(settings, [a, b]) == 3
    assert problems(run) == [
        "3 articles were indexed by an older version: `assistant ingest` updates them (no re-embedding)"
    ]
    assert json.loads(run("ask", "--json", "What about the ferries?").output)["retrieved"]  # readable as it is
    out = run("ingest", str(a)).output
    assert "updated 3 articles indexed by an older version (no re-embedding)" in out
    assert "0 added, 0 updated, 2 unchanged, 0 removed" in out and "(0 chunks embedded" in out
    index = Assistant(settings, embedder=FakeEmbedder()).index
    paths = {str(a / "x.txt"), str(a / "y.txt"), str(b / "z.txt")}
    assert {v.path for v in index.store.articles().values()} == paths
    assert {c.path for c in index.lexical.chunks_of(list(index.lexical.counts()))} == paths
    assert problems(run) == []
