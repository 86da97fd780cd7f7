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

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .chunk import CHUNKER_VERSION, chunk_article
from .embed import passage_text
from .lexical import LexicalIndex
from .read import Skipped, read_folder, root_name
from .records import Article, Chunk
from .store import ChromaStore

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
    chunks: int = 0
    seconds: float = 0.0
    rebuilt: str = ""  # why the vector index had to be rebuilt from every folder, if it did

    def summary(self) -> str:
        rebuilt = f"rebuilt the damaged vector index ({self.rebuilt}): " if self.rebuilt else ""
        return rebuilt + (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped, {len(self.duplicates)} duplicates "
            f"({self.chunks} chunks embedded in {self.seconds:.1f}s)"
        )


def read_articles(roots: list[Path], max_bytes: int) -> tuple[list[Article], IngestReport]:
    """Read all roots; an article whose text repeats one already read is recorded as a duplicate."""
    report = IngestReport()
    articles: list[Article] = []
    seen_text: dict[str, Article] = {}
    for root in roots:
        for item in read_folder(root, max_bytes):
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
) -> IngestReport:
    started = time.perf_counter()
    roots = [Path(r) for r in roots]
    articles, report = read_articles(roots, max_bytes)
    aliases = _aliases(report)
    chunker = f"v{CHUNKER_VERSION}:{chunk_size}/{chunk_overlap}"  # a new chunker re-chunks everything
    stored = store.articles()
    lexical_counts = lexical.counts()

    todo: list[list[Chunk]] = []
    for article in articles:
        also = "; ".join(aliases.get(article.source, []))
        chunks = chunk_article(article, chunk_size, chunk_overlap, also=also, chunker=chunker)
        old = stored.get(article.id)
        if old and _intact(old, chunks, lexical_counts.get(article.id, 0)):
            report.unchanged.append(article.source)
            continue
        (report.updated if old else report.added).append(article.source)
        todo.append(chunks)

    # Files that exist but were skipped keep what is stored: nothing already indexed is lost.
    present = {a.id for a in articles} | {s.id for s in report.skipped}
    roots_now = {root_name(r) for r in roots}
    if prune:
        gone = [aid for aid in stored if aid not in present and stored[aid]["root"] in roots_now]
        report.removed = sorted(stored[aid]["source"] for aid in gone)
        lexical.delete_articles(gone)
        store.delete_articles(gone)
    orphans = [aid for aid in lexical_counts if aid not in stored and aid not in present]
    lexical.delete_articles(orphans)

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
    report.chunks = total
    report.seconds = time.perf_counter() - started
    return report


def _intact(old: dict, chunks: list[Chunk], lexical_rows: int) -> bool:
    first = chunks[0] if chunks else None
    return (
        first is not None
        and old["sha256"] == first.article_sha256
        and old["n_chunks"] == old["stored"] == len(chunks) == lexical_rows
        and old.get("also", "") == first.also
        and old.get("chunker", "") == first.chunker
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
