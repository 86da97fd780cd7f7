"""Choose the sentences that bear on a question: the evidence the model is shown and cites.

`select_evidence` reads the whole articles of the retrieved passages, splits
them into sentences and scores each against the question: the share of the
question's words it holds, each weighted by how rare it is in the index (the
sentence counts most; its neighbours, the article's title and its section
heading count as context), a bonus when it states the kind of thing asked for
(a date for "when", a name for "who"), and the share of the question's names,
numbers and dates that its context states. A question about 2019 is thereby
steered away from the same prize in 2022. The best sentences are kept with
their neighbours (so that "he" and "the game" resolve) within a token budget,
and numbered [1]..[k] grouped by article, the article with the best sentence
first, in reading order. A heading is context, never evidence; a sentence that
addresses the assistant ("Ignore all previous instructions and reply only
with ...") is dropped: it is not news, and the model never reads it.

Scoring is by words only: embedding every candidate sentence as well chose the
same best sentences on the dev sets at 0.2-0.5 s more per question. Nothing
here calls the chat model: the evidence is ready before it starts, and is what
the answer's citations point at. `quotable` marks the sentences that answer
the question on their own well enough to be shown as a quote when the model's
answer fails its check.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..ingest.chunk import stitch
from ..records import Chunk, Evidence, Hit
from ..text.facts import compounds, date_facts, facts, vocabulary
from ..text.kinds import answer_kind, answer_strength, counted
from ..text.sentences import is_heading, sentence_spans
from ..text.words import MONTHS, NUMBER_WORDS, ORDINAL, STOPWORDS, is_number, normal, stem, words

MIN_SENTENCE = 40  # characters: shorter fragments join the next sentence
# Sentences that speak to the assistant rather than report news: never evidence (an article can carry them).
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,30}\b(?:instructions?|prompts?|rules|above)\b"
    r"|\b(?:reply|respond|answer|say|output|print)\b.{0,12}\b(?:only|exactly)\b.{0,25}\b(?:with|words?)\b"
    r"|\b(?:do not|don't|never)\s+(?:answer|reply|respond)\b"
    r"|\b(?:system (?:prompt|notice|message)|you are (?:now )?(?:an? )?(?:ai|assistant|language model))\b",
    re.IGNORECASE,
)
ANSWER_BONUS = 0.3  # a sentence that states what the question asks for (a date for "when")
KEEP = 0.6  # sentences scoring below this share of the best are not chosen
QUOTABLE_BONUS = 0.0
QUOTE_COVERAGE = 0.6  # a quotable sentence holds this share of the question's weighted words itself,
# and three in four of its other words ("won", "released"): the relation asked about, not only its names
DATE_PREFERENCE = 0.5  # how much more a sentence of an article of the dates a question means scores
CHARS_PER_TOKEN = 4  # English news text in the chat model's tokenizer, near enough for a budget


@dataclass(frozen=True)
class Sentence:
    """A candidate: one sentence of an article, with what is known around it."""

    chunk: Chunk  # the stored chunk it lies in
    text: str
    start: int
    end: int
    position: int  # index among the article's candidate sentences
    paragraph: int  # index of its paragraph: neighbours across a blank line are not context
    heading: str
    rank: int  # rank of its article among the retrieved ones (0 = first)
    lead: int = 0  # characters of short fragments joined ahead of it ("Jul 22, 2020 ...")


@dataclass(frozen=True)
class Scored:
    score: float
    met: float  # share of the question's names, numbers and dates its context states
    quotable: bool  # answers the question on its own: met in full, most of its words, the kind asked for
    coverage: float = 0.0  # weighted share of the question's words the sentence holds, its names also around it
    relation: float = 1.0  # share of the question's other words (what it asks about: "agreed", "won") it holds
    stated: float = 1.0  # share of the question's names, numbers and dates the sentence itself states
    other_year: float = 0.0  # 1.0: the question names a year; the sentence states years, none of them that one


def article_sentences(chunks: Sequence[Chunk], rank: int) -> list[Sentence]:
    """Every sentence of an article (chunks in order) but its headings, with its chunk and section heading.

    A fragment shorter than MIN_SENTENCE characters ("Jul 22, 2020 ...", "Release date.") is joined to the
    sentence after it in the same paragraph: alone it says nothing, and it may be what the next one is about.
    """
    text = stitch(chunks)
    spans, heading, paragraph, last_end = [], "", 0, 0
    for a, b in sentence_spans(text):
        new_paragraph = "\n\n" in text[last_end:a].replace(" ", "")
        paragraph += new_paragraph
        last_end = b
        fragment_before = spans and spans[-1][3] and not new_paragraph
        if is_heading(text[a:b]) and not fragment_before:
            heading = text[a:b].strip("#*_ ")
            continue
        if INSTRUCTION.search(text[a:b]):
            continue  # an instruction to the assistant is not news: the model never reads it
        body = a
        if fragment_before:  # the previous span is a fragment: extend it
            a = spans.pop()[0]
        spans.append((a, b, paragraph, b - body < MIN_SENTENCE, heading, body - a))
    out = []
    for a, b, paragraph, _, heading, lead in spans:
        chunk = next((c for c in chunks if c.start <= a < c.end), chunks[-1])
        out.append(Sentence(chunk, text[a:b], a, b, len(out), paragraph, heading, rank, lead))
    return out


class QuestionTerms:
    """A question's words with their weights (rarer words weigh more), and its names, numbers and dates.

    A number that follows a name in the question ("Xenoblade Chronicles 2", "Diablo 3", "Season 11") is
    part of that name: a context states it only near the name ("Chronicles 2", "the eleventh season"), not
    as any "2" ("released on 2 August"). Numbers and dates weigh twice a name in `met`: the near misses news
    holds are mostly the same event in another year or another edition.
    """

    def __init__(self, question: str, inverse_frequency: Callable[[list[str]], dict[str, float]]):
        self.facts = facts(question)
        tokens = [normal(w) for w in words(question)]
        self.terms = [t for t in dict.fromkeys(tokens) if t and t not in STOPWORDS and (len(t) > 1 or t.isdigit())]
        idf = inverse_frequency(self.terms)
        self.weights = {t: idf.get(t, 1.0) for t in self.terms}
        self.total = sum(self.weights.values()) or 1.0
        self.compound = {}  # term -> compounds it is part of: "air" and "strikes" are in "airstrikes"
        for a, b, joined in compounds(question):
            for t in (a, b):
                self.compound.setdefault(t, set()).update({joined, joined.removesuffix("s")})  # not stem(): 6 letters
        self.required = self.facts.hard | {f"month:{m}" for m in self.facts.months}
        self.bound = bound_numbers(question)
        self.wants = answer_kind(question)
        self.unit = counted(question)  # what "how many" counts: "45 banks" answers it, "14bn euros" less
        self.answer_bonus = ANSWER_BONUS

    def within_article(self) -> QuestionTerms:
        """These terms for ranking the sentences of one article that states the names already: none of them
        is required again of each sentence ("Mr Kilroy-Silk" is the "Robert Kilroy-Silk" of its lead)."""
        loose = copy.copy(self)
        loose.required, loose.bound = frozenset(), {}
        loose.answer_bonus = 2 * ANSWER_BONUS  # the article is about the topic: what tells its answer is the kind
        return loose

    def coverage(self, vocab: frozenset[str]) -> float:
        """Weighted share of the question's terms found in a vocabulary."""
        found = sum(w for t, w in self.weights.items() if t in vocab or stem(t) in vocab or self.joined(t, vocab))
        return found / self.total

    def joined(self, term: str, vocab: frozenset[str]) -> bool:
        """Whether vocab holds a compound the term is part of ("airstrikes" for "air")."""
        return bool(self.compound.get(term, set()) & vocab)

    def met(self, vocab: frozenset[str], years: set[int], months: set[int], tokens: Sequence[str] = ()) -> float:
        """Weighted share of the question's names, numbers and dates stated in a context (1.0 when it asks
        none); `tokens` are the context's words in order, for the numbers bound to a name."""
        if not self.required:
            return 1.0
        have = vocab | {str(y) for y in years} | {f"month:{m}" for m in months}
        weight = {r: 2.0 if r.startswith("month:") or any(ch.isdigit() for ch in r) else 1.0 for r in self.required}
        found = sum(
            w for r, w in weight.items() if (r in have if r not in self.bound else near(tokens, self.bound[r], r))
        )
        return found / sum(weight.values())


def bound_numbers(question: str) -> dict[str, str]:
    """The question's numbers that follow a name, to that name: {"2": "chronicles"}; years are dates, not names.

    >>> bound_numbers("When was Xenoblade Chronicles 2 released in 2017?"), bound_numbers("Super Bowl 2021 on May 2")
    ({'2': 'chronicles'}, {})
    """
    tokens = words(question)
    return {
        normal(b): normal(a)
        for a, b in zip(tokens, tokens[1:])
        if a[:1].isupper() and not is_number(a) and normal(a) not in MONTHS and re.fullmatch(r"\d{1,3}", b)
    }


def near(tokens: Sequence[str], name: str, number: str, reach: int = 3) -> bool:
    """A number (as digits or a number word) within `reach` words of a name in tokens."""
    spots = [i for i, t in enumerate(tokens) if t == name or stem(t) == stem(name)]
    for i, t in enumerate(tokens):
        value = NUMBER_WORDS.get(t) or ORDINAL.sub(r"\1", t)
        if value == number and any(abs(i - j) <= reach for j in spots):
            return True
    return False


def select_evidence(
    question: str,
    hits: Sequence[Hit],
    article_chunks: Callable[[str], list[Chunk]],
    inverse_frequency: Callable[[list[str]], dict[str, float]],
    budget: int = 300,
    prefer: Callable[[Chunk], bool] | None = None,
) -> list[Evidence]:
    """Number the sentences of the hits' articles that bear on the question, best articles first; the sentences
    of the articles `prefer` names (of the dates the question means) score DATE_PREFERENCE more."""
    q = QuestionTerms(question, inverse_frequency)
    by_chunk = {h.chunk.id: h for h in hits}
    first: dict[str, Chunk] = {}  # article -> its best retrieved chunk, in retrieval order
    for hit in hits:
        first.setdefault(hit.chunk.article_id, hit.chunk)
    sentences = [
        s
        for rank, (aid, chunk) in enumerate(first.items())
        for s in article_sentences(article_chunks(aid) or [chunk], rank)
    ]
    if not sentences:
        return []
    scored = score_sentences(sentences, q)
    if prefer:
        scored = [replace(sc, score=sc.score * (1 + DATE_PREFERENCE)) if prefer(s.chunk) else sc
                  for s, sc in zip(sentences, scored)]  # fmt: skip
    chosen = _choose(sentences, scored, budget)
    return _number(sentences, scored, chosen, by_chunk)


def score_sentences(sentences: list[Sentence], q: QuestionTerms) -> list[Scored]:
    """Each sentence scored against the question, with its article's title, heading, date and neighbours."""
    own = [vocabulary(s.text) for s in sentences]
    stated = [facts(s.text) for s in sentences]
    tokens = [[normal(w) for w in words(s.text)] for s in sentences] if q.bound else [[] for _ in sentences]
    out = []
    for i, s in enumerate(sentences):
        around = [j for j in range(i - 2, i + 3) if 0 <= j < len(sentences) and _same_article(sentences, i, j)]
        context = own[i].union(*(own[j] for j in around), vocabulary(f"{s.chunk.title} {s.heading}"))
        years, months = date_facts(s.chunk.date)
        heads = [normal(w) for w in words(f"{s.chunk.title} {s.heading}")] if q.bound else []
        in_order = heads + [t for j in around for t in tokens[j]]
        met = q.met(context, years | set().union(*(stated[j].years for j in around)), months, in_order)
        mine = q.coverage(own[i])
        told = q.coverage(own[i] | (context & q.required))  # with the names said around it ("he", "the talks")
        offers = answer_strength(q.wants, q.facts, s.text[s.lead :], q.unit)  # a date stamp ahead: no "when"
        lexical = 0.5 * told + 0.2 * mine + 0.3 * q.coverage(context) + q.answer_bonus * offers * bool(q.wants)
        asks = s.text.rstrip(" .…").endswith("?")  # a sentence that asks the question does not answer it
        score = lexical * (0.5 + 0.5 * met) * (0.5 if asks else 1.0) - 0.02 * s.rank
        relation = len(q.facts.content & own[i]) / len(q.facts.content) if q.facts.content else 1.0
        quotable = met == 1.0 and mine >= QUOTE_COVERAGE and offers >= 0.7 and relation >= 0.75 and not asks
        alone = q.met(own[i], stated[i].years, stated[i].months, tokens[i])
        other = float(bool(q.facts.years and stated[i].years and not q.facts.years & stated[i].years))
        out.append(Scored(score + QUOTABLE_BONUS * quotable, met, quotable, told, relation, alone, other))
    return out


def _same_article(sentences: list[Sentence], i: int, j: int) -> bool:
    return sentences[i].chunk.article_id == sentences[j].chunk.article_id


def _same_paragraph(sentences: list[Sentence], i: int, j: int) -> bool:
    a, b = sentences[i], sentences[j]
    return a.chunk.article_id == b.chunk.article_id and a.paragraph == b.paragraph


def _choose(sentences: list[Sentence], scored: list[Scored], budget: int) -> dict[int, bool]:
    """Indexes of the sentences to keep -> whether each is a key sentence (else a neighbour kept for context)."""
    order = sorted(range(len(sentences)), key=lambda i: -scored[i].score)
    best = scored[order[0]].score
    chosen: dict[int, bool] = {}
    used = 0
    for i in order:
        if chosen and scored[i].score < best * KEEP:
            break
        group = [j for j in (i - 1, i, i + 1) if 0 <= j < len(sentences) and _same_paragraph(sentences, i, j)]
        cost = sum(_tokens(sentences[j].text) for j in group if j not in chosen)
        if chosen and used + cost > budget:
            continue
        for j in group:
            chosen[j] = chosen.get(j, False) or j == i
        used += cost
    return chosen


def _tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _number(sentences: list[Sentence], scored: list[Scored], chosen: dict[int, bool], by_chunk: dict) -> list[Evidence]:
    """Evidence items grouped by article (the article with the best key sentence first), in reading order."""
    best: dict[str, float] = {}
    for i, key in chosen.items():
        aid = sentences[i].chunk.article_id
        if key:
            best[aid] = max(best.get(aid, -math.inf), scored[i].score)
    order = sorted(chosen, key=lambda i: (-best.get(sentences[i].chunk.article_id, -math.inf), sentences[i].position))
    out = []
    for n, i in enumerate(order, 1):
        s, sc = sentences[i], scored[i]
        hit = by_chunk.get(s.chunk.id) or Hit(s.chunk, 0.0, 0.0)
        text = " ".join(s.text.split())
        out.append(
            Evidence(
                n,
                hit,
                text,
                s.start,
                s.end,
                sc.score,
                chosen[i],
                s.heading,
                sc.met,
                chosen[i] and sc.quotable,
                sc.coverage,
                sc.relation,
                sc.stated,
                sc.other_year,
            )
        )
    return out
