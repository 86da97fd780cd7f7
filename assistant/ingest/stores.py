"""The two stores of an index, open and fresh: the vector store (Chroma) and this client's lexical index.

`Stores(settings, embedding_model)` opens the Chroma store (a local folder or a
server) and this client's lexical (BM25) index on first use, and keeps them
fresh, in step with each other and with what other processes write:

- Local store: Chroma's local mode caches index state per process, so when
  another process has announced a write (the `written` file in the index
  folder changed), the store is reopened in place. Callers keep the same
  ChromaStore, which stays valid throughout (store.py).
- Chroma server: each client keeps its own lexical index, built from the
  server's text. Before each use it compares the collection's `written`
  stamp with the stamp it last caught up to and, when another client wrote,
  re-reads only the articles whose sha256 or chunk count changed.
- A read-only index folder is read from a temporary copy (location.py).
- A file SQLite or Chroma cannot read is set aside (`damaged-<time>/`), never deleted.

What is done with the stores (ingest, rebuild, forget, status) is index.py's.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from ..config import Settings
from ..errors import DamagedIndexError
from ..records import StoredArticle
from . import repair
from .lexical import LexicalIndex
from .location import check_folder, chroma_files, open_client, read_only_error, set_aside, working_folder, writable
from .store import ChromaStore


class Stores:
    """The vector store and this client's lexical index of one index folder (or server): opened on first use,
    kept fresh, closed; what is done with them is Index's (index.py)."""

    def __init__(self, settings: Settings, embedding_model: str, announce_every_s: float = 30.0):
        self.settings = settings
        self.embedding_model = embedding_model
        self.announce_every_s = announce_every_s
        self._where: tuple[Path, bool] | None = None  # (the folder opened, whether it is a read-only copy)
        self._store: ChromaStore | None = None
        self._store_seen = 0  # the local `written` stamp the store was last opened at
        self._lexical: LexicalIndex | None = None
        self._lexical_checked = False
        self._store_lock = threading.Lock()
        self._lexical_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._announced = 0.0

    # --- the two stores, fresh ------------------------------------------------
    @property
    def folder(self) -> Path:
        """The folder the stores are opened from: the index folder, or a temporary copy of a read-only one."""
        if self._where is None:
            self._where = working_folder(Path(self.settings.store_path))
        return self._where[0]

    @property
    def read_only(self) -> bool:
        """Whether the index folder cannot be written (it is then read from a temporary copy)."""
        if self._where is None:
            check_folder(Path(self.settings.store_path))
            return not writable(Path(self.settings.store_path))  # decided without copying anything
        return self._where[1]

    @property
    def store(self) -> ChromaStore:
        """The vector store: one object for the life of the Index, reopened in place when another process
        has written the local index since it was opened."""
        with self._store_lock:
            stamp = self._local_stamp()  # read before opening: a write after it shows as a change later
            if self._store is None:
                s, folder = self.settings, self.folder
                self._store = ChromaStore(
                    lambda: open_client(folder, s.chroma_url), s.collection, self.embedding_model,
                    s.chroma_url or str(s.store_path),
                )  # fmt: skip
            elif stamp != self._store_seen:
                self._store.reopen()
            self._store_seen = stamp
        return self._store

    @property
    def lexical(self) -> LexicalIndex:
        """The BM25 index; with a Chroma server, this client's own copy, caught up whenever the server changed.
        A lexical index found empty beside a full store (its file was deleted) is rebuilt from the store."""
        lexical = self.open_lexical()
        if self.settings.chroma_url:
            with self._sync_lock:
                stamp = self.store.written_stamp()
                if stamp != lexical.synced:
                    self._catch_up(lexical, stamp)
        elif not self._lexical_checked:
            self._lexical_checked = True
            if lexical.rows() == 0 and self.store.count() > 0:
                self.catch_up()
        return lexical

    def lexical_path(self) -> Path:
        s = self.settings
        server = urlparse(s.chroma_url)
        where = f".{server.hostname}_{server.port or 8000}" if s.chroma_url else ""
        return self.folder / f"{s.collection}{where}.bm25.sqlite"

    def open_lexical(self) -> LexicalIndex:
        """The lexical index as it is: no catching up."""
        with self._lexical_lock:
            if self._lexical is None:
                self._lexical = LexicalIndex(self.lexical_path())
        return self._lexical

    def remembered(self) -> list[Path]:
        """The folders and files ever ingested (and not forgotten)."""
        return [Path(r) for r in self.open_lexical().roots]

    def sync(self) -> tuple[int, int, list[str]]:
        """Rebuild the lexical index from the store's text where they differ: (refreshed, dropped, notes)."""
        self._writable()
        notes: list[str] = []
        lexical = self.lexical_or_set_aside(notes)
        with self._sync_lock:
            stamp = self.store.written_stamp() if self.settings.chroma_url else ""
            refreshed, dropped = self._catch_up(lexical, stamp)
        return refreshed, dropped, notes + repair.restored_lexical(refreshed)

    def catch_up(self, stored: dict[str, StoredArticle] | None = None) -> int:
        """Make the lexical index hold exactly the store's articles (`stored`: store.articles(), if just read);
        returns how many articles it refreshed."""
        with self._sync_lock:
            stamp = self.store.written_stamp() if self.settings.chroma_url else ""
            return self._catch_up(self.open_lexical(), stamp, stored)[0]

    def _catch_up(
        self, lexical: LexicalIndex, stamp: str, stored: dict[str, StoredArticle] | None = None
    ) -> tuple[int, int]:
        found = repair.restore_lexical(self.store, lexical, self.store.articles() if stored is None else stored)
        lexical.synced = stamp
        return found

    # --- telling other processes ------------------------------------------------
    def _stamp_file(self) -> Path:
        return Path(self.settings.store_path) / "written"

    def _local_stamp(self) -> int:
        """When a process last announced a write to the local index (0 with a server, or a read-only copy:
        nothing to reopen)."""
        if self.settings.chroma_url or self.read_only:
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

    def lexical_or_set_aside(self, notes: list[str]) -> LexicalIndex:
        """The lexical index, read through once; a file SQLite cannot read is set aside and started afresh."""
        try:
            lexical = self.open_lexical()
            lexical.signatures()
            return lexical
        except DamagedIndexError:
            self.close_lexical()
            path = self.lexical_path()
            aside = set_aside(path.parent, [path.name + end for end in ("", "-wal", "-shm")])
            notes.append(f"the lexical index {path} was damaged; it is set aside in {aside}")
            return self.open_lexical()

    def set_aside_store(self) -> str:
        """Move Chroma's files out of the way (a store Chroma cannot read); the next use starts an empty one."""
        self.close_store()
        aside = set_aside(self.folder, chroma_files(self.folder))
        return f"the vector index was damaged; its files are set aside in {aside} (delete them when you like)"

    def _writable(self) -> None:
        if self.read_only:
            raise read_only_error(Path(self.settings.store_path))

    def close_store(self) -> None:
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def close_lexical(self) -> None:
        with self._lexical_lock:
            if self._lexical is not None:
                self._lexical.close()
                self._lexical = None

    def close(self) -> None:
        self.close_store()
        self.close_lexical()
