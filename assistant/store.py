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
was synced to (pipeline.py).
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

import httpx

from .errors import DamagedIndexError, StoreError
from .records import Chunk, Hit


class Store(Protocol):
    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None: ...
    def delete_articles(self, article_ids: Iterable[str]) -> None: ...
    def articles(self) -> dict[str, dict]: ...
    def query(self, vector: Sequence[float], n: int, where: dict | None = None) -> list[Hit]: ...
    def similarities(self, vector: Sequence[float], chunk_ids: Sequence[str]) -> list[Hit]: ...
    def chunks(self, article_id: str) -> list[Chunk]: ...
    def count(self) -> int: ...


def open_client(store_path: Path, chroma_url: str = ""):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        from urllib.parse import urlparse

        url = urlparse(chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(f"ASSISTANT_CHROMA_URL={chroma_url!r} is not an http(s) URL like http://host:8000")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises bare ValueError/ConnectionError here
            raise StoreError(f"cannot reach the Chroma server at {chroma_url} ({exc}); is it running?") from None
    Path(store_path).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(store_path), settings=chroma_settings)


def _store_errors(method):
    """Chroma's failures as one-line errors: a server that stops answering, or local files Chroma cannot
    replay (seen after a SIGKILL mid-write: chroma-core/chroma#7678), which `assistant ingest` rebuilds."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        from chromadb.errors import InternalError

        try:
            return method(self, *args, **kwargs)
        except httpx.HTTPError as exc:
            raise StoreError(f"the Chroma server at {self.where} stopped answering ({exc}); is it running?") from None
        except InternalError as exc:
            raise DamagedIndexError(
                f"the vector index at {self.where} is damaged ({' '.join(str(exc).split())}); "
                "run `assistant ingest` to rebuild it from the articles' files"
            ) from None

    return call


def _chunks(got: dict) -> list[Chunk]:
    """The chunks of a collection.get() result that included documents and metadatas."""
    return [Chunk.from_stored(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]


class ChromaStore:
    def __init__(self, client, collection: str, embedding_model: str, where: str = "the index"):
        self.client = client
        self.where = where
        self.embedding_model = embedding_model
        try:
            self.collection = client.get_or_create_collection(
                name=collection,
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedding_model": embedding_model},
            )
        except Exception as exc:
            raise StoreError(f"cannot open collection {collection!r}: {exc}") from None
        stored = (self.collection.metadata or {}).get("embedding_model")
        if stored != embedding_model:
            model, _, precision = str(stored).partition("+")
            raise StoreError(
                f"the index was built with embedding model {stored!r}, not {embedding_model!r}; set "
                f"ASSISTANT_EMBED_MODEL={model} ASSISTANT_EMBED_PRECISION={precision or 'float32'} "
                "or delete the index folder and ingest again"
            )
        self._batch = max(1, min(5000, client.get_max_batch_size()))

    @_store_errors
    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        for i in range(0, len(chunks), self._batch):
            part = chunks[i : i + self._batch]
            self.collection.upsert(
                ids=[c.id for c in part],
                embeddings=[list(v) for v in vectors[i : i + self._batch]],
                documents=[c.text for c in part],
                metadatas=[c.metadata() for c in part],
            )

    @_store_errors
    def delete_articles(self, article_ids: Iterable[str]) -> None:
        ids = list(article_ids)
        for i in range(0, len(ids), 100):
            self.collection.delete(where={"article_id": {"$in": ids[i : i + 100]}})

    def _all_metadata(self) -> Iterable[dict]:
        offset, page = 0, 5000
        while True:
            got = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            yield from got["metadatas"]
            if len(got["ids"]) < page:
                return
            offset += page

    @_store_errors
    def articles(self) -> dict[str, dict]:
        """article_id -> {source, sha256, n_chunks, stored, title, date, outlet} from chunk metadata."""
        found: dict[str, dict] = {}
        shas: dict[str, set] = defaultdict(set)
        for meta in self._all_metadata():
            aid = meta["article_id"]
            entry = found.setdefault(
                aid,
                {k: meta.get(k, "") for k in ("root", "source", "title", "date", "outlet", "url", "also", "chunker")}
                | {"sha256": meta.get("article_sha256", ""), "n_chunks": meta.get("n_chunks", 0), "stored": 0},
            )
            entry["stored"] += 1
            shas[aid].add(meta.get("article_sha256", ""))
        for aid, seen in shas.items():
            if len(seen) > 1:  # chunks from two versions: treat as damaged so a re-run rewrites it
                found[aid]["sha256"] = ""
        return found

    @_store_errors
    def query(self, vector: Sequence[float], n: int, where: dict | None = None) -> list[Hit]:
        total = self.count()
        if total == 0:
            return []
        got = self.collection.query(
            query_embeddings=[list(vector)],
            n_results=min(n, total),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for cid, doc, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]):
            similarity = 1.0 - float(dist)
            hits.append(Hit(Chunk.from_stored(cid, doc, meta), similarity, similarity))
        return hits

    @_store_errors
    def similarities(self, vector: Sequence[float], chunk_ids: Sequence[str]) -> list[Hit]:
        """Hits for chunks found another way (BM25), scored by cosine similarity to vector."""
        if not chunk_ids:
            return []
        got = self.collection.get(ids=list(chunk_ids), include=["documents", "metadatas", "embeddings"])
        hits = []
        for cid, doc, meta, emb in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]):
            similarity = float(sum(a * b for a, b in zip(emb, vector)))
            hits.append(Hit(Chunk.from_stored(cid, doc, meta), similarity, similarity))
        return hits

    def chunks(self, article_id: str) -> list[Chunk]:
        """One article's chunks, in order."""
        return sorted(self.chunks_of([article_id]), key=lambda c: c.index)

    @_store_errors
    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        got = self.collection.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        by_id = {c.id: c for c in _chunks(got)}
        return [by_id[i] for i in chunk_ids if i in by_id]

    @_store_errors
    def chunks_of(self, article_ids: Sequence[str]) -> list[Chunk]:
        """Every stored chunk of these articles (in one request per 100 articles)."""
        found = []
        for i in range(0, len(article_ids), 100):
            where = {"article_id": {"$in": list(article_ids[i : i + 100])}}
            got = self.collection.get(where=where, include=["documents", "metadatas"])
            found += _chunks(got)
        return found

    @_store_errors
    def count(self) -> int:
        return self.collection.count()

    @_store_errors
    def written_stamp(self) -> str:
        """The stamp the latest ingest (by any client) left on the collection; '' before the first."""
        fresh = self.client.get_collection(self.collection.name, embedding_function=None)
        return str((fresh.metadata or {}).get("written", ""))

    @_store_errors
    def mark_written(self) -> None:
        """Leave a new stamp: other clients see the collection changed. (hnsw keys cannot be re-sent.)"""
        meta = {k: v for k, v in (self.collection.metadata or {}).items() if not k.startswith("hnsw:")}
        self.collection.modify(metadata=meta | {"written": uuid.uuid4().hex})

    def drop(self) -> None:
        """Delete the whole collection (the rebuild of a damaged index starts from nothing)."""
        self.client.delete_collection(self.collection.name)

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # an already-stopped client has nothing left to release
            pass
