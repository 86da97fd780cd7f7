"""Keep the index in step with folders of articles: add, replace, remove, repair.

`ingest_folders` reads the folders (read.py), compares each article with
what the store holds, and embeds and writes only what changed. Writes go
article group by article group in an order that makes a killed run harmless:
old chunks are deleted, new chunks written to the vector store, then to the
lexical index. A re-run sees any half-written article (chunk count or sha256
disagree, lexical rows missing) as changed and writes it again, so a plain
re-run always repairs the index. Unchanged articles cost nothing but a read.
Which store and lexical index it writes to, and telling other processes that
it wrote, is the Index's business (index.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..models.embed import passage_text
from ..records import Article, Chunk, StoredArticle
from .chunk import CHUNKER_VERSION, chunk_article
from .lexical import LexicalIndex
from .read import read_listing
from .store import ChromaStore
from .walk import Skipped, inside, resolve, walk

Progress = Callable[[int, int, str], None]  # (done, total, what)
Embed = Callable[[list[str]], Sequence[Sequence[float]]]  # texts -> vectors; called only for what changed


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (duplicate, indexed as)
    unread: list[Path] = field(default_factory=list)  # folders that could not be listed: nothing pruned there
    chunks: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # one line each: repairs, updates, folders that are gone

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped, {len(self.duplicates)} duplicates "
            f"({self.chunks} chunks embedded in {self.seconds:.1f}s)"
        )


def distinct_roots(roots: Iterable[Path]) -> list[Path]:
    """The folders and files given, resolved, each once; one inside another given is that one's."""
    every = list(dict.fromkeys(resolve(r) for r in roots))
    return [r for r in every if not any(o != r and inside(r, o) for o in every)]


def read_articles(roots: list[Path], max_bytes: int) -> tuple[list[Article], IngestReport]:
    """Read all roots; an article whose text repeats one already read is recorded as a duplicate."""
    report = IngestReport()
    articles: list[Article] = []
    seen_text: dict[str, Article] = {}
    for root in distinct_roots(roots):
        listing = walk(root)
        report.unread += listing.unread
        for item in read_listing(listing, max_bytes):
            if isinstance(item, Skipped):
                report.skipped.append(item)
                continue
            twin = seen_text.get(item.sha256)
            if twin is not None:
                report.duplicates.append((item.source, twin.source))
                continue
            seen_text[item.sha256] = item
            articles.append(item)
    return articles, report


def _aliases(report: IngestReport) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for dup, kept in report.duplicates:
        found.setdefault(kept, []).append(dup)
    return found


def ingest_folders(
    roots: Iterable[Path],
    store: ChromaStore,
    lexical: LexicalIndex,
    embed: Embed,
    chunk_size: int,
    chunk_overlap: int,
    max_bytes: int,
    prune: bool = True,
    progress: Progress | None = None,
    group_chunks: int = 256,
    stored: dict[str, StoredArticle] | None = None,
) -> IngestReport:
    """Bring the index in step with these folders (or files); `stored`: store.articles(), if just read."""
    started = time.perf_counter()
    roots = distinct_roots(roots)
    articles, report = read_articles(roots, max_bytes)
    aliases = _aliases(report)
    chunker = f"v{CHUNKER_VERSION}:{chunk_size}/{chunk_overlap}"  # a new chunker re-chunks everything
    stored = store.articles() if stored is None else stored
    lexical_counts = lexical.counts()

    if prune:
        present = {a.id for a in articles} | {s.id for s in report.skipped if s.keep}
        gone = prune_gone(store, lexical, stored, present, roots, report.unread)
        report.removed = sorted(stored[aid].source for aid in gone)
        stored = {aid: a for aid, a in stored.items() if aid not in gone}

    names = names_shown(stored, articles)
    todo: list[list[Chunk]] = []
    relabel: list[list[Chunk]] = []
    for article in articles:
        source = names[article.id]
        also = "; ".join(aliases.get(article.source, []))
        chunks = chunk_article(dataclasses.replace(article, source=source), chunk_size, chunk_overlap,
                               also=also, chunker=chunker)  # fmt: skip
        old = stored.get(article.id)
        if old and _intact(old, chunks, lexical_counts.get(article.id, 0)):
            report.unchanged.append(source)
            if (old.root, old.folder) != (article.root, article.folder) or old.source != source:
                relabel.append(chunks)
            continue
        (report.updated if old else report.added).append(source)
        todo.append(chunks)
    read_now = {a.id for a in articles}
    rename(store, lexical, {aid: n for aid, n in names.items() if aid not in read_now and aid in stored}, stored)
    for chunks in relabel:
        store.relabel(chunks)
        lexical.relabel(chunks)
    report.chunks = write_articles(todo, store, lexical, embed, progress, group_chunks)
    report.seconds = time.perf_counter() - started
    return report


def prune_gone(
    store: ChromaStore,
    lexical: LexicalIndex,
    stored: dict[str, StoredArticle],
    present: set[str],
    roots: list[Path],
    unread: list[Path],
) -> list[str]:
    """Remove from both stores the articles of these folders (or files) whose files are gone; returns their
    ids. Files that exist but were skipped are `present` and keep what is stored, and so does everything
    under a folder that could not be listed (`unread`): nothing already indexed is lost. Articles of
    folders not given are never pruned."""
    gone = [
        aid for aid, a in stored.items() if aid not in present and _under(a.path, roots) and not _under(a.path, unread)
    ]
    lexical.delete_articles(gone)
    store.delete_articles(gone)
    return gone


def names_shown(stored: dict[str, StoredArticle], articles: Sequence[Article] = ()) -> dict[str, str]:
    """article id -> the name citations show: the file's path in its folder, with the folder's name in front
    where another indexed file has the same path in its folder (biz/001.txt and tech/001.txt; 002.txt)."""
    where = {aid: (a.root, _in_folder(a)) for aid, a in stored.items()}
    where |= {a.id: (a.root, a.source) for a in articles}
    count = Counter(rel for _, rel in where.values())
    return {aid: f"{root}/{rel}" if count[rel] > 1 and root else rel for aid, (root, rel) in where.items()}


def rename(store: ChromaStore, lexical: LexicalIndex, names: dict[str, str], stored: dict[str, StoredArticle]) -> None:
    """Give stored articles new names to show (metadata only: no re-embedding). Articles of an index
    from 0.1 (no path) keep theirs."""
    changed = [aid for aid, name in names.items() if stored[aid].path and stored[aid].source != name]
    chunks = [dataclasses.replace(c, source=names[c.article_id]) for c in store.chunks_of(changed)]
    if chunks:
        store.relabel(chunks)
        lexical.relabel(chunks)


def _in_folder(stored: StoredArticle) -> str:
    """A stored article's path in its folder (before any folder name was put in front of it)."""
    if not stored.path or not stored.folder:
        return stored.source
    return Path(stored.path).relative_to(stored.folder).as_posix()


def _under(path: str, folders: Iterable[Path]) -> bool:
    return bool(path) and any(inside(Path(path), f) for f in folders)


def write_articles(todo: list[list[Chunk]], store: ChromaStore, lexical: LexicalIndex, embed: Embed,
                   progress: Progress | None = None, group_chunks: int = 256) -> int:  # fmt: skip
    """Embed and write these articles' chunks, group by group: delete the old chunks, write the new ones to
    the vector store, then to the lexical index (the order a killed run can always repair). Returns the
    number of chunks written."""
    total = sum(len(c) for c in todo)
    done = 0
    for group in _groups(todo, group_chunks):
        flat = [c for chunks in group for c in chunks]
        vectors = embed([passage_text(c) for c in flat])
        ids = [chunks[0].article_id for chunks in group]
        store.delete_articles(ids)
        store.add(flat, vectors)
        lexical.add(flat)
        done += len(flat)
        if progress:
            progress(done, total, flat[-1].source)
    return total


def by_article(chunks: Iterable[Chunk]) -> list[list[Chunk]]:
    """Chunks grouped by article, each article's in order."""
    found: dict[str, list[Chunk]] = {}
    for c in chunks:
        found.setdefault(c.article_id, []).append(c)
    return [sorted(group, key=lambda c: c.index) for group in found.values()]


def _intact(old: StoredArticle, chunks: list[Chunk], lexical_rows: int) -> bool:
    first = chunks[0] if chunks else None
    return (
        first is not None
        and old.sha256 == first.article_sha256
        and old.n_chunks == old.stored == len(chunks) == lexical_rows
        and old.also == first.also
        and old.chunker == first.chunker
    )


def _groups(todo: list[list[Chunk]], size: int) -> Iterable[list[list[Chunk]]]:
    group, count = [], 0
    for chunks in todo:
        group.append(chunks)
        count += len(chunks)
        if count >= size:
            yield group
            group, count = [], 0
    if group:
        yield group
