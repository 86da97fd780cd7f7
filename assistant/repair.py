"""Keep the two stores in step, so that nothing the index held is lost.

Every article lives in both stores: its chunks, vectors and metadata in the vector store (Chroma), its
chunks' text and metadata in the lexical index. So each can restore the other, and `mend` (run by every
`assistant ingest` before it reads a folder) does, for every article the index holds, not only the
folders given:

- a file Chroma or SQLite cannot read is set aside in `damaged-<time>/` (location.py), never deleted,
  and an empty one started in its place;
- articles the lexical index holds and the vector store lacks (an emptied or damaged chroma.sqlite3, a
  kill between deleting and writing an article) are embedded again from the lexical index's copy, whether
  or not their files still exist (`restore_store`);
- the lexical index is made to hold exactly the vector store's articles, from the store's text (a deleted
  or damaged lexical file, a kill before the lexical write; a client of a shared Chroma server catching up
  with what other clients wrote) (`restore_lexical`);
- an index written by 0.1 named articles by their folder's name: an article whose file is found in a
  remembered or given folder of that name gets its path and new id, keeping its vectors (`migrate`).

`everything_held` gathers every chunk for `assistant ingest --rebuild`; `problems` says in one line each
what is out of step, for `assistant status`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DamagedIndexError
from .ingest import Embed, Progress, by_article, write_articles
from .lexical import LexicalIndex
from .location import chroma_files, open_client, set_aside
from .records import Chunk
from .store import ChromaStore, all_chunks
from .walk import article_id

if TYPE_CHECKING:
    from .index import Index


def mend(index: Index, embed: Embed, progress: Progress, roots: list[Path]) -> tuple[list[str], list[Path], dict]:
    """Repair what either store lost: (one note per repair, folders to read again, what the store holds)."""
    notes: list[str] = []
    again: list[Path] = []
    local = not index.settings.chroma_url
    lexical = lexical_or_set_aside(index, notes)
    try:
        stored = index.store.articles()
    except DamagedIndexError:
        if not local:
            raise  # a server's files are the server's to mend
        notes.append(set_aside_store(index))
        again = index.remembered()  # what the lexical index has no copy of (articles from 0.1) is read again
        stored = index.store.articles()
    if any(not a["path"] for a in stored.values()):
        moved = migrate(index.store, lexical, stored, [r for r in index.remembered() + roots if r.is_dir()])
        if moved:
            notes.append(f"updated {moved} articles indexed by an older version (no re-embedding)")
            stored = index.store.articles()
    if local:
        restored = restore_store(index.store, lexical, stored, embed, progress)
        if restored:
            notes.append(f"restored {restored} articles the vector index had lost, from the lexical index")
            stored = index.store.articles()
    return notes + restored_lexical(index.catch_up(stored)), again, stored


def restored_lexical(refreshed: int) -> list[str]:
    return [f"restored {refreshed} articles the lexical index had lost, from the vector index"] if refreshed else []


def lexical_or_set_aside(index: Index, notes: list[str]) -> LexicalIndex:
    """The lexical index, read through once; a file SQLite cannot read is set aside and started afresh."""
    try:
        lexical = index.open_lexical()
        lexical.signatures()
        return lexical
    except DamagedIndexError:
        index.close_lexical()
        path = index.lexical_path()
        aside = set_aside(path.parent, [path.name + end for end in ("", "-wal", "-shm")])
        notes.append(f"the lexical index {path} was damaged; it is set aside in {aside}")
        return index.open_lexical()


def set_aside_store(index: Index) -> str:
    """Move Chroma's files out of the way (a store Chroma cannot read); the next use starts an empty one."""
    index.close_store()
    aside = set_aside(index.folder, chroma_files(index.folder))
    return f"the vector index was damaged; its files are set aside in {aside} (delete them when you like)"


def everything_held(index: Index, notes: list[str]) -> list[Chunk]:
    """Every chunk the index holds (from the store whatever model made it, else from the lexical index's
    copy), and the store's collection deleted, so that the next use starts it with this Index's model."""
    from chromadb.errors import ChromaError, NotFoundError

    s = index.settings
    lexical = lexical_or_set_aside(index, notes)
    index.close_store()
    chunks: list[Chunk] = []
    try:
        client = open_client(index.folder, s.chroma_url)
        try:
            chunks = all_chunks(client.get_collection(s.collection, embedding_function=None))
            client.delete_collection(s.collection)
        except NotFoundError:
            pass  # nothing stored yet
        except ChromaError as exc:
            raise DamagedIndexError(str(exc)) from None
        finally:
            client.close()
    except DamagedIndexError:
        if s.chroma_url:
            raise
        notes.append(set_aside_store(index))
    held = {c.article_id for c in chunks}
    return chunks + lexical.chunks_of([aid for aid in lexical.counts() if aid not in held])


def restore_store(
    store: ChromaStore, lexical: LexicalIndex, stored: dict, embed: Embed, progress: Progress | None = None
) -> int:
    """Write back, re-embedded, the articles only the lexical index holds; returns how many."""
    lost = [aid for aid in lexical.counts() if aid not in stored]
    articles = by_article(lexical.chunks_of(lost))
    write_articles(articles, store, lexical, embed, progress)
    return len(articles)


def restore_lexical(store: ChromaStore, lexical: LexicalIndex, stored: dict) -> tuple[int, int]:
    """Make the lexical index hold exactly the store's articles: (refreshed from the store, dropped)."""
    have = lexical.signatures()
    stale = [aid for aid, a in stored.items() if have.get(aid) != (a["sha256"], a["stored"])]
    gone = [aid for aid in have if aid not in stored]
    lexical.delete_articles(gone)
    for i in range(0, len(stale), 200):
        lexical.add(store.chunks_of(stale[i : i + 200]))
    return len(stale), len(gone)


def migrate(store: ChromaStore, lexical: LexicalIndex, stored: dict, folders: list[Path]) -> int:
    """Give the articles of a 0.1 index their paths (no re-embedding); returns how many were found."""
    moved = 0
    for aid, a in stored.items():
        if a["path"]:
            continue
        folder = next((f for f in folders if f.name == a["root"] and (f / a["source"]).is_file()), None)
        if folder is None:
            continue  # not found: kept as it is, readable, removed by `assistant forget NAME`
        path = folder / a["source"]
        new = article_id(path)
        chunks = [dataclasses.replace(c, id=f"{new}:{c.index}", article_id=new, path=str(path), folder=str(folder))
                  for c in store.chunks(aid)]  # fmt: skip
        store.move(aid, chunks)
        lexical.add(chunks)
        lexical.delete_articles([aid])
        moved += 1
    return moved


def problems(stored: dict, lexical: LexicalIndex, local: bool) -> list[str]:
    """What is out of step between the two stores, one line each, with the command that mends it."""
    have = lexical.signatures()
    found = []
    lacking = [aid for aid in have if aid not in stored]
    if local and lacking:
        found.append(
            f"the vector index lacks {len(lacking)} of the articles the lexical index holds: "
            "`assistant ingest` restores them"
        )
    stale = [aid for aid, a in stored.items() if a["path"] and have.get(aid) != (a["sha256"], a["stored"])]
    if stale:
        found.append(
            f"the lexical index lacks {len(stale)} of the vector index's articles: "
            "`assistant ingest` (or `--sync`) restores them"
        )
    old = [aid for aid, a in stored.items() if not a["path"]]
    if old:
        found.append(
            f"{len(old)} articles were indexed by an older version: `assistant ingest` updates them (no re-embedding)"
        )
    return found
