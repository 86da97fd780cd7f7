"""Find the passages that answer a question: dense + BM25, fused, diversified.

`retrieve` embeds the question, asks the vector store and the lexical index
for `candidates` passages each, fuses the two rankings by weighted reciprocal
rank fusion, optionally reorders the fused list with a cross-encoder, and
keeps the best `top_k` with at most `per_article` from any one article so
that several articles can be heard. Every hit carries its cosine similarity to
the question (used for abstention), whichever ranking found it; a passage only
BM25 found is fetched from the vector store (text and vector) only when it is
among those kept, which at 100k chunks saved more time than the vector search takes.

The candidate pool does not depend on `top_k` (up to `candidates`), so asking
for more passages only extends the list: the first five of a top-20 list are
the top-5 list (the evaluation relies on this). Filters (dates, outlet, folder) are applied
to the candidates of both rankings.

No cross-encoder ships on PyPI with its weights (checked: flashrank,
local-reranker, mxbai-rerank and rag-reranker fetch theirs from the Hugging
Face hub at run time; small-hybrid-reranker is a LightGBM model over a static
embedder it also fetches), so reranking is off unless `rerank_model` names a
local sentence-transformers CrossEncoder folder.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import env_name
from ..errors import InputError, ModelError
from ..models.embed import passage_text
from ..records import Hit

RRF_K = 60


@dataclass(frozen=True)
class Filters:
    date_from: str = ""  # ISO yyyy-mm-dd, inclusive
    date_to: str = ""
    outlet: str = ""  # case-insensitive substring of the outlet/byline
    folder: str = ""  # the ingested folder's name or a sub-folder of it

    def where(self) -> dict | None:
        """The part Chroma can filter on itself (dates); the rest is `accepts`."""
        parts = []
        if self.date_from:
            parts.append({"date_num": {"$gte": date_num(self.date_from)}})
        if self.date_to:
            parts.append({"date_num": {"$lte": date_num(self.date_to)}})
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def accepts(self, hit: Hit) -> bool:
        c = hit.chunk
        return self.admits(outlet=c.outlet, root=c.root, source=c.source, date=c.date)

    def admits(self, outlet: str = "", root: str = "", source: str = "", date: str = "") -> bool:
        """Whether an article with these details passes."""
        if self.outlet and self.outlet.lower() not in outlet.lower():
            return False
        if self.folder:
            folder = self.folder.strip("/")
            if not (root == folder or source.startswith(folder + "/") or f"{root}/{source}".startswith(folder + "/")):
                return False
        if self.date_from or self.date_to:
            n = date_num(date) if date else 0
            if (
                not n
                or (self.date_from and n < date_num(self.date_from))
                or (self.date_to and n > date_num(self.date_to))
            ):
                return False
        return True

    def __bool__(self) -> bool:
        return any((self.date_from, self.date_to, self.outlet, self.folder))

    def __str__(self) -> str:
        """The filters as given: "from 2015-08-01, outlet 'Moscow'"."""
        parts = [f"from {self.date_from}" if self.date_from else "", f"to {self.date_to}" if self.date_to else ""]
        parts += [f"{name} {value!r}" for name, value in (("outlet", self.outlet), ("folder", self.folder)) if value]
        return ", ".join(p for p in parts if p)


def check_filters(filters: Filters) -> Filters:
    """Refuse a date that is not a real day written YYYY-MM-DD, and a range that ends before it starts.

    >>> check_filters(Filters(date_to="2015-02-30"))
    Traceback (most recent call last):
    assistant.errors.InputError: --date-to '2015-02-30' is not a real date (day is out of range for month)
    """
    for name in ("date_from", "date_to"):
        value = getattr(filters, name)
        if value and (problem := date_problem(value)):
            raise InputError(f"--{name.replace('_', '-')} {value!r} {problem}")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InputError(f"--date-from {filters.date_from} is after --date-to {filters.date_to}; swap them")
    return filters


def date_problem(value: str) -> str:
    """What is wrong with a date, or '' for a real day written YYYY-MM-DD.

    >>> date_problem("2015-08-31"), date_problem("31/08/2015"), date_problem("2015-13-45")
    ('', 'is not a date like 2015-08-31', 'is not a real date (month must be in 1..12)')
    """
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "is not a date like 2015-08-31"
    try:
        datetime.date.fromisoformat(value)
    except ValueError as exc:
        return f"is not a real date ({exc})"
    return ""


def date_num(iso: str) -> int:
    """'2015-08-05' -> 20150805"""
    return int(iso.replace("-", "")[:8].ljust(8, "0"))


def fuse(rankings: Sequence[tuple[float, Sequence[str]]], k: int = RRF_K) -> dict[str, float]:
    """Weighted reciprocal rank fusion: {id: sum of weight / (k + rank)}.

    >>> sorted(fuse([(1.0, ["a", "b"]), (1.0, ["b", "c"])]).items(), key=lambda kv: -kv[1])[0][0]
    'b'
    """
    scores: dict[str, float] = {}
    for weight, ids in rankings:
        for rank, cid in enumerate(ids, 1):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank)
    return scores


def diversify(hits: Sequence[Hit], top_k: int, per_article: int) -> list[Hit]:
    """Best hits first, at most per_article from one article."""
    return _capped(hits, lambda h: h.chunk.article_id, top_k, per_article)


def _capped(items: Sequence, article_of, top_k: int, per_article: int) -> list:
    kept, per = [], {}
    for item in items:
        aid = article_of(item)
        if per.get(aid, 0) < per_article:
            kept.append(item)
            per[aid] = per.get(aid, 0) + 1
            if len(kept) == top_k:
                break
    return kept


def _article_of(chunk_id: str) -> str:
    return chunk_id.rsplit(":", 1)[0]  # records.Chunk: f"{article_id}:{index}"


def rerank(question: str, hits: Sequence[Hit], reranker, depth: int) -> list[Hit]:
    """Reorder the first `depth` hits by the reranker's score (which becomes their score); the rest follow."""
    head, tail = list(hits[:depth]), list(hits[depth:])
    if not head:
        return tail
    scores = reranker.score(question, [passage_text(h.chunk) for h in head])
    ranked = sorted(zip(head, scores), key=lambda pair: -pair[1])
    return [replace(h, score=float(s)) for h, s in ranked] + tail


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local folder, offline, on the CPU."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        path = Path(path).expanduser()
        if not (path / "config.json").is_file():
            raise ModelError(
                f"rerank_model {str(path)!r} is not a folder holding a cross-encoder (no config.json); "
                f"give a local sentence-transformers CrossEncoder folder, or leave {env_name('rerank_model')} empty"
            )
        from sentence_transformers import CrossEncoder

        try:
            self.model = CrossEncoder(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # transformers raises OSError/ValueError for broken folders
            raise ModelError(f"cannot load the cross-encoder in {path}: {exc}") from None
        self.name = path.name

    def score(self, question: str, texts: Sequence[str]) -> list[float]:
        pairs = [(question, t) for t in texts]
        return [float(x) for x in self.model.predict(pairs, show_progress_bar=False)]


def retrieve(
    question: str,
    embedder,
    store,
    lexical=None,
    top_k: int = 5,
    per_article: int = 2,
    dense_weight: float = 1.0,
    lexical_weight: float = 1.0,
    filters: Filters = Filters(),
    candidates: int = 40,
    reranker=None,
    vector: Sequence[float] | None = None,
) -> list[Hit]:
    """The best `top_k` passages for the question (`vector`: its embedding, when the caller has it)."""
    vector = vector if vector is not None else embedder.embed([question])[0]
    pool = max(candidates, top_k) * (3 if filters else 1)
    dense = [h for h in store.query(vector, pool, filters.where()) if filters.accepts(h)] if dense_weight > 0 else []
    by_id = {h.chunk.id: h for h in dense}
    found = [cid for cid, _ in lexical.search(question, pool)] if lexical is not None and lexical_weight > 0 else []
    dropped: set[str] = set()  # found by BM25 but gone from the store or not passing the filters
    while True:
        kept = [cid for cid in found if cid not in dropped]
        fused = fuse([(dense_weight, [h.chunk.id for h in dense])] + ([(lexical_weight, kept)] if found else []))
        order = sorted(fused, key=lambda cid: -fused[cid])
        head = (
            order[: max(candidates, top_k)] if reranker is not None else _capped(order, _article_of, top_k, per_article)
        )
        # a passage only BM25 found is fetched when it is needed, with every BM25 find ranked above it (whether
        # those pass decides its rank): at 100k chunks fetching all of them cost more than the vector search
        reach = max((kept.index(cid) for cid in head if cid in kept), default=-1)
        unknown = [cid for cid in kept[: reach + 1] if cid not in by_id]
        if not unknown:
            break
        got = {h.chunk.id: h for h in store.similarities(vector, unknown) if filters.accepts(h)}
        by_id.update(got)
        dropped.update(cid for cid in unknown if cid not in got)
    ranked = [replace(by_id[cid], score=fused[cid]) for cid in head]
    if reranker is not None:
        ranked = rerank(question, ranked, reranker, max(candidates, top_k))
    return diversify(ranked, top_k, per_article)
