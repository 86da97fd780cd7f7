"""The lexical (BM25) index: every write is one transaction, rolled back whole when it fails."""

from __future__ import annotations

import sqlite3

import pytest

from assistant.ingest.lexical import LexicalIndex
from assistant.records import Chunk


class FailOn:
    """The index's connection, failing the first statement that starts with `statement` (a full disk)."""

    def __init__(self, db, statement):
        self.db, self.statement = db, statement

    def execute(self, sql, *args):
        if sql.startswith(self.statement):
            raise sqlite3.OperationalError("database or disk is full")
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


def chunks(aid, n=2):
    return [
        Chunk(f"{aid}:{i}", aid, i, f"ferry text {i} of {aid}", 0, 9, "s.txt", "T", article_sha256="x")
        for i in range(n)
    ]


@pytest.fixture
def lexical(tmp_path):
    index = LexicalIndex(tmp_path / "articles.bm25.sqlite")
    index.add(chunks("a") + chunks("b"))
    yield index
    index.close()


@pytest.mark.parametrize(
    "write",
    [lambda lx: lx.delete_articles(["a"]), lambda lx: lx.clear(), lambda lx: lx.add(chunks("a", 3))],
    ids=["delete_articles", "clear", "add"],
)
def test_a_failed_write_changes_nothing_and_leaves_the_index_usable(lexical, write):
    real = lexical.db
    lexical.db = FailOn(real, "DELETE FROM articles")  # the second statement of each write
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        write(lexical)
    lexical.db = real
    assert not real.in_transaction
    assert lexical.counts() == {"a": 2, "b": 2}
    lexical.add(chunks("c"))
    assert lexical.counts() == {"a": 2, "b": 2, "c": 2}
    assert {cid for cid, _ in lexical.search("ferry", 10)} == {f"{x}:{i}" for x in "abc" for i in range(2)}


def test_a_second_connection_sees_each_write_whole(lexical):
    other = LexicalIndex(lexical.path)
    lexical.delete_articles(["a"])
    assert other.counts() == {"b": 2} and other.signatures() == {"b": ("x", 2)}
    other.close()
