"""Keep the two stores in step, so that nothing the index held is lost.

Every article lives in both stores: its chunks, vectors and metadata in the vector store (Chroma), its
chunks' text and metadata in the lexical index. So each can restore the other, and `Index._mend` (run by every
`assistant ingest` before it reads a folder) does, with these functions, for every article the index
holds, not only the folders given:

- a file Chroma or SQLite cannot read is set aside in `damaged-<time>/` (stores.py), never deleted,
  and an empty one started in its place;
- articles the lexical index holds and the vector store lacks (an emptied or damaged chroma.sqlite3, a
  kill between deleting and writing an article) are embedded again from the lexical index's copy, whether
  or not their files still exist (`restore_store`);
- the lexical index is made to hold exactly the vector store's articles, from the store's text (a deleted
  or damaged lexical file, a kill before the lexical write; a client of a shared Chroma server catching up
  with what other clients wrote) (`restore_lexical`);
- an index written by 0.1 named articles by their folder's name: an article whose file is found in a
  remembered or given folder of that name gets its path and new id, keeping its vectors (`migrate`).

`problems` says in one line each what is out of step, for `assistant status`. These functions take the two
stores, never the Index.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..records import StoredArticle
from .lexical import LexicalIndex
from .store import ChromaStore
from .sync import Embed, Progress, by_article, write_articles
from .walk import article_id


def restored_lexical(refreshed: int) -> list[str]:
    return [f"restored {refreshed} articles the lexical index had lost, from the vector index"] if refreshed else []


def restore_store(
    store: ChromaStore,
    lexical: LexicalIndex,
    stored: dict[str, StoredArticle],
    embed: Embed,
    progress: Progress | None = None,
) -> int:
    """Write back, re-embedded, the articles only the lexical index holds; returns how many."""
    lost = [aid for aid in lexical.counts() if aid not in stored]
    articles = by_article(lexical.chunks_of(lost))
    write_articles(articles, store, lexical, embed, progress)
    return len(articles)


def restore_lexical(store: ChromaStore, lexical: LexicalIndex, stored: dict[str, StoredArticle]) -> tuple[int, int]:
    """Make the lexical index hold exactly the store's articles: (refreshed from the store, dropped)."""
    have = lexical.signatures()
    stale = [aid for aid, a in stored.items() if have.get(aid) != (a.sha256, a.stored)]
    gone = [aid for aid in have if aid not in stored]
    lexical.delete_articles(gone)
    for i in range(0, len(stale), 200):
        lexical.add(store.chunks_of(stale[i : i + 200]))
    return len(stale), len(gone)


def migrate(store: ChromaStore, lexical: LexicalIndex, stored: dict[str, StoredArticle], folders: list[Path]) -> int:
    """Give the articles of a 0.1 index their paths (no re-embedding); returns how many were found."""
    moved = 0
    for aid, a in stored.items():
        if a.path:
            continue
        folder = next((f for f in folders if f.name == a.root and (f / a.source).is_file()), None)
        if folder is None:
            continue  # not found: kept as it is, readable, removed by `assistant forget NAME`
        path = folder / a.source
        new = article_id(path)
        chunks = [dataclasses.replace(c, id=f"{new}:{c.index}", article_id=new, path=str(path), folder=str(folder))
                  for c in store.chunks(aid)]  # fmt: skip
        store.move(aid, chunks)
        lexical.add(chunks)
        lexical.delete_articles([aid])
        moved += 1
    return moved


def problems(stored: dict[str, StoredArticle], lexical: LexicalIndex, local: bool) -> list[str]:
    """What is out of step between the two stores, one line each, with the command that mends it."""
    have = lexical.signatures()
    found = []
    lacking = [aid for aid in have if aid not in stored]
    if local and lacking:
        found.append(
            f"the vector index lacks {len(lacking)} of the articles the lexical index holds: "
            "`assistant ingest` restores them"
        )
    stale = [aid for aid, a in stored.items() if a.path and have.get(aid) != (a.sha256, a.stored)]
    if stale:
        found.append(
            f"the lexical index lacks {len(stale)} of the vector index's articles: "
            "`assistant ingest` (or `--sync`) restores them"
        )
    old = [aid for aid, a in stored.items() if not a.path]
    if old:
        found.append(
            f"{len(old)} articles were indexed by an older version: `assistant ingest` updates them (no re-embedding)"
        )
    return found
