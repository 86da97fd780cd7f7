"""The one place that wires the pipeline: read, chunk, embed, index, retrieve, prompt, generate, cite, check.

`Assistant(settings)` holds the Index (index.py: the stores, kept fresh) and
loads each model the first time it is needed (the embedder for ingest and
retrieval, the chat model for answers only), each under its own lock, so
`assistant status` stays instant and loading the chat model holds up no
retrieval. Tests pass a fake embedder and a scripted generator instead.
`ask_stream` yields the answer's text pieces as the model writes them, then
the finished Answer record.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from . import models, prompts
from .cite import answer_grammar, is_abstention, resolve_citations
from .config import Settings
from .errors import InputError, StoreError
from .evidence import select_evidence
from .facts import facts, vocabulary
from .index import Index
from .ingest import IngestReport, Progress
from .read import html_to_text
from .records import Answer, Evidence, Hit
from .retrieve import CrossEncoderReranker, Filters, check_filters, retrieve
from .verify import check_answer, named_facts, quote_answer, undated

MAX_QUESTION_CHARS = 2000
CORE_CHARS = 300  # a longer question is searched by its core


def check_question(question: str) -> str:
    """The question as plain text (markup pasted with it dropped), or a one-line InputError."""
    question = question or ""
    if re.search(r"<[a-zA-Z/!][^>]*>", question):
        question = html_to_text(question)[1]
    question = " ".join(question.split())
    if not question:
        raise InputError("the question is empty; type a question about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
    if not any(ch.isalnum() for ch in question):
        raise InputError("the question has no words in it; ask about something in the articles")
    return question


def question_core(question: str) -> str:
    """What a long question asks: its last sentence that ends in "?" (else its first CORE_CHARS characters).

    A pasted paragraph ahead of the question would otherwise drown it in retrieval and evidence selection.
    >>> question_core("Some background here. " * 20 + "So what did Lavrov propose? Thanks.")
    'So what did Lavrov propose?'
    """
    if len(question) <= CORE_CHARS:
        return question
    asks = [s for s in re.split(r"(?<=[.!?])\s+", question) if s.endswith("?") and len(s.split()) >= 3]
    if asks:
        return asks[-1] if len(asks[-1]) <= CORE_CHARS else asks[-1][-CORE_CHARS:].split(" ", 1)[-1]
    return question[:CORE_CHARS].rsplit(" ", 1)[0]


PRONOUN = re.compile(r"\b(?:they|them|their|he|him|his|she|her|it|its)\b", re.IGNORECASE)


def _says_nothing(content: str, not_found: str) -> bool:
    """A turn that adds nothing to a rewrite: the not-found reply or an error line."""
    text = " ".join(str(content).split())
    return text.startswith("⚠") or is_abstention(text, not_found)


class Loaded:
    """A model made on first use under its own lock: loading one model blocks nothing else."""

    def __init__(self, make: Callable[[], object], value=None):
        self.make, self.value, self._lock = make, value, threading.Lock()

    def get(self):
        if self.value is None:
            with self._lock:
                if self.value is None:
                    self.value = self.make()
        return self.value


class Assistant:
    def __init__(self, settings: Settings | None = None, embedder=None, generator=None):
        self.settings = settings or Settings.load()
        self._embedder = Loaded(self._load_embedder, embedder)
        self._generator = Loaded(self._load_generator, generator)
        self._reranker = None
        self._reranker_lock = threading.Lock()
        self.index = Index(self.settings, embedder.name if embedder is not None else self.embed_name())

    # --- models, loaded on first use --------------------------------------
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
        return self._embedder.get()

    def _load_embedder(self):
        from .embed import SentenceTransformerEmbedder

        path, int8 = models.embedding_model_path(self.embed_spec()), self.settings.embed_precision == "int8"
        return SentenceTransformerEmbedder(path, self.embed_name(), int8=int8)

    @property
    def generator(self):
        return self._generator.get()

    @generator.setter
    def generator(self, generator) -> None:
        self._generator.value = generator

    @property
    def loaded_generator(self):
        """The chat model if it is loaded, else None (the page says the first answer loads it)."""
        return self._generator.value

    def _load_generator(self):
        s = self.settings
        if s.llm_url:
            from .generate import OpenAIGenerator

            return OpenAIGenerator(s.llm_url, s.llm_model, s.llm_api_key, s.llm_timeout)
        from .generate import LlamaGenerator

        spec = self.chat_spec()
        path = models.chat_model_path(spec, s.cache_dir)  # joined and checked once, then a stamp says so
        return LlamaGenerator(str(path), spec.name, n_ctx=s.n_ctx, threads=s.threads)

    # --- the work ---------------------------------------------------------
    def ingest(
        self, paths: list[Path] | None = None, prune: bool = True, progress: Progress | None = None
    ) -> IngestReport:
        """Index the folders (default: the corpus folder); the embedder loads only if an article changed."""
        roots = [Path(p) for p in (paths or [self.settings.corpus_path])]
        return self.index.ingest(roots, lambda texts: self.embedder.embed(texts), prune, progress)

    def rebuild(self, progress: Progress | None = None) -> IngestReport:
        """Re-embed every indexed article with the embedding model these settings name (index.py)."""
        return self.index.rebuild(lambda texts: self.embedder.embed(texts), progress)

    def forget(self, path: Path) -> int:
        """Remove the articles of a folder or file from the index; returns how many."""
        return self.index.forget(Path(path))

    @property
    def reranker(self):
        """The cross-encoder named by settings.rerank_model, or None (the default: none ships on PyPI)."""
        with self._reranker_lock:
            path = self.settings.rerank_model
            if path and getattr(self._reranker, "path", None) != path:
                self._reranker = CrossEncoderReranker(path)
        return self._reranker if path else None

    def retrieve(self, question: str, filters: Filters = Filters(), top_k: int | None = None, vector=None) -> list[Hit]:
        """The passages for a question; filters that are not real dates, or that no article passes, are an
        InputError (so that a typo in a filter is never answered "not in the articles")."""
        s = self.settings
        hits = retrieve(
            question, self.embedder, self.index.store, self.index.lexical, top_k=top_k or s.top_k,
            per_article=s.per_article, dense_weight=s.dense_weight, lexical_weight=s.lexical_weight,
            filters=check_filters(filters), candidates=s.candidates, reranker=self.reranker, vector=vector,
        )  # fmt: skip
        if not hits and filters and not any(filters.admits(**a) for a in self.index.store.articles().values()):
            raise InputError(f"no passage matches these filters ({filters}); widen or clear them")
        return hits

    def evidence(self, question: str, hits: list[Hit]) -> list[Evidence]:
        """The sentences of the hits' articles that bear on the question, numbered for the model."""
        index = self.index
        return select_evidence(
            question,
            hits,
            index.store.chunks,
            index.lexical.inverse_document_frequencies,
            self.settings.evidence_budget,
        )

    def ask(self, question: str, filters: Filters = Filters(), history: list[dict] | None = None) -> Answer:
        answer = None
        for answer in self.ask_stream(question, filters, history):
            pass
        return answer

    def standalone_question(self, question: str, history: list[dict]) -> str:
        """A follow-up rewritten by the model into a question that stands alone.

        It reads the last 4 turns that say something (not-found replies and errors are skipped), 300
        characters of each, however long the conversation. A rewrite that still says "they" or "he" but
        names no one the follow-up or the last question named is not trusted: the follow-up is then asked
        with the last question beside it, so the names reach retrieval either way.
        """
        not_found = prompts.not_found_sentence(self.settings.prompts_dir)
        turns = [t for t in history if t.get("content") and not _says_nothing(t["content"], not_found)][-4:]
        if not turns:
            return question
        lines = [f"{t['role'].capitalize()}: {' '.join(t['content'].split())[:300]}" for t in turns]
        messages = [{"role": "user", "content": prompts.render(
            self.settings.prompts_dir, "rewrite", history="\n".join(lines), question=question)}]  # fmt: skip
        text = "".join(self.generator.stream(messages, max_tokens=60, temperature=0.0)).strip()
        text = text.splitlines()[0].strip().strip('"') if text else ""
        last_asked = next((t["content"] for t in reversed(turns) if t["role"] == "user"), "")
        named = facts(f"{question} {last_asked}").names
        if not 8 <= len(text) <= 400 or (PRONOUN.search(text) and named and not facts(text).names & named):
            return f"{question} (after: {' '.join(last_asked.split())[:300]})" if last_asked else question
        return text

    def ask_stream(
        self, question: str, filters: Filters = Filters(), history: list[dict] | None = None
    ) -> Iterator[list[Evidence] | str | Answer]:
        """Yield the evidence list (before the model starts), then the answer's text pieces, then the Answer."""
        s = self.settings
        question = check_question(question)
        if self.index.store.count() == 0:
            raise StoreError("the index is empty; add articles with: assistant ingest [FOLDER]")
        answer = Answer(question=question, standalone_question=question)
        self.embedder  # load models before the clock starts: timings measure answering, not loading
        started = time.perf_counter()
        if history:
            answer.standalone_question = self.standalone_question(question, history)
            answer.timings["rewrite_s"] = time.perf_counter() - started
        asked = answer.standalone_question = question_core(answer.standalone_question)
        vector = self.embedder.embed([asked])[0]
        answer.hits = self.retrieve(asked, filters, vector=vector)
        answer.evidence = self.evidence(asked, answer.hits) if answer.hits else []
        answer.timings["evidence_s"] = time.perf_counter() - started - answer.timings.get("rewrite_s", 0.0)
        yield answer.evidence
        not_found = prompts.not_found_sentence(s.prompts_dir)
        if not answer.evidence or max(h.similarity for h in answer.hits) < s.min_score:
            answer.text, answer.abstained = not_found, True
            answer.timings["total_s"] = time.perf_counter() - started
            yield answer
            return

        generator = self.generator
        messages = prompts.answer_messages(s.prompts_dir, asked, answer.evidence)
        grammar = answer_grammar(len(answer.evidence), not_found)
        pieces: list[str] = []
        for piece in generator.stream(messages, s.max_tokens, s.temperature, grammar=grammar):
            if not pieces:
                answer.timings["first_token_s"] = time.perf_counter() - started
            pieces.append(piece)
            yield piece
        generated = time.perf_counter()
        answer.timings["generation_s"] = generated - started
        self._settle(answer, "".join(pieces).strip(), not_found)
        answer.timings["check_s"] = time.perf_counter() - generated
        answer.timings["total_s"] = time.perf_counter() - started
        yield answer

    def _settle(self, answer: Answer, reply: str, not_found: str) -> None:
        """The reader's answer from the model's reply: checked, and kept if any of it holds up against the
        evidence. Otherwise it is withheld, and the best evidence sentence that answers the question is
        quoted instead when the model's own answer points there (it only repeated the question, or what it
        names is in that sentence); else the not-found sentence. A model that found nothing is not
        second-guessed: on the dev sets, quoting over its not-found replies was wrong more often than right."""
        if not reply or is_abstention(reply, not_found):
            answer.draft = reply
            return self._not_found(answer, not_found)
        answer.text, answer.citations, answer.invalid_markers = resolve_citations(reply, answer.evidence)
        check_answer(answer, answer.evidence, self.embedder, self.settings.support_threshold)
        if any(sentence.attached for sentence in answer.sentences):
            return None
        answer.draft = reply  # withheld: what the model wrote, for the record
        named = named_facts(answer.draft, answer.standalone_question)
        quotable = [e for e in answer.evidence if e.quotable and named <= vocabulary(undated(e.text))]
        if quotable:
            return quote_answer(answer, max(quotable, key=lambda e: e.score))
        return self._not_found(answer, not_found)

    @staticmethod
    def _not_found(answer: Answer, not_found: str) -> None:
        answer.text, answer.abstained, answer.citations, answer.sentences, answer.warnings = not_found, True, [], [], []

    def status(self) -> dict:
        s = self.settings
        index = self.index.status()
        folders, problems = index.pop("folders"), index.pop("problems")
        return index | {
            "chat_model": f"{s.llm_model or 'server default'} at {s.llm_url}" if s.llm_url else self.chat_spec().name,
            "chat_model_installed": True if s.llm_url else models.is_installed(self.chat_spec()),
            "folders": folders,
            "problems": problems,
        }
