"""The rules of the citation check, one registry: each rule has its number in the README's "The citation
check", a name, the function that finds why a claim fails it, and what a claim that fails it still scores.

`judge` asks whether evidence item [n] supports a claim (a sentence of an answer): it gathers once what
[n]'s context states (the sentence, its neighbours from the same article in the evidence list, the
article's title and date: a `Case`), then applies rules 1-6 in order; the first that fails gives the
reason. Rule 7 (`answers`) is about the claim and the question alone, so verify.py applies it before any
item is judged. Nothing here splits answers into claims, attaches citations or marks the text: verify.py
does. The words the rules compare come from text/; the cues of rules 4-6 from relations.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..records import Evidence
from ..text.facts import KIND_WORDS, Facts, date_facts, facts, synonyms, vocabulary
from ..text.kinds import ANSWER_KINDS, answer_kind, answer_strength
from ..text.sentences import undated
from ..text.words import stem
from .relations import (
    NO_WINNER,
    days_apart,
    dropped_cue,
    estimate,
    loser,
    named_for_another_year,
    phrases_apart,
    reported,
    year_in_another_role,
)

# The words that ask for the kind of answer, never a relation its sentence must state: "the premiere date", and
# the adjective of every "how much/many/far/long..." the kinds are asked with (text/kinds.py).
KIND = {stem(w) for w in KIND_WORDS} | {stem(cue.split()[1]) for _, cues in ANSWER_KINDS for cue in cues
                                         if cue.startswith("how ")}  # fmt: skip
COVERAGE = 0.6  # share of the claim's other content words the cited sentence must hold (2 of 3, not 1 of 2)


@dataclass(frozen=True)
class Verdict:
    score: float
    reason: str = ""  # empty when the item supports the claim


@dataclass(frozen=True)
class Case:
    """A claim against evidence item n: what the claim and the question state, and what n's context does."""

    claim: str
    question: str
    evidence: list[Evidence]
    n: int
    said: str  # the item with its same-article neighbours, undated
    stamps: str  # their date stamps
    have: frozenset[str]  # every word and date the context states, with the title and the article's date
    years: set[int]  # the years the context is dated
    facts: Facts  # the claim's
    asked: Facts  # the question's
    new: set[str]  # the names, numbers and months the claim adds to the question
    content: list[str]  # the claim's content words (not "date", "name": the kind asked for is the answer)
    coverage: float  # the share of them the context states

    @classmethod
    def of(cls, claim: str, question: str, evidence: list[Evidence], n: int) -> Case:
        said, stamps, have, years = _stated(evidence, n)
        c, q = facts(claim), facts(question)
        new = (c.hard - q.names) | {f"month:{m}" for m in c.months}
        content = sorted(w for w in c.content if w not in KIND)
        stated = vocabulary(said)
        coverage = len([w for w in content if synonyms(w) & stated]) / len(content) if content else 1.0
        return cls(claim, question, evidence, n, said, stamps, have, years, c, q, new, content, coverage)


def states_what_it_adds(c: Case) -> str:
    """Rule 1: every name, number and date the claim adds is in the context, a day and month as one date."""
    missing = sorted(x for x in c.new if x not in c.have) or days_apart(c.claim, f"{c.said} {c.stamps}")
    return f"not stated in [{c.n}]: {_shown(missing)}" if missing else ""


def about_the_question(c: Case) -> str:
    """Rule 2: the context is about the question's years, numbers, names and event."""
    elsewhere = about_another(c.asked, c.have, c.said, c.years, c.question)
    return f"[{c.n}] is about another year, person or event: {elsewhere}" if elsewhere else ""


def states_what_it_asserts(c: Case) -> str:
    """Rule 3: what the claim says beyond the question's words may come from the sentence's neighbours ("He
    named the Syrian and Iraqi armies"); the question's relation it restates ("agreed", "the movie's
    director") must be in the cited sentence itself."""
    stated, own = vocabulary(c.said), vocabulary(undated(c.evidence[c.n - 1].text))
    added = [w for w in c.content if w not in c.asked.content]
    restated = [w for w in c.content if w in c.asked.content]
    for part, where in ((added, stated), (restated, own)):
        missing = [w for w in part if not synonyms(w) & where]
        if part and len(part) - len(missing) < COVERAGE * len(part):
            return f"[{c.n}] does not say this ({', '.join(missing[:3])})"
    return ""


def not_negated_or_hedged(c: Case) -> str:
    """Rule 4: the evidence puts no negation, hedge or estimate on what the claim says."""
    item = c.evidence[c.n - 1].text
    cue = dropped_cue(c.claim, item, c.content) or estimate(c.claim, set(c.facts.numbers - c.asked.numbers), c.said)
    return f"[{c.n}] says {cue}" if cue else ""


def done_by_whom_it_says(c: Case) -> str:
    """Rule 5: the one the claim says did something did it, not only reported it."""
    cue = reported(c.claim, c.evidence[c.n - 1].text)
    return f"[{c.n}] says {cue}" if cue else ""


def the_winner_won(c: Case) -> str:
    """Rule 6: a claimed winner is not shown losing, by the cited sentence or another about the same contest,
    and in a list of years is named under the year asked."""
    cue = loser(c.facts, c.new, c.said, c.claim) or named_for_another_year(set(c.facts.names - c.asked.names),
                                                                          c.asked.years, c.said)  # fmt: skip
    if cue:
        return f"[{c.n}] says {cue}"
    for e in c.evidence:
        lost = loser(c.facts, c.new, e.text, c.claim) if e.met == 1.0 and e.n != c.n else ""
        if lost and lost != NO_WINNER:
            return f"[{e.n}] says {lost}"
    return ""


@dataclass(frozen=True)
class Rule:
    number: int  # in the README's "The citation check"
    name: str
    fails: Callable[[Case], str]  # why the claim fails it against the case's item, "" when it holds
    weight: float  # a claim that fails it scores this share of 0.5 x word coverage + 0.5 x cosine


RULES = (
    Rule(1, "states what it adds", states_what_it_adds, 0.0),
    Rule(2, "about the question", about_the_question, 0.0),
    Rule(3, "states what it asserts", states_what_it_asserts, 1.0),
    Rule(4, "not negated or hedged", not_negated_or_hedged, 0.5),
    Rule(5, "done by whom it says", done_by_whom_it_says, 0.5),
    Rule(6, "the winner won", the_winner_won, 0.5),
)


def judge(
    claim: str, question: str, evidence: list[Evidence], n: int, cosine: float, rules: tuple[Rule, ...] = RULES
) -> Verdict:
    """Does evidence item n support the claim? Its score and, when it does not, why (the first rule it fails)."""
    case = Case.of(claim, question, evidence, n)
    score = 0.5 * case.coverage + 0.5 * cosine
    for rule in rules:
        if reason := rule.fails(case):
            return Verdict(rule.weight * score, reason)
    return Verdict(score)


def answers(claim: str, question: str) -> bool:
    """Rule 7: does the claim say something the question does not already, of the kind it asks for (a name for
    "who", a date for "when", an amount of money for "how much")?

    >>> answers("Kerry and Lavrov met on September 27, 2015.", "Where did Kerry and Lavrov meet on September 27, 2015?")
    False
    >>> answers("Tesla's revenue in Q3 2019 was 23.", "What was Tesla's revenue in Q3 2019?")
    False
    """
    c, q = facts(claim), facts(question)
    says_more = bool(c.hard - q.hard or c.months - q.months or c.content - q.content)
    return says_more and answer_strength(answer_kind(question), q, claim) >= 0.4


def context(evidence: list[Evidence], n: int) -> tuple[str, str, str]:
    """(the item with its same-article neighbours in the list, the article's title, their date stamps).

    A date stamp ahead of a snippet ("Jun 20, 2023 ... Released.") dates the page, not what it reports: it
    counts as the article's date (its year and month), never as a date the sentence states.
    """
    item = evidence[n - 1]
    near, stamps = [], []
    for e in evidence[max(0, n - 2) : n + 1]:
        if e.hit.chunk.article_id == item.hit.chunk.article_id:
            near.append(undated(e.text))
            stamps.append(e.text[: len(e.text) - len(near[-1])])
    title = item.hit.chunk.title if len(item.hit.chunk.title) <= 120 else ""  # a snippet's "title" is its text
    return " ".join(near), title, " ".join(stamps)


def about_another(q: Facts, have: frozenset[str], said: str, years: set[int], question: str) -> str:
    """What of the question's years, numbers and names the context misses, or holds in another role ("since
    2018"); all its names must be missing to count ("Syria" may be "Damascus"). "" when it is about them."""
    asked = q.numbers | {f"month:{m}" for m in q.months}
    off = sorted(x for x in asked if x not in have) or year_in_another_role(q.years, said, years)
    off = off or sorted(w for w in q.qualifiers if w not in have)  # "men's": another event
    names_off = sorted(x for x in q.names if not _named(x, have))
    if off or (q.names and len(names_off) == len(q.names)):
        return _shown(off or names_off)
    return phrases_apart(question, said)


def evidence_is_about(question: str, evidence: list[Evidence], n: int) -> bool:
    """Evidence item n is about the question's years, numbers and names (rule 2), whatever it says of them."""
    said, _, have, years = _stated(evidence, n)
    return not about_another(facts(question), have, said, years, question)


def _stated(evidence: list[Evidence], n: int) -> tuple[str, str, frozenset[str], set[int]]:
    """(item n's context text, its date stamps, every word and date its context states, the years it is dated)."""
    said, title, stamps = context(evidence, n)
    years, months = date_facts(evidence[n - 1].hit.chunk.date)
    dated = facts(stamps)
    years, months = years | dated.years, months | dated.months
    have = vocabulary(f"{said} {title}") | {str(y) for y in years} | {f"month:{m}" for m in months}
    return said, stamps, have, years


def _named(name: str, have: frozenset[str]) -> bool:
    """A name of the question is in the context, as itself or a longer form ("Syria" in "Syrian")."""
    return name in have or len(name) >= 4 and any(w.startswith(name) for w in have)


def _shown(items: list[str]) -> str:
    return ", ".join(x.replace("month:", "month ") for x in items[:3])
