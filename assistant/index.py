"""The index of the articles: one object that owns the vector store and the lexical index.

`Index(settings, embedding_model)` opens the Chroma store (a local folder or a
server) and this client's lexical (BM25) index on first use, and keeps them
fresh and in step with what other processes write:

- Local store: Chroma's local mode caches index state per process, so when
  another process has announced a write (the `written` file in the index
  folder changed), the store is reopened in place. Callers keep the same
  ChromaStore, which stays valid throughout (store.py).
- Chroma server: each client keeps its own lexical index, built from the
  server's text. Before each use it compares the collection's `written`
  stamp with the stamp it last caught up to and, when another client wrote,
  re-reads only the articles whose sha256 or chunk count changed.
- `ingest` writes through ingest.py and announces its writes at most every
  `announce_every_s` seconds while it runs and once at its end, so other
  clients reopen or rescan that often, not once per group written.
- A vector index Chroma can no longer read is rebuilt by the next `ingest`
  from every folder the lexical index remembers.
- `article(id)` stitches an article back together from its stored chunks.

It embeds nothing itself: `ingest` is handed the function that embeds.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from .chunk import stitch
from .config import Settings
from .errors import DamagedIndexError, InputError
from .ingest import Embed, IngestReport, Progress, ingest_folders
from .lexical import LexicalIndex
from .store import ChromaStore, open_client


class Index:
    def __init__(self, settings: Settings, embedding_model: str, announce_every_s: float = 30.0):
        self.settings = settings
        self.embedding_model = embedding_model
        self.announce_every_s = announce_every_s
        self._store: ChromaStore | None = None
        self._store_seen = 0  # the local `written` stamp the store was last opened at
        self._lexical: LexicalIndex | None = None
        self._store_lock = threading.Lock()
        self._lexical_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._announced = 0.0

    # --- the two stores, fresh ------------------------------------------------
    @property
    def store(self) -> ChromaStore:
        """The vector store: one object for the life of the Index, reopened in place when another process
        has written the local index since it was opened."""
        with self._store_lock:
            stamp = self._local_stamp()  # read before opening: a write after it shows as a change later
            if self._store is None:
                s = self.settings
                self._store = ChromaStore(
                    lambda: open_client(s.store_path, s.chroma_url), s.collection, self.embedding_model,
                    s.chroma_url or str(s.store_path),
                )  # fmt: skip
            elif stamp != self._store_seen:
                self._store.reopen()
            self._store_seen = stamp
        return self._store

    @property
    def lexical(self) -> LexicalIndex:
        """The BM25 index; with a Chroma server, this client's own copy, caught up whenever the server changed."""
        lexical = self._open_lexical()
        if self.settings.chroma_url:
            with self._sync_lock:
                stamp = self.store.written_stamp()
                if stamp != lexical.synced:
                    self._catch_up(lexical, stamp)
        return lexical

    def _open_lexical(self) -> LexicalIndex:
        s = self.settings
        with self._lexical_lock:
            if self._lexical is None:
                server = urlparse(s.chroma_url)
                where = f".{server.hostname}_{server.port or 8000}" if s.chroma_url else ""
                self._lexical = LexicalIndex(Path(s.store_path) / f"{s.collection}{where}.bm25.sqlite")
        return self._lexical

    def sync(self) -> tuple[int, int]:
        """Rebuild the lexical index from the store's text where they differ: (refreshed, dropped)."""
        with self._sync_lock:
            stamp = self.store.written_stamp() if self.settings.chroma_url else ""
            return self._catch_up(self._open_lexical(), stamp)

    def _catch_up(self, lexical: LexicalIndex, stamp: str) -> tuple[int, int]:
        """Make the lexical index hold exactly the store's articles (one scan of the store's metadata)."""
        store = self.store
        stored = store.articles()
        have = lexical.signatures()
        stale = [aid for aid, a in stored.items() if have.get(aid) != (a["sha256"], a["stored"])]
        gone = [aid for aid in have if aid not in stored]
        lexical.delete_articles(gone)
        for i in range(0, len(stale), 200):
            lexical.add(store.chunks_of(stale[i : i + 200]))
        lexical.synced = stamp
        return len(stale), len(gone)

    # --- telling other processes ------------------------------------------------
    def _stamp_file(self) -> Path:
        return Path(self.settings.store_path) / "written"

    def _local_stamp(self) -> int:
        """When a process last announced a write to the local index (0 with a server: nothing to reopen)."""
        if self.settings.chroma_url:
            return 0
        try:
            return self._stamp_file().stat().st_mtime_ns
        except OSError:
            return 0

    def announce(self) -> None:
        """Tell other processes the index changed: they reopen it (local) or catch up with it (server)."""
        self._announced = time.monotonic()
        if self.settings.chroma_url:
            self.store.mark_written()
            return
        path = self._stamp_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(time.time_ns()))
        with self._store_lock:
            self._store_seen = self._local_stamp()  # our own write: nothing to reopen here

    # --- the work ---------------------------------------------------------------
    def ingest(self, roots: list[Path], embed: Embed, prune: bool = True, progress: Progress | None = None):
        """Bring the index in step with these folders (see ingest.py); embed(texts) is called only for
        articles that changed. A vector index Chroma cannot read is rebuilt from every folder it held."""
        roots = [Path(r) for r in roots]
        for root in roots:
            if not root.exists():
                raise InputError(f"{root} does not exist; give a folder of .txt, .md or .html articles")

        def written(done, total, what):
            if time.monotonic() - self._announced >= self.announce_every_s:
                self.announce()
            if progress:
                progress(done, total, what)

        self._announced = time.monotonic()
        try:
            self._open_lexical().remember_roots(roots)
            try:
                return self._ingest(roots, embed, prune, written)
            except DamagedIndexError:
                if self.settings.chroma_url:
                    raise  # a server's files are the server's to mend
                return self._rebuild(roots, embed, prune, written)
        finally:
            self.announce()

    def _ingest(self, roots: list[Path], embed: Embed, prune: bool, progress: Progress) -> IngestReport:
        s = self.settings
        return ingest_folders(
            roots, self.store, self.lexical, embed, s.chunk_size, s.chunk_overlap, int(s.max_file_mb * 1e6),
            prune=prune, progress=progress,
        )  # fmt: skip

    def _rebuild(self, roots: list[Path], embed: Embed, prune: bool, progress: Progress) -> IngestReport:
        """Chroma cannot read its files: start the index afresh from every folder it ever held."""
        lexical = self._open_lexical()
        every = list(dict.fromkeys([*(r.resolve() for r in roots), *(Path(r) for r in lexical.roots)]))
        every = [r for r in every if r.is_dir()]
        self.store.drop()
        lexical.clear()
        report = self._ingest(every, embed, prune, progress)
        report.rebuilt = f"Chroma could not read its files; read {len(every)} folder(s) again"
        return report

    def article(self, article_id: str) -> dict:
        """An indexed article, rebuilt from its stored chunks; only ids in the index are served."""
        chunks = self.store.chunks(article_id) if re.fullmatch(r"[0-9a-f]{16}", article_id or "") else []
        if not chunks:
            raise InputError(f"no indexed article has id {article_id!r}")
        text = stitch(chunks)
        first = chunks[0]
        return {"id": article_id, "title": first.title, "source": first.source, "date": first.date,
                "outlet": first.outlet, "url": first.url, "text": text}  # fmt: skip

    def status(self) -> dict:
        """Where the index lives and what it holds."""
        s, store = self.settings, self.store
        articles = store.articles()
        return {
            "store_path": s.chroma_url or str(s.store_path),
            "collection": s.collection,
            "articles": len(articles),
            "chunks": store.count(),
            "embedding_model": store.embedding_model,
            "folders": sorted({a["root"] for a in articles.values()}),
        }

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        if self._lexical is not None:
            self._lexical.close()
