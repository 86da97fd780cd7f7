"""The one place that wires the pipeline: ingest, retrieve, prompt, generate, cite.

`Assistant(settings)` loads each component the first time it is needed (the
embedder for ingest and retrieval, the chat model for answers only), so
`assistant status` stays instant. Tests pass a fake embedder and a scripted
generator instead. `ask_stream` yields the answer's text pieces as the model
writes them, then the finished Answer record.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from . import models, prompts
from .cite import is_abstention, resolve_citations
from .config import Settings
from .errors import DamagedIndexError, InputError, StoreError
from .index import IngestReport, Progress, ingest_folders, sync_lexical
from .lexical import LexicalIndex
from .records import Answer, Hit
from .retrieve import CrossEncoderReranker, Filters, retrieve
from .verify import check_answer

MAX_QUESTION_CHARS = 2000


def check_question(question: str) -> str:
    question = " ".join((question or "").split())
    if not question:
        raise InputError("the question is empty; type a question about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
    if not any(ch.isalnum() for ch in question):
        raise InputError("the question has no words in it; ask about something in the articles")
    return question


class Assistant:
    def __init__(self, settings: Settings | None = None, embedder=None, generator=None):
        self.settings = settings or Settings.load()
        self._embedder = embedder
        self._generator = generator
        self._store = None
        self._store_stamp = 0
        self._lexical = None
        self._reranker = None
        self._load_lock = threading.Lock()
        self._sync_lock = threading.RLock()

    # --- components, loaded on first use ---------------------------------
    def catalogue(self) -> list[models.ModelSpec]:
        return models.read_catalogue(self.settings.catalogue)

    def embed_spec(self) -> models.ModelSpec:
        return models.choose(self.catalogue(), "embedding", self.settings.embed_model)

    def embed_name(self) -> str:
        """The name the index records for the embedder these settings make."""
        return self.embed_spec().name + ("+int8" if self.settings.embed_precision == "int8" else "")

    def chat_spec(self) -> models.ModelSpec:
        return models.choose(self.catalogue(), "chat", self.settings.chat_model)

    @property
    def embedder(self):
        with self._load_lock:
            if self._embedder is None:
                from .embed import SentenceTransformerEmbedder

                path, int8 = models.embedding_model_path(self.embed_spec()), self.settings.embed_precision == "int8"
                self._embedder = SentenceTransformerEmbedder(path, self.embed_name(), int8=int8)
        return self._embedder

    @property
    def generator(self):
        with self._load_lock:
            if self._generator is None:
                s = self.settings
                if s.llm_url:
                    from .generate import OpenAIGenerator

                    self._generator = OpenAIGenerator(s.llm_url, s.llm_model, s.llm_api_key, s.llm_timeout)
                else:
                    from .generate import LlamaGenerator

                    spec = self.chat_spec()
                    path = models.chat_model_path(spec, s.cache_dir)
                    self._generator = LlamaGenerator(str(path), spec.name, n_ctx=s.n_ctx, threads=s.threads)
        return self._generator

    @property
    def store(self):
        """The vector store; reopened when another process has written the local index since we opened it."""
        with self._load_lock:
            stamp = self._index_stamp()
            if self._store is not None and stamp != self._store_stamp:
                self._store.close()  # Chroma's local mode caches index state per process: reopen to see new writes
                self._store = None
            if self._store is None:
                from .store import ChromaStore, open_client

                s = self.settings
                name = self._embedder.name if self._embedder is not None else self.embed_name()
                self._store = ChromaStore(
                    open_client(s.store_path, s.chroma_url), s.collection, name, s.chroma_url or str(s.store_path)
                )
                self._store_stamp = stamp
        return self._store

    def _stamp_path(self) -> Path:
        return Path(self.settings.store_path) / "written"

    def _index_stamp(self) -> int:
        """When any process last wrote the local index (0 for a server store, which needs no reopening)."""
        if self.settings.chroma_url:
            return 0
        try:
            return self._stamp_path().stat().st_mtime_ns
        except OSError:
            return 0

    def _mark_written(self) -> None:
        if self.settings.chroma_url:
            self.store.mark_written()
            return
        path = self._stamp_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(time.time_ns()))
        self._store_stamp = self._index_stamp()

    @property
    def lexical(self) -> LexicalIndex:
        """The BM25 index; with a Chroma server, this client's own copy, caught up whenever the server changed."""
        lexical = self._open_lexical()
        if self.settings.chroma_url:
            with self._sync_lock:
                stamp = self.store.written_stamp()
                if stamp != lexical.synced:
                    sync_lexical(self.store, lexical)
                    lexical.synced = stamp
        return lexical

    def _open_lexical(self) -> LexicalIndex:
        s = self.settings
        with self._load_lock:
            if self._lexical is None:
                server = urlparse(s.chroma_url)
                where = f".{server.hostname}_{server.port or 8000}" if s.chroma_url else ""
                self._lexical = LexicalIndex(Path(s.store_path) / f"{s.collection}{where}.bm25.sqlite")
        return self._lexical

    def sync(self) -> tuple[int, int]:
        """Rebuild the lexical index from the store's text where they differ: (refreshed, dropped)."""
        with self._sync_lock:
            lexical = self._open_lexical()
            stamp = self.store.written_stamp() if self.settings.chroma_url else ""
            changed = sync_lexical(self.store, lexical)
            lexical.synced = stamp
            return changed

    # --- the work ---------------------------------------------------------
    def ingest(
        self, paths: list[Path] | None = None, prune: bool = True, progress: Progress | None = None
    ) -> IngestReport:
        s = self.settings
        roots = [Path(p) for p in (paths or [s.corpus_path])]
        for root in roots:
            if not root.exists():
                raise InputError(f"{root} does not exist; give a folder of .txt, .md or .html articles")

        def written(done, total, what):
            self._mark_written()  # after each group: a serving process reopens and sees it
            if progress:
                progress(done, total, what)

        try:
            self._open_lexical().remember_roots(roots)
            try:
                return self._ingest(roots, prune, written)
            except DamagedIndexError:
                if s.chroma_url:
                    raise  # a server's files are the server's to mend
                return self._rebuild(roots, prune, written)
        finally:
            self._mark_written()

    def _ingest(self, roots: list[Path], prune: bool, progress: Progress) -> IngestReport:
        s = self.settings
        return ingest_folders(
            roots, self.store, self.lexical, self.embedder, s.chunk_size, s.chunk_overlap,
            int(s.max_file_mb * 1e6), prune=prune, progress=progress,
        )  # fmt: skip

    def _rebuild(self, roots: list[Path], prune: bool, progress: Progress) -> IngestReport:
        """Chroma cannot read its files: start the index afresh from every folder it ever held."""
        every = list(dict.fromkeys([*(r.resolve() for r in roots), *(Path(r) for r in self._open_lexical().roots)]))
        every = [r for r in every if r.is_dir()]
        with self._load_lock:
            self._store.drop()
            self._store.close()
            self._store = None
        self._open_lexical().clear()
        report = self._ingest(every, prune, progress)
        report.rebuilt = f"Chroma could not read its files; read {len(every)} folder(s) again"
        return report

    @property
    def reranker(self):
        """The cross-encoder named by settings.rerank_model, or None (the default: none ships on PyPI)."""
        with self._load_lock:
            path = self.settings.rerank_model
            if path and getattr(self._reranker, "path", None) != path:
                self._reranker = CrossEncoderReranker(path)
        return self._reranker if path else None

    def retrieve(self, question: str, filters: Filters = Filters(), top_k: int | None = None) -> list[Hit]:
        s = self.settings
        return retrieve(
            question, self.embedder, self.store, self.lexical, top_k=top_k or s.top_k, per_article=s.per_article,
            dense_weight=s.dense_weight, lexical_weight=s.lexical_weight, filters=filters,
            candidates=s.candidates, reranker=self.reranker,
        )  # fmt: skip

    def ask(self, question: str, filters: Filters = Filters(), history: list[dict] | None = None) -> Answer:
        answer = None
        for answer in self.ask_stream(question, filters, history):
            pass
        return answer

    def standalone_question(self, question: str, history: list[dict]) -> str:
        """A follow-up rewritten by the model into a question that stands alone (bounded: last 4 turns)."""
        turns = [t for t in history if t.get("content")][-4:]
        if not turns:
            return question
        lines = [f"{t['role'].capitalize()}: {' '.join(t['content'].split())[:300]}" for t in turns]
        messages = [{"role": "user", "content": prompts.render(
            self.settings.prompts_dir, "rewrite", history="\n".join(lines), question=question)}]  # fmt: skip
        text = "".join(self.generator.stream(messages, max_tokens=60, temperature=0.0)).strip()
        text = text.splitlines()[0].strip().strip('"') if text else ""
        return text if 8 <= len(text) <= 400 else question

    def ask_stream(
        self, question: str, filters: Filters = Filters(), history: list[dict] | None = None
    ) -> Iterator[str | Answer]:
        s = self.settings
        question = check_question(question)
        if self.store.count() == 0:
            raise StoreError("the index is empty; add articles with: assistant ingest [FOLDER]")
        answer = Answer(question=question, standalone_question=question)
        self.embedder  # load models before the clock starts: timings measure answering, not loading
        started = time.perf_counter()
        if history:
            answer.standalone_question = self.standalone_question(question, history)
            answer.timings["rewrite_s"] = time.perf_counter() - started
        hits = self.retrieve(answer.standalone_question, filters)
        answer.timings["retrieval_s"] = time.perf_counter() - started - answer.timings.get("rewrite_s", 0.0)
        answer.hits = hits
        not_found = prompts.not_found_sentence(s.prompts_dir)
        if not hits or max(h.similarity for h in hits) < s.min_score:
            answer.text, answer.abstained = not_found, True
            answer.timings["total_s"] = time.perf_counter() - started
            yield answer
            return

        generator = self.generator
        hits = self._within_budget(hits)
        messages = prompts.answer_messages(s.prompts_dir, answer.standalone_question, hits)
        pieces: list[str] = []
        for piece in generator.stream(messages, s.max_tokens, s.temperature):
            if not pieces:
                answer.timings["first_token_s"] = time.perf_counter() - started
            pieces.append(piece)
            yield piece
        raw = "".join(pieces).strip()
        generated = time.perf_counter()
        answer.timings["generation_s"] = generated - started
        if not raw or is_abstention(raw, not_found):
            answer.text, answer.abstained = not_found, True
        else:
            answer.text, answer.citations, answer.invalid_markers = resolve_citations(raw, hits)
            check_answer(answer, hits, self.embedder, s.support_threshold)
            answer.timings["check_s"] = time.perf_counter() - generated
            if not answer.citations:
                answer.warnings.append("The answer cites no passage: check it against the sources below.")
        answer.timings["total_s"] = time.perf_counter() - started
        yield answer

    def _within_budget(self, hits: list[Hit]) -> list[Hit]:
        """Drop the lowest-ranked passages until the passages fit the prompt budget (always keep one)."""
        count = self.generator.count_tokens
        kept, used = [], 0
        for hit in hits:
            cost = count(hit.chunk.text) + 24
            if kept and used + cost > self.settings.prompt_budget:
                break
            kept.append(hit)
            used += cost
        return kept

    def article(self, article_id: str) -> dict:
        """An indexed article, rebuilt from its stored chunks; only ids in the index are served."""
        chunks = self.store.chunks(article_id) if re.fullmatch(r"[0-9a-f]{16}", article_id or "") else []
        if not chunks:
            raise InputError(f"no indexed article has id {article_id!r}")
        text = ""
        for c in chunks:  # chunks overlap: append only what extends past the text so far
            text += c.text[max(0, len(text) - c.start) :] if c.start <= len(text) else "\n\n" + c.text
        first = chunks[0]
        return {"id": article_id, "title": first.title, "source": first.source, "date": first.date,
                "outlet": first.outlet, "url": first.url, "text": text}  # fmt: skip

    def status(self) -> dict:
        s = self.settings
        articles = self.store.articles()
        return {
            "store_path": str(s.store_path) if not s.chroma_url else s.chroma_url,
            "collection": s.collection,
            "articles": len(articles),
            "chunks": self.store.count(),
            "embedding_model": self.store.embedding_model,
            "chat_model": f"{s.llm_model or 'server default'} at {s.llm_url}" if s.llm_url else self.chat_spec().name,
            "chat_model_installed": True if s.llm_url else models.is_installed(self.chat_spec()),
            "folders": sorted({a["root"] for a in articles.values()}),
        }
