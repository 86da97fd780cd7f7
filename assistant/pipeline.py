"""The one place that wires the pipeline: read, chunk, embed, index, retrieve, prompt, generate, cite, check.

`Assistant(settings)` holds the Index (index.py: the stores, kept fresh) and
the Models (loaded.py: each model loaded the first time it is needed, under
its own lock). Tests pass a fake embedder and a scripted generator instead.
`ask_stream` yields the evidence first, then the answer's text pieces as the
model writes them, then the finished Answer record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from .answer import prompts
from .answer.across import ArticleLine, article_lines, asks_across, lines_answer, topic_of
from .answer.calibration import decide
from .answer.evidence import select_evidence
from .answer.question import check_question, question_core, standalone
from .answer.reading import read, to_read
from .answer.retrieve import CrossEncoderReranker, Filters, check_filters, retrieve
from .answer.settle import settle, settle_reading
from .check.cite import answer_grammar
from .config import Settings
from .errors import InputError, StoreError
from .ingest.index import Index
from .ingest.sync import IngestReport, Progress
from .models import catalogue
from .models.loaded import Models
from .records import Answer, Chunk, Evidence, Hit, Outcome
from .text.dates import DatesMeant, dates_meant, names_dates
from .text.words import yes_no


class Assistant:
    def __init__(self, settings: Settings | None = None, embedder=None, generator=None):
        self.settings = settings or Settings.load()
        self.models = Models(self.settings, embedder, generator)
        self._reranker = None
        self._reranker_lock = threading.Lock()
        self.index = Index(self.settings, self.models.embed_name())

    # --- models, loaded on first use (loaded.py) --------------------------
    @property
    def embedder(self):
        return self.models.embedder

    @property
    def generator(self):
        return self.models.generator

    @generator.setter
    def generator(self, generator) -> None:
        self.models.generator = generator

    @property
    def loaded_generator(self):
        return self.models.loaded_generator

    def chat_spec(self) -> catalogue.ModelSpec:
        return self.models.chat_spec()

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

    def retrieve(
        self, question: str, filters: Filters = Filters(), top_k: int | None = None, vector=None, per_article=None
    ) -> list[Hit]:
        """The passages for a question; filters that are not real dates, or that no article passes, are an
        InputError (so that a typo in a filter is never answered "not in the articles")."""
        s = self.settings
        hits = retrieve(
            question, self.embedder, self.index.store, self.index.lexical, top_k=top_k or s.top_k,
            per_article=per_article or s.per_article, dense_weight=s.dense_weight, lexical_weight=s.lexical_weight,
            filters=check_filters(filters), candidates=s.candidates, reranker=self.reranker, vector=vector,
        )  # fmt: skip
        if not hits and filters:
            stored = self.index.store.articles().values()
            if not any(filters.admits(a.outlet, a.root, a.source, a.date) for a in stored):
                raise InputError(f"no passage matches these filters ({filters}); widen or clear them")
        return hits

    def evidence(self, question: str, hits: list[Hit], prefer: Callable[[Chunk], bool] | None = None) -> list[Evidence]:
        """The sentences of the hits' articles that bear on the question, numbered for the model; sentences of
        the articles `prefer` names (of the dates the question means) weigh more."""
        index = self.index
        return select_evidence(
            question, hits, index.store.chunks, index.lexical.inverse_document_frequencies,
            self.settings.evidence_budget, prefer,
        )  # fmt: skip

    def dates_meant(self, question: str, filters: Filters) -> tuple[DatesMeant, str]:
        """The dates the question means (text/dates.py), or a warning; dates the reader set in the filters win. A
        month no article is dated in is not used: the warning says so."""
        if filters.date_from or filters.date_to or not names_dates(question):
            return DatesMeant(), ""  # (the articles' dates are read only for a question that names some)
        dates = self.index.lexical.dates()
        meant = dates_meant(question, dates)
        low, high = meant.date_from or "0000", meant.date_to or "9999"
        if (meant.date_from or meant.date_to) and not any(low <= d <= high for d in dates):
            warning = f"No article is dated {meant.describe()}; articles of every date were searched."
            return DatesMeant(said=meant.said), warning  # its words are not used either
        return meant, ""

    def dated_story(self, topic: str, filters: Filters, meant: DatesMeant, min_score: float | None = None):
        """The story's lines of the dates meant; of every date when no article of those dates bears on it (the
        dates a question names narrow what it lists, but never hide the articles that answer it)."""
        if meant.date_from or meant.date_to:
            lines = self.story(topic, replace(filters, date_from=meant.date_from, date_to=meant.date_to), min_score)
            if lines:
                return lines
        return self.story(topic, filters, min_score)

    def story(self, topic: str, filters: Filters = Filters(), min_score: float | None = None) -> list[ArticleLine]:
        """The articles that bear on a topic, in date order, each with its one or two sentences about it (the
        timeline; across.py). With `min_score`, none unless a passage is that similar to the topic: a whole
        question is (a topic of one name, "Lavrov", is not like any passage, and is found by its words)."""
        topic = topic_of(check_question(topic))
        hits = self.retrieve(topic, filters, top_k=3 * self.settings.story_articles, per_article=1)
        if min_score is not None and max((h.similarity for h in hits), default=-1.0) < min_score:
            return []
        chunks, idf = self.index.store.chunks, self.index.lexical.inverse_document_frequencies
        return article_lines(topic, hits, chunks, idf, self.settings.story_articles)

    def timeline(self, topic: str, filters: Filters = Filters()) -> tuple[list[ArticleLine], str]:
        """`assistant timeline TOPIC`: the story's lines, and the dates the topic means ('' when none)."""
        self._require_articles()
        meant, warning = self.dates_meant(check_question(topic), filters)
        return self.dated_story(meant.strip(topic), filters, meant), meant.describe() if meant else warning

    def ask(self, question: str, filters: Filters = Filters(), history: list[dict] | None = None) -> Answer:
        answer = None
        for answer in self.ask_stream(question, filters, history):
            pass
        return answer

    def standalone_question(self, question: str, history: list[dict]) -> str:
        """A follow-up rewritten by the chat model into a question that stands alone (question.py)."""
        return standalone(question, history, self.settings.prompts_dir, self.generator)

    def ask_stream(
        self, question: str, filters: Filters = Filters(), history: list[dict] | None = None
    ) -> Iterator[list[Evidence] | str | Answer]:
        """Yield the evidence list (before the model starts), then the answer's text pieces, then the Answer."""
        s = self.settings
        question = check_question(question)
        self._require_articles()
        self.embedder  # load models before the clock starts: timings measure answering, not loading
        started, timings = time.perf_counter(), {}
        standalone = question
        if history:
            standalone = self.standalone_question(question, history)
            timings["rewrite_s"] = time.perf_counter() - started
        asked = searched = question_core(standalone)
        meant, warning = self.dates_meant(asked, filters)
        asked = meant.strip(asked)  # a preference (or unused): as words, evidence and check would want them
        # what was asked and found, for the Answer (built once, at the end)
        found = {"question": question, "standalone_question": asked, "timings": timings,
                 "dates": meant.describe() if meant else warning}  # fmt: skip
        if asks_across(searched):
            yield from self._across(found, filters, meant, started)
            return
        vector = self.embedder.embed([searched])[0]  # searched whole: "in May 2015" is part of what it is like
        hits, prefer = self.retrieve(searched, filters, vector=vector), None
        if meant and hits:
            prefer, extra, newest = self._preferred(asked, searched, filters, meant, vector)
            known = {h.chunk.id for h in hits}
            hits = hits + [h for h in extra if h.chunk.id not in known]
            if newest:
                found["dates"] = f"the newest article that bears on the question: {newest}"
        evidence = self.evidence(asked, hits, prefer) if hits else []
        found |= {"hits": hits, "evidence": evidence}
        timings["evidence_s"] = time.perf_counter() - started - timings.get("rewrite_s", 0.0)
        yield evidence
        not_found = prompts.not_found_sentence(s.prompts_dir)
        if not evidence or max(h.similarity for h in hits) < s.min_score:
            timings["total_s"] = time.perf_counter() - started
            yield Answer.of(Outcome(not_found, abstained=True), **found)
            return
        if not yes_no(asked):
            yield from self._extract(found, asked, not_found, started)
            return

        pieces: list[str] = []  # a yes/no question is answered in the model's words, and checked
        for piece in self._write(asked, evidence, not_found):
            if not pieces:
                timings["first_token_s"] = time.perf_counter() - started
            pieces.append(piece)
            yield piece
        generated = time.perf_counter()
        timings["generation_s"] = generated - started

        def ask_again(items: list[Evidence]) -> str:
            again = time.perf_counter()
            reply = "".join(self._write(asked, items, not_found)).strip()
            timings["second_look_s"] = time.perf_counter() - again
            return reply

        reply = "".join(pieces).strip()
        outcome = settle(reply, evidence, asked, not_found, self.embedder, s.support_threshold, ask_again)
        timings["check_s"] = time.perf_counter() - generated - timings.get("second_look_s", 0.0)
        timings["total_s"] = time.perf_counter() - started
        yield Answer.of(outcome, **found)

    def _extract(self, found: dict, asked: str, not_found: str, started: float) -> Iterator[str | Answer]:
        """The answer copied from the evidence: the model reads the best sentences (reading.py), the calibrated
        signals decide whether one answers (calibration.py), settle.py makes the answer of it."""
        evidence, hits, timings = found["evidence"], found["hits"], found["timings"]
        sentences = to_read(evidence, self.settings.reads)
        readings = read(self.generator, self.settings.prompts_dir, asked, sentences)
        readings, candidates = decide(
            readings, max(e.score for e in evidence), max(h.similarity for h in hits), len(sentences)
        )
        outcome = settle_reading(readings, candidates, not_found, asked, evidence)
        timings["first_token_s"] = timings["generation_s"] = time.perf_counter() - started
        yield outcome.text
        timings["total_s"] = time.perf_counter() - started
        yield Answer.of(outcome, **found)

    def _require_articles(self) -> None:
        if self.index.store.count() == 0:
            raise StoreError("the index is empty; add articles with: assistant ingest [FOLDER]")

    def _across(
        self, found: dict, filters: Filters, meant: DatesMeant, started: float
    ) -> Iterator[list[Evidence] | str | Answer]:
        """A question across articles: one quoted line per article that bears on it, in date order (across.py)."""
        lines = self.dated_story(found["standalone_question"], filters, meant, self.settings.min_score)
        evidence = [e for line in lines for e in line.evidence]
        found |= {"hits": [e.hit for line in lines for e in line.evidence[:1]]}
        found["timings"]["evidence_s"] = time.perf_counter() - started
        yield evidence
        if lines:
            outcome = lines_answer(lines)
            found |= {"evidence": evidence, "lines": lines}
            yield outcome.text
        else:
            outcome = Outcome(prompts.not_found_sentence(self.settings.prompts_dir), abstained=True)
        found["timings"]["total_s"] = time.perf_counter() - started
        yield Answer.of(outcome, **found)

    def _preferred(
        self, asked: str, searched: str, filters: Filters, meant: DatesMeant, vector
    ) -> tuple[Callable[[Chunk], bool], list[Hit], str]:
        """Which articles the dates a question means prefer: those of its months, or the newest article that bears
        on it ("the latest"), with their passages, which join the hits (a filter would hide every other date: the
        only article that answers may be one of them), and the newest article's label when that is the preference.
        Their sentences weigh more as evidence (evidence.py)."""
        if meant.latest:
            lines = [line for line in self.story(asked, filters) if line.chunk.date]
            if not lines:
                return (lambda chunk: False), [], ""
            newest = lines[-1]
            extra, preferred, label = [newest.evidence[0].hit], {newest.chunk.article_id}, newest.label
        else:
            dated = replace(filters, date_from=meant.date_from, date_to=meant.date_to)
            extra = self.retrieve(searched, dated, top_k=self.settings.per_article, vector=vector)
            preferred, label = {h.chunk.article_id for h in extra}, ""
        return (lambda chunk: chunk.article_id in preferred), extra, label

    def _write(self, question: str, evidence: list[Evidence], not_found: str) -> Iterator[str]:
        """The model's answer from these evidence sentences, piece by piece, under the answer grammar."""
        s = self.settings
        messages = prompts.answer_messages(s.prompts_dir, question, evidence)
        grammar = answer_grammar(len(evidence), not_found)
        yield from self.generator.stream(messages, s.max_tokens, s.temperature, grammar=grammar)

    def status(self) -> dict:
        s = self.settings
        index = self.index.status()
        folders, problems = index.pop("folders"), index.pop("problems")
        return index | {
            "chat_model": f"{s.llm_model or 'server default'} at {s.llm_url}" if s.llm_url else self.chat_spec().name,
            "chat_model_installed": True if s.llm_url else catalogue.is_installed(self.chat_spec()),
            "folders": folders,
            "problems": problems,
        }
