"""The vector store: chunks, their embeddings and metadata in a Chroma collection.

`ChromaStore` wraps a chromadb PersistentClient in the index folder (or an
HttpClient when a server URL is set). We always pass our own embeddings, never
Chroma's embedding function (it would download a model), use cosine space, and
switch telemetry off. The collection records which embedding model filled it;
opening it with another model is a StoreError rather than silent garbage.

What the store holds about an article is read back from its chunks' metadata
(sha256 and chunk count), so there is no second record to fall out of step.
Every ingest leaves a fresh `written` stamp in the collection's metadata; a
client of a shared Chroma server compares it with the stamp its lexical index
was synced to (index.py).

A ChromaStore stays valid for as long as anyone holds it: `reopen()` (how a
process sees what another process wrote to the local store) waits for the
calls in flight, swaps the client underneath and lets the next calls through.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

import httpx
import numpy as np

from ..config import env_name
from ..errors import DamagedIndexError, StoreError
from ..records import Chunk, Hit, StoredArticle


class Gate:
    """Calls run together; a reopen runs alone: it waits for the calls in flight and holds back new ones.

    A call made from inside another call (one store method using another) does not wait for a reopen
    that is itself waiting for the outer call to end.
    """

    def __init__(self):
        self._changed = threading.Condition()
        self._calls = 0
        self._alone = False
        self._depth = threading.local()

    @contextmanager
    def call(self) -> Iterator[None]:
        depth = getattr(self._depth, "n", 0)
        with self._changed:
            if not depth:
                self._changed.wait_for(lambda: not self._alone)
            self._calls += 1
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            with self._changed:
                self._calls -= 1
                self._changed.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        if getattr(self._depth, "n", 0):
            raise RuntimeError("a store call cannot reopen its own store")
        with self._changed:
            self._changed.wait_for(lambda: not self._alone)
            self._alone = True
            self._changed.wait_for(lambda: self._calls == 0)
        try:
            yield
        finally:
            with self._changed:
                self._alone = False
                self._changed.notify_all()


def _store_call(method):
    """One call to Chroma: never while the client is being swapped, and its failures as one-line errors: a
    server that stops answering, or local files Chroma cannot replay (seen after a SIGKILL mid-write:
    chroma-core/chroma#7678), which `assistant ingest` rebuilds."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        from chromadb.errors import InternalError

        try:
            with self._gate.call():
                if self.collection is None:
                    raise StoreError(f"the index at {self.where} could not be opened again; try again")
                return method(self, *args, **kwargs)
        except httpx.HTTPError as exc:
            raise StoreError(f"the Chroma server at {self.where} stopped answering ({exc}); is it running?") from None
        except InternalError as exc:
            raise DamagedIndexError(
                f"the vector index at {self.where} is damaged ({' '.join(str(exc).split())}); "
                "run `assistant ingest` to rebuild it from the articles' files"
            ) from None

    return call


ARTICLE_KEYS = ("root", "source", "path", "folder", "title", "date", "outlet", "url", "also", "chunker")


def _pages(collection, include: list[str], page: int = 5000) -> Iterator[dict]:
    """collection.get() of everything, a page at a time."""
    offset = 0
    while True:
        got = collection.get(include=include, limit=page, offset=offset)
        yield got
        if len(got["ids"]) < page:
            return
        offset += page


def all_chunks(collection) -> list[Chunk]:
    """Every chunk of a Chroma collection, whatever embedding model filled it (what `--rebuild` re-embeds)."""
    return [c for got in _pages(collection, ["documents", "metadatas"]) for c in _chunks(got)]


def _chunks(got: dict) -> list[Chunk]:
    """The chunks of a collection.get() result that included documents and metadatas."""
    return [Chunk.from_stored(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]


class ChromaStore:
    def __init__(self, connect: Callable[[], object], collection: str, embedding_model: str, where: str = "the index"):
        """connect() opens a chromadb client; it is called again by reopen()."""
        self._connect = connect
        self.name = collection
        self.where = where
        self.embedding_model = embedding_model
        self._gate = Gate()
        self.client = self.collection = None
        self._open()

    def _open(self) -> None:
        self.client = self._connect()
        try:
            collection = self.client.get_or_create_collection(
                name=self.name,
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedding_model": self.embedding_model},
            )
        except Exception as exc:
            raise StoreError(f"cannot open collection {self.name!r}: {exc}") from None
        stored = (collection.metadata or {}).get("embedding_model")
        if stored != self.embedding_model:
            model, _, precision = str(stored).partition("+")
            raise StoreError(
                f"the index was built with embedding model {stored!r}, not {self.embedding_model!r}; set "
                f"{env_name('embed_model')}={model} {env_name('embed_precision')}={precision or 'float32'}, "
                f"or run `assistant ingest --rebuild` to re-embed every article with {self.embedding_model}"
            )
        self._batch = max(1, min(5000, self.client.get_max_batch_size()))
        self.collection = collection

    def _close_client(self) -> None:
        self.collection, client, self.client = None, self.client, None
        try:
            client.close()
        except Exception:  # an already-stopped client has nothing left to release
            pass

    def reopen(self) -> None:
        """Open the client afresh (Chroma's local mode caches index state per process: this sees new writes)."""
        with self._gate.alone():
            self._close_client()
            self._open()

    @_store_call
    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        for i in range(0, len(chunks), self._batch):
            part = chunks[i : i + self._batch]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=[list(v) for v in vectors[i : i + self._batch]],
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    @_store_call
    def relabel(self, chunks: Sequence[Chunk]) -> None:
        """New metadata for stored chunks (a new name shown, a new folder): their text and vectors stay."""
        for i in range(0, len(chunks), self._batch):
            part = chunks[i : i + self._batch]
            self.collection.update(ids=[c.id for c in part], metadatas=[c.metadata() for c in part])

    @_store_call
    def delete_articles(self, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        for i in range(0, len(ids), 100):
            self.collection.delete(where={"article_id": {"$in": ids[i : i + 100]}})

    def _all_metadata(self) -> Iterable[dict]:
        for got in _pages(self.collection, ["metadatas"]):
            yield from got["metadatas"]

    @_store_call
    def articles(self) -> dict[str, StoredArticle]:
        """article_id -> the article's details, from its chunks' metadata."""
        first: dict[str, dict] = {}
        held: Counter[str] = Counter()
        shas: dict[str, set] = defaultdict(set)
        for meta in self._all_metadata():
            aid = meta["article_id"]
            first.setdefault(aid, meta)
            held[aid] += 1
            shas[aid].add(meta.get("article_sha256", ""))
        return {
            aid: StoredArticle(
                **{k: meta.get(k, "") for k in ARTICLE_KEYS}, n_chunks=meta.get("n_chunks", 0), stored=held[aid],
                sha256=next(iter(shas[aid])) if len(shas[aid]) == 1 else "",  # two versions: damaged
            )
            for aid, meta in first.items()
        }  # fmt: skip

    @_store_call
    def query(self, vector: Sequence[float], n: int, where: dict | None = None) -> list[Hit]:
        got = self.collection.query(  # fewer than n stored (none too): Chroma returns them all
            query_embeddings=[list(vector)],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for cid, doc, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]):
            similarity = 1.0 - float(dist)
            hits.append(Hit(Chunk.from_stored(cid, doc, meta), similarity, similarity))
        return hits

    @_store_call
    def similarities(self, vector: Sequence[float], chunk_ids: Sequence[str]) -> list[Hit]:
        """Hits for chunks found another way (BM25), scored by cosine similarity to vector."""
        if not chunk_ids:
            return []
        got = self.collection.get(ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"])
        if not got["ids"]:
            return []
        hits = []
        similarities = np.asarray(got["embeddings"], dtype=np.float32) @ np.asarray(vector, dtype=np.float32)
        for cid, doc, meta, similarity in zip(got["ids"], got["documents"], got["metadatas"], similarities.tolist()):
            hits.append(Hit(Chunk.from_stored(cid, doc, meta), similarity, similarity))
        return hits

    def chunks(self, article_id: str) -> list[Chunk]:
        """One article's chunks, in order."""
        return sorted(self.chunks_of([article_id]), key=lambda c: c.index)

    @_store_call
    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        got = self.collection.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        by_id = {c.id: c for c in _chunks(got)}
        return [by_id[i] for i in chunk_ids if i in by_id]

    @_store_call
    def chunks_of(self, article_ids: Sequence[str]) -> list[Chunk]:
        """Every stored chunk of these articles (in one request per 100 articles)."""
        found = []
        for i in range(0, len(article_ids), 100):
            where = {"article_id": {"$in": list(article_ids[i : i + 100])}}
            got = self.collection.get(where=where, include=["documents", "metadatas"])
            found += _chunks(got)
        return found

    @_store_call
    def count(self) -> int:
        return self.collection.count()

    @_store_call
    def written_stamp(self) -> str:
        """The stamp the latest ingest (by any client) left on the collection; '' before the first."""
        fresh = self.client.get_collection(self.name, embedding_function=None)
        return str((fresh.metadata or {}).get("written", ""))

    @_store_call
    def mark_written(self) -> None:
        """Leave a new stamp: other clients see the collection changed. (hnsw keys cannot be re-sent.)"""
        meta = {k: v for k, v in (self.collection.metadata or {}).items() if not k.startswith("hnsw:")}
        self.collection.modify(metadata=meta | {"written": uuid.uuid4().hex})

    @_store_call
    def move(self, old_id: str, chunks: Sequence[Chunk]) -> None:
        """Store an article under a new id (its chunks given whole) with the vectors of the article it replaces,
        then delete that one: how an index from 0.1 gets its paths without re-embedding."""
        got = self.collection.get(where={"article_id": old_id}, include=["embeddings", "metadatas"])
        vectors = {m["index"]: list(v) for m, v in zip(got["metadatas"], got["embeddings"])}
        self.collection.upsert(ids=[c.id for c in chunks], embeddings=[vectors[c.index] for c in chunks],
                               documents=[c.text for c in chunks], metadatas=[c.metadata() for c in chunks])  # fmt: skip
        self.collection.delete(where={"article_id": old_id})

    def close(self) -> None:
        with self._gate.alone():
            if self.client is not None:
                self._close_client()
