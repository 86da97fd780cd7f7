"""The index of the articles: the work done with its two stores (stores.py opens them and keeps them fresh).

- `ingest` first mends what either store lost (`_mend`, with repair.py's
  functions): a file SQLite or Chroma cannot read is set aside and its store
  restored from the other; articles one store lost are restored from the
  other; an index from 0.1 gets its paths. Then it reads the folders
  (sync.py) and announces its writes at most every `announce_every_s`
  seconds and once at its end, so other clients reopen or rescan that often,
  not once per group written. Writing to a read-only index folder is refused
  in one line.
- `rebuild` re-embeds every article the index holds (a new embedding model
  or precision); `forget` removes what came from a folder or file (folders.py).
- `article(id)` stitches an article back together from its stored chunks;
  `status` says what the index holds per folder and what is out of step.

It embeds nothing itself: `ingest` and `rebuild` are handed the function that embeds.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from ..errors import DamagedIndexError, InputError
from ..records import Chunk, StoredArticle
from . import folders, repair
from .chunk import stitch
from .location import open_client
from .store import all_chunks
from .stores import Stores
from .sync import Embed, IngestReport, Progress, by_article, distinct_roots, ingest_folders, write_articles


class Index(Stores):
    """The work done with the two stores: ingest (after repairing what either lost), rebuild, forget, status."""

    def ingest(self, roots: list[Path], embed: Embed, prune: bool = True, progress: Progress | None = None):
        """Repair what either store lost, then bring the index in step with these folders (see sync.py);
        embed(texts) is called only for articles that changed or are restored."""
        for root in roots:
            if not Path(root).exists():
                raise InputError(folders.missing(self, Path(root)))
        self._writable()
        roots = distinct_roots(roots)

        def written(done, total, what):
            if time.monotonic() - self._announced >= self.announce_every_s:
                self.announce()
            if progress:
                progress(done, total, what)

        self._announced = time.monotonic()
        try:
            notes, again, stored = self._mend(embed, written, roots)
            self.open_lexical().remember_roots(roots)
            try:
                report = self._ingest(roots + again, stored, embed, prune, written)
            except DamagedIndexError:  # met while writing: Chroma could not replay its log (chroma-core/chroma#7678)
                if self.settings.chroma_url:
                    raise  # a server's files are the server's to mend
                notes.append(self.set_aside_store())
                more, again, stored = self._mend(embed, written, roots)
                report = self._ingest(roots + self.remembered(), stored, embed, prune, written)
                notes += more
            report.notes = notes + folders.gone(self)
            return report
        finally:
            self.announce()

    def _ingest(
        self, roots: list[Path], stored: dict[str, StoredArticle], embed: Embed, prune: bool, progress: Progress
    ) -> IngestReport:
        s = self.settings
        return ingest_folders(
            distinct_roots(r for r in roots if r.exists()), self.store, self.open_lexical(), embed, s.chunk_size,
            s.chunk_overlap, int(s.max_file_mb * 1e6), prune=prune, progress=progress, stored=stored,
        )  # fmt: skip

    def rebuild(self, embed: Embed, progress: Progress | None = None) -> IngestReport:
        """Re-embed every article the index holds with this Index's embedding model (a new model or
        precision), from the text the index holds: its files need not exist any more."""
        self._writable()
        started, report = time.perf_counter(), IngestReport()
        self._announced = time.monotonic()
        try:
            articles = by_article(self._everything_held(report.notes))
            report.chunks = write_articles(articles, self.store, self.open_lexical(), embed, progress)
            report.notes.append(f"re-embedded {len(articles)} articles with {self.embedding_model}")
        finally:
            self.announce()
        report.seconds = time.perf_counter() - started
        return report

    def forget(self, given: Path) -> int:
        """Remove every article that came from this folder or file (which need not exist any more)."""
        self._writable()
        removed = folders.forget(self, given)
        self.announce()
        return removed

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
        """Where the index lives, what it holds per folder, and what is out of step."""
        s, store = self.settings, self.store
        stored, lexical = store.articles(), self.open_lexical()
        return {
            "store_path": s.chroma_url or str(s.store_path),
            "collection": s.collection,
            "articles": len(stored),
            "chunks": store.count(),
            "embedding_model": store.embedding_model,
            "read_only": self.read_only,
            "folders": folders.per_folder(stored, lexical.roots),
            "problems": repair.problems(stored, lexical, local=not s.chroma_url),
        }

    def _mend(
        self, embed: Embed, progress: Progress, roots: list[Path]
    ) -> tuple[list[str], list[Path], dict[str, StoredArticle]]:
        """Repair what either store lost: (one note per repair, folders to read again, what the store holds)."""
        notes: list[str] = []
        again: list[Path] = []
        local = not self.settings.chroma_url
        lexical = self.lexical_or_set_aside(notes)
        try:
            stored = self.store.articles()
        except DamagedIndexError:
            if not local:
                raise  # a server's files are the server's to mend
            notes.append(self.set_aside_store())
            again = self.remembered()  # what the lexical index has no copy of (articles from 0.1) is read again
            stored = self.store.articles()
        if any(not a.path for a in stored.values()):
            moved = repair.migrate(self.store, lexical, stored, [r for r in self.remembered() + roots if r.is_dir()])
            if moved:
                notes.append(f"updated {moved} articles indexed by an older version (no re-embedding)")
                stored = self.store.articles()
        if local:
            restored = repair.restore_store(self.store, lexical, stored, embed, progress)
            if restored:
                notes.append(f"restored {restored} articles the vector index had lost, from the lexical index")
                stored = self.store.articles()
        return notes + repair.restored_lexical(self.catch_up(stored)), again, stored

    def _everything_held(self, notes: list[str]) -> list[Chunk]:
        """Every chunk the index holds (from the store whatever model made it, else from the lexical index's
        copy), and the store's collection deleted, so that the next use starts it with this Index's model."""
        from chromadb.errors import ChromaError, NotFoundError

        s = self.settings
        lexical = self.lexical_or_set_aside(notes)
        self.close_store()
        chunks: list[Chunk] = []
        try:
            client = open_client(self.folder, s.chroma_url)
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
            notes.append(self.set_aside_store())
        held = {c.article_id for c in chunks}
        return chunks + lexical.chunks_of([aid for aid in lexical.counts() if aid not in held])
