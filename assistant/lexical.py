"""The lexical (BM25) index: SQLite FTS5 in a file beside the Chroma store.

Dense MiniLM vectors blur names and numbers ("Rathke", "39.99"); BM25 does
not. `LexicalIndex` keeps one FTS5 row per chunk, updated with the same
add/delete calls as the vector store, and answers `search(question, n)` with
chunk ids ranked by BM25. It stores ids, text and each article's sha256
only: metadata and the passage shown to the user always come from the vector
store. `synced` records the store stamp it was last brought in step with
(used with a shared Chroma server, where each client keeps its own file).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .records import Chunk

STOPWORDS = set(
    "a an and are as at be but by did do does for from had has have he her his how i in is it its of on or "
    "she so that the their them they this to was were what when where which who whom why will with would "
    "about after before into than then there these those said says say also".split()
)


def query_terms(text: str) -> list[str]:
    """Words worth matching, lower-cased, stopwords out.

    >>> query_terms("What did Lavrov say about the $39.99 deal?")
    ['lavrov', '39.99', 'deal']
    """
    words = re.findall(r"\w+(?:[.,'’-]\w+)*", text.lower())
    return [w for w in dict.fromkeys(words) if w not in STOPWORDS]


class LexicalIndex:
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
        self.db.execute("CREATE TABLE IF NOT EXISTS articles(article_id TEXT PRIMARY KEY, sha256 TEXT)")
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
            self.db.executemany(
                "INSERT INTO articles(article_id, sha256) VALUES (?, ?)",
                sorted({(c.article_id, c.article_sha256) for c in chunks}),
            )

    def delete_articles(self, article_ids: Iterable[str]) -> None:
        with self._transaction():
            self._delete(list(article_ids))

    def _delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            self.db.execute(f"DELETE FROM passages WHERE article_id IN ({marks})", part)
            self.db.execute(f"DELETE FROM articles WHERE article_id IN ({marks})", part)

    def counts(self) -> dict[str, int]:
        """article_id -> number of rows: lets the indexer find rows that disagree with the vector store."""
        with self._lock:
            rows = self.db.execute("SELECT article_id, count(*) FROM passages GROUP BY article_id").fetchall()
        return dict(rows)

    def signatures(self) -> dict[str, tuple[str, int]]:
        """article_id -> (sha256, rows): what a sync compares with the vector store."""
        with self._lock:
            rows = self.db.execute(
                "SELECT p.article_id, coalesce(a.sha256, ''), count(*) FROM passages p "
                "LEFT JOIN articles a ON a.article_id = p.article_id GROUP BY p.article_id"
            ).fetchall()
        return {aid: (sha, n) for aid, sha, n in rows}

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
        """Every folder ever ingested into this index (absolute paths): what a rebuild reads again."""
        return json.loads(self._state("roots") or "[]")

    def remember_roots(self, roots: Iterable[Path]) -> None:
        self._set_state("roots", json.dumps(sorted(set(self.roots) | {str(Path(r).resolve()) for r in roots})))

    def clear(self) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM passages")
            self.db.execute("DELETE FROM articles")

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
