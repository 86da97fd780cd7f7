"""How the story unfolded: one quoted line per article, in date order, for comparisons and for the timeline.

A question that asks how reports differ or how something changed ("each
outlet", "differ", "how did ... change", "between August and September") is
not answered from one passage: `asks_across` recognises it by its words, and
`article_lines` gives, for each article that bears on it, the one or two
sentences of that article that bear on it most (scored as evidence.py scores
them, within the article alone), quoted and cited, the articles in date order.
`disagreement` adds at most one sentence that compares: when one article
states a verb that another states negated ("have agreed to join efforts" /
"have not been able to agree"), it says the sources differ, quoting both.
The timeline (`assistant timeline TOPIC`) is the same lines for a topic.

All of it is extractive: the lines are the articles' own sentences, cited to
themselves, so they need no chat model and no check beyond being quotes.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..check.relations import CUE_REACH
from ..records import Chunk, Citation, Evidence, Hit, Outcome
from ..text.dates import OPEN, RANGE
from ..text.facts import date_facts, vocabulary
from ..text.words import STOPWORDS, WORD, listed, stem, words
from .evidence import QuestionTerms, article_sentences, score_sentences

COMPARE = re.compile(
    r"\b(?:differ|differs|differed|different|difference|differences|compare|compared|comparison|contrast|"
    r"disagree|disagreed|contradict\w*|over time|timeline|unfold\w*|"
    r"(?:each|every|the various|the different|different|both) (?:outlets?|sources?|articles?|reports?|papers?|"
    r"newspapers?|publications?|stor(?:y|ies))|according to each|"
    r"the (?:outlets|sources|articles|reports|papers|newspapers|publications|stories))\b"
    r"|\bhow (?:did|has|have|do|does|had)\b.{0,120}\b(?:change|changed|evolve|evolved|shift|shifted|develop|"
    r"developed)\b(?=\s*(?:[?.!]|$|between|over|since|from|after|during|in|across|through|by))",  # a verb, not "climate change talks"
    re.I,
)
# The words that ask for the comparison, not what it is about: left out of the topic.
ASKING = re.compile(
    r"\b(?:over time|timeline|unfold\w*|"
    r"differ\w*|compare\w*|comparison|contrast|disagree\w*|contradict\w*|change[sd]?|evolve[sd]?|shift(?:ed)?|"
    r"develop(?:ed)?|each|every|various|both|outlets?|sources?|articles?|reports?|reported|papers?|newspapers?|"
    r"publications?|stor(?:y|ies)|say|said|according to)\b",
    re.I,
)
BEARS = 0.45  # an article bears on the topic when its best sentence scores this share of the best article's
MET = 0.5  # ... and it states at least this share of the topic's names ("Islamic State" is "ISIL" elsewhere)
SECOND = 0.7  # an article's second sentence is quoted when it scores this share of its first
SAME_THING = 3  # two sentences that differ on a verb share this many other words: they are about one thing
HEADLINE = 0.2  # weight of the headline's words in choosing among sentences that bear on the topic equally


@dataclass(frozen=True)
class ArticleLine:
    """One article's part of the story: its details and the sentences of it that bear on the topic."""

    chunk: Chunk  # any chunk of the article: title, outlet, date, source
    evidence: list[Evidence]  # its one or two sentences, numbered as the answer cites them
    score: float

    @property
    def label(self) -> str:
        """'The Moscow Times, 5 August 2015' (the title when the article names no outlet)."""
        who = self.chunk.outlet or f"“{self.chunk.title}”"
        return f"{who}, {spoken_date(self.chunk.date)}" if self.chunk.date else f"{who} (undated)"

    def to_json(self) -> dict:
        c = self.chunk
        return {
            "source": c.source, "article_id": c.article_id, "title": c.title, "outlet": c.outlet, "date": c.date,
            "quotes": [{"n": e.n, "sentence": e.text, "start": e.start, "end": e.end} for e in self.evidence],
        }  # fmt: skip


def asks_across(question: str) -> bool:
    """Whether a question asks for a comparison or a change over time, across articles.

    >>> asks_across("What did each outlet report Lavrov proposed?"), asks_across("What did Lavrov propose?")
    (True, False)
    >>> asks_across("How did the US position change between August and September?")
    True
    """
    return bool(COMPARE.search(question) or RANGE.search(question))


def topic_of(question: str) -> str:
    """The question without the words that ask for a comparison or name its dates: what the lines are about.

    >>> topic_of("How did the US and Russian positions change between August and September?")
    'How did the US and Russian positions'
    """
    text = RANGE.sub(" ", OPEN.sub(" ", question))
    return " ".join(ASKING.sub(" ", text).replace("?", " ").split()) or question


def spoken_date(iso: str) -> str:
    """'2015-08-05' -> '5 August 2015'."""
    try:
        day = datetime.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%B %Y}"


def article_lines(
    topic: str,
    hits: Sequence[Hit],
    article_chunks: Callable[[str], list[Chunk]],
    inverse_frequency: Callable[[list[str]], dict[str, float]],
    limit: int = 8,
) -> list[ArticleLine]:
    """The articles of the hits that bear on the topic (at most `limit`, the best), each with its best one or
    two sentences, in date order (undated articles last), their sentences numbered [1]..[k] in that order.

    An article bears when it states enough of the topic's names and its best sentence scores, by words, near
    the best article's. Its sentences are ranked by words: evidence.py's score, with the topic's names asked of
    the article rather than of each sentence ("Mr Kilroy-Silk" after "Robert Kilroy-Silk")."""
    q = QuestionTerms(topic, inverse_frequency)
    within = q.within_article()
    first: dict[str, Hit] = {}
    for hit in hits:
        first.setdefault(hit.chunk.article_id, hit)
    found = []  # (its best sentence's score, hit, sentences, scored, ranks, its two best sentences)
    for aid, hit in first.items():
        sentences = article_sentences(article_chunks(aid) or [hit.chunk], 0)
        if not sentences:
            continue
        stated = q.met(frozenset().union(*(vocabulary(s.text) for s in sentences), vocabulary(hit.chunk.title)),
                       *date_facts(hit.chunk.date))  # fmt: skip
        scored = score_sentences(sentences, within)
        title = content_words(hit.chunk.title)
        heads = {stem(t) for t in title}
        rank = [
            0.0 if content_words(s.text) == title else _telling(s, sc.score, heads) for s, sc in zip(sentences, scored)
        ]
        order = sorted(range(len(sentences)), key=lambda i: -rank[i])[:2]
        best = scored[order[0]].score
        if stated >= MET and best > 0:  # else: not about the topic's names
            found.append((best, hit, sentences, scored, rank, order))
    if not found:
        return []
    top = max(f[0] for f in found)
    found = sorted((f for f in found if f[0] >= BEARS * top), key=lambda f: -f[0])[:limit]
    lines = []
    for best, hit, sentences, scored, rank, order in found:
        picked = [order[0]] + [i for i in order[1:2] if rank[i] >= SECOND * rank[order[0]]]
        items = [
            Evidence(0, hit, " ".join(sentences[i].text.split()), sentences[i].start, sentences[i].end,
                     scored[i].score, True, sentences[i].heading, scored[i].met, True)
            for i in sorted(picked)
        ]  # fmt: skip
        lines.append(ArticleLine(hit.chunk, items, best))
    lines.sort(key=lambda x: (not x.chunk.date, x.chunk.date or "", -x.score))
    n = itertools.count(1)
    return [replace(line, evidence=[replace(e, n=next(n)) for e in line.evidence]) for line in lines]


def _telling(sentence, score: float, heads: set[str]) -> float:
    """A sentence's score for quoting it as its article's line: ties (every sentence naming "Lavrov") go to the
    one that restates the headline (`heads`, the stems of its words), the article's own summary. (The headline
    repeated in the text is not quoted at all: it is shown above the line already.)"""
    mine = {stem(t) for t in content_words(sentence.text)}
    told = score + HEADLINE * (len(heads & mine) / len(heads) if heads else 0.0)
    return told


def disagreement(lines: list[ArticleLine]) -> str:
    """One sentence saying where two articles differ, quoting both: a verb one states and the other states
    negated, in sentences about the same thing (SAME_THING words in common besides the verb); '' when no pair
    of lines does.

    Of several such pairs, the two sentences with the most words in common are named; the words around the
    verb are quoted as the articles have them."""
    said = [
        (line, e, list(WORD.finditer(e.text)), {stem(w) for w in content_words(e.text)})
        for line in lines
        for e in line.evidence
    ]
    pairs = []
    for a, ea, wa, sa in said:
        for b, eb, wb, sb in said:
            if a.chunk.article_id == b.chunk.article_id:
                continue
            for i, word in enumerate(wa):
                if word[0].lower() in STOPWORDS or len(word[0]) < 4 or not _negated(wa, i):
                    continue
                j = next((j for j, w in enumerate(wb) if stem(w[0]) == stem(word[0]) and not _negated(wb, j)), None)
                if j is not None:
                    if len((sa & sb) - {stem(word[0])}) >= SAME_THING:
                        pairs.append((len(sa & sb), (a, ea, wa, i), (b, eb, wb, j)))
                    break
    if not pairs:
        return ""
    _, *pair = max(pairs, key=lambda p: p[0])  # the two sentences most about the same thing
    sides = [f"{line.label}: “{_around(e.text, w, i)}” [{e.n}]" for line, e, w, i in sorted(pair, key=lambda p: p[1].n)]
    return "The sources differ: " + "; ".join(sides) + "."


def content_words(text: str) -> list[str]:
    return [w.lower() for w in words(text) if w.lower() not in STOPWORDS and len(w) > 2]


NOT = listed("across", "negations")
BETWEEN = listed("across", "between")


def _negated(tokens: list[re.Match], i: int) -> bool:
    """A plain negation governs the i-th word: "not" and only auxiliaries between ("have not been able to
    agree", "don't agree"); not "failed a drugs test"."""
    for t in reversed([t[0].lower() for t in tokens[max(0, i - CUE_REACH) : i]]):
        if t in NOT or t.endswith(("n't", "n’t")):
            return True
        if t not in BETWEEN:
            return False
    return False


def _around(text: str, tokens: list[re.Match], i: int, reach: int = 6) -> str:
    """The words of text within reach of its i-th word, as the text has them ('…' where it is cut)."""
    a, b = tokens[max(0, i - reach)].start(), tokens[min(len(tokens) - 1, i + reach)].end()
    return ("…" if a > 0 else "") + text[a:b].strip(" ,;:") + ("…" if b < len(text.rstrip(" .")) else "")


def quoted(text: str) -> str:
    """A sentence in quotation marks, unless it opens with its own."""
    return text if text[:1] in "\"“‘'" else f"“{text}”"


def lines_answer(lines: list[ArticleLine]) -> Outcome:
    """The answer to a question across articles: one cited line per article, then where they differ."""
    text = [f"{line.label}: " + " ".join(f"{quoted(e.text)} [{e.n}]" for e in line.evidence) for line in lines]
    if differ := disagreement(lines):
        text.append(differ)
    cited = [e for line in lines for e in line.evidence]
    return Outcome("\n".join(text), [Citation(e.n, e.hit, True, 1.0, e.text, "quote", e) for e in cited], quoted=True)
