"""The lexical (BM25) index: SQLite FTS5 in a file beside the Chroma store.

Dense MiniLM vectors blur names and numbers ("Rathke", "39.99"); BM25 does
not. `LexicalIndex` keeps one FTS5 row per chunk, updated with the same
add/delete calls as the vector store, and answers `search(question, n)` with
chunk ids ranked by BM25. The passage shown to the user always comes from the
vector store; but each article's metadata is kept here too, so that the text
and metadata of every article live in both stores and each can restore the
other (index.py): `chunks_of` gives an article's chunks back whole. `synced`
records the store stamp it was last brought in step with (used with a shared
Chroma server, where each client keeps its own file); `roots` the folders and
files ever ingested. A file SQLite cannot read is a DamagedIndexError naming it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import DamagedIndexError
from ..records import Chunk
from ..text.words import STOPWORDS
from .walk import inside

PER_CHUNK = ("id", "article_id", "index", "text", "start", "end")
PER_ARTICLE = [f.name for f in dataclasses.fields(Chunk) if f.name not in PER_CHUNK]


def query_terms(text: str) -> list[str]:
    """Words worth matching, lower-cased, stopwords out.

    >>> query_terms("What did Lavrov say about the $39.99 deal?")
    ['lavrov', '39.99', 'deal']
    """
    words = re.findall(r"\w+(?:[.,'’-]\w+)*", text.lower())
    return [w for w in dict.fromkeys(words) if w not in STOPWORDS]


def _readable(method):
    """SQLite's own damage (not a database, a malformed image) as one line naming the file."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if type(exc) is not sqlite3.DatabaseError:  # locked, disk full, ...: not damage
                raise
            raise DamagedIndexError(
                f"the lexical index {self.path} is damaged ({exc}); run `assistant ingest` to rebuild it "
                "from the vector index"
            ) from None

    return call


class LexicalIndex:
    @_readable
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5("
            "title, text, chunk_id UNINDEXED, article_id UNINDEXED, tokenize='porter unicode61')"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS articles(article_id TEXT PRIMARY KEY, sha256 TEXT, meta TEXT)")
        if "meta" not in {row[1] for row in self.db.execute("PRAGMA table_info(articles)")}:  # made by 0.1
            self.db.execute("ALTER TABLE articles ADD COLUMN meta TEXT")  # its rows are refreshed from the store
        self.db.execute("CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT)")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, rolled back on any error: the shared connection never stays inside one."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Replace the rows of these chunks' articles with these chunks, in one transaction."""
        with self._transaction():
            self._delete(sorted({c.article_id for c in chunks}))
            self.db.executemany(
                "INSERT INTO passages(title, text, chunk_id, article_id) VALUES (?, ?, ?, ?)",
                [(c.title, c.text, c.id, c.article_id) for c in chunks],
            )
            self.db.executemany("INSERT INTO articles(article_id, sha256, meta) VALUES (?, ?, ?)", _articles(chunks))

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        with self._transaction():
            self._delete(list(article_ids))

    def _delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            self.db.execute(f"DELETE FROM passages WHERE article_id IN ({marks})", part)
            self.db.execute(f"DELETE FROM articles WHERE article_id IN ({marks})", part)

    @_readable
    def counts(self) -> dict[str, int]:
        """article_id -> number of rows: lets the indexer find rows that disagree with the vector store."""
        with self._lock:
            rows = self.db.execute("SELECT article_id, count(*) FROM passages GROUP BY article_id").fetchall()
        return dict(rows)

    @_readable
    def signatures(self) -> dict[str, tuple[str, int]]:
        """article_id -> (sha256, rows): what a sync compares with the vector store. An article stored
        without its metadata (by 0.1) has no sha256 here, so that a sync refreshes it."""
        with self._lock:
            rows = self.db.execute(
                "SELECT p.article_id, CASE WHEN a.meta IS NULL THEN '' ELSE a.sha256 END, count(*) FROM passages p "
                "LEFT JOIN articles a ON a.article_id = p.article_id GROUP BY p.article_id"
            ).fetchall()
        return {aid: (sha, n) for aid, sha, n in rows}

    @_readable
    def chunks_of(self, article_ids: Sequence[str]) -> list[Chunk]:
        """These articles' chunks, whole (text and metadata), in order: what restores them to the vector store.
        Articles stored without metadata (by 0.1) are left out."""
        found = []
        with self._lock:
            for i in range(0, len(article_ids), 500):
                part = list(article_ids[i : i + 500])
                marks = ",".join("?" * len(part))
                metas = dict(self.db.execute(
                    f"SELECT article_id, meta FROM articles WHERE meta IS NOT NULL AND article_id IN ({marks})", part))  # fmt: skip
                rows = self.db.execute(
                    f"SELECT chunk_id, article_id, text FROM passages WHERE article_id IN ({marks})", part
                ).fetchall()
                for chunk_id, aid, text in rows:
                    if aid in metas:
                        meta = json.loads(metas[aid])
                        index = int(chunk_id.rsplit(":", 1)[1])
                        start, end = meta["spans"][str(index)]
                        shared = {k: meta[k] for k in PER_ARTICLE if k in meta}
                        found.append(Chunk(chunk_id, aid, index, text, start, end, **shared))
        return sorted(found, key=lambda c: (c.article_id, c.index))

    @_readable
    def dates(self) -> list[str]:
        """The dates of the indexed articles (ISO days; articles without one are left out)."""
        with self._lock:
            rows = self.db.execute("SELECT json_extract(meta, '$.date') FROM articles WHERE meta IS NOT NULL")
            return [d for (d,) in rows.fetchall() if d]

    def relabel(self, chunks: Iterable[Chunk]) -> None:
        """Store these chunks' article metadata (a new name shown, a new folder) without touching the text."""
        with self._transaction():
            for aid, sha, meta in _articles(list(chunks)):
                self.db.execute("UPDATE articles SET sha256 = ?, meta = ? WHERE article_id = ?", (sha, meta, aid))

    def _state(self, key: str) -> str:
        with self._lock:
            row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def _set_state(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO state(key, value) VALUES (?, ?)", (key, value))

    @property
    def synced(self) -> str:
        return self._state("synced")

    @synced.setter
    def synced(self, stamp: str) -> None:
        self._set_state("synced", stamp)

    @property
    def roots(self) -> list[str]:
        """Every folder (or file given on its own) ingested into this index and not forgotten: absolute paths,
        none inside another."""
        return json.loads(self._state("roots") or "[]")

    def remember_roots(self, roots: Iterable[Path]) -> None:
        """Add these (resolved) paths; a path inside another one is that one's."""
        every = sorted({Path(r) for r in self.roots} | {Path(r) for r in roots})
        kept = [r for r in every if not any(o != r and inside(r, o) for o in every)]
        self._set_state("roots", json.dumps([str(r) for r in kept]))

    def forget_root(self, root: Path) -> None:
        """Forget this path and every remembered one inside it."""
        self._set_state("roots", json.dumps([r for r in self.roots if not inside(Path(r), Path(root))]))

    def clear(self) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM passages")
            self.db.execute("DELETE FROM articles")

    @_readable
    def rows(self) -> int:
        with self._lock:
            return self.db.execute("SELECT count(*) FROM passages").fetchone()[0]

    @_readable
    def search(self, question: str, n: int, article_ids: set[str] | None = None) -> list[tuple[str, float]]:
        """[(chunk_id, bm25 score)] best first; higher is better."""
        terms = query_terms(question)
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', "") + '"' for t in terms)
        limit = n if article_ids is None else max(n * 20, 200)
        with self._lock:
            rows = self.db.execute(
                "SELECT chunk_id, article_id, -bm25(passages, 0.5, 1.0) AS score FROM passages "
                "WHERE passages MATCH ? ORDER BY bm25(passages, 0.5, 1.0) LIMIT ?",
                (match, limit),
            ).fetchall()
        if article_ids is not None:
            rows = [r for r in rows if r[1] in article_ids]
        return [(cid, score) for cid, _, score in rows[:n]]

    def inverse_document_frequencies(self, terms: Sequence[str]) -> dict[str, float]:
        """term -> BM25's idf over the passages: rare words weigh more than common ones."""
        found = {}
        with self._lock:
            total = self.db.execute("SELECT count(*) FROM passages").fetchone()[0]
            for term in terms:
                phrase = '"' + term.replace('"', "") + '"'
                df = self.db.execute("SELECT count(*) FROM passages WHERE passages MATCH ?", (phrase,)).fetchone()[0]
                found[term] = math.log((total - df + 0.5) / (df + 0.5) + 1.0)
        return found

    def close(self) -> None:
        self.db.close()


def _articles(chunks: Sequence[Chunk]) -> list[tuple[str, str, str]]:
    """(article_id, sha256, metadata as JSON) per article of these chunks: the metadata every chunk of the
    article shares, and where each chunk lies in the article's text."""
    by_article: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_article.setdefault(c.article_id, []).append(c)
    rows = []
    for aid, group in sorted(by_article.items()):
        meta = {k: getattr(group[0], k) for k in PER_ARTICLE}
        meta["spans"] = {str(c.index): [c.start, c.end] for c in group}
        rows.append((aid, group[0].article_sha256, json.dumps(meta, ensure_ascii=False)))
    return rows
