"""Check each sentence of an answer against the evidence sentences it cites.

A sentence (a claim) is supported by evidence item [n] when all of these hold
in [n]'s context (the sentence, its neighbours from the same article in the
evidence list, the article's title and date):
1. every name, number and date the claim adds to the question is there (facts.py makes
   "Sept. 27" equal "September 27" and "$1.65 billion" equal "1.65 billion
   dollars"); otherwise "not stated in [n]: 2019";
2. the question's own years, numbers and dates are there, and at least one of
   its names: an answer about the 2022 champion cited for a question about
   2019 is "[n] is about another year/event: 2019";
3. what the claim asserts is stated: more than half of its other content words
   (its verb and object) are in the sentence or a neighbour, never only in a
   heading, and
   the evidence does not negate or hedge them where the claim does not ("is due
   to discuss" does not support "discussed"; "have not been able to agree"
   does not support "agreed");
4. its score, 0.5 x word coverage + 0.5 x embedding cosine, clears the threshold.
A sentence that no cited item supports (or that cites none) gets the item
that does support it attached by the checker, or is flagged. A sentence that
only repeats the question ("Kerry and Lavrov met on September 27") is flagged
as no answer. A sentence that states no facts ("That is all.") is left alone. It catches wrong names, numbers, years
and dropped negations or hedges; it cannot catch a claim whose words are all in
the evidence but put together wrongly ("A beat B" from "B beat A").
It does not decide whether to answer at all: that is the pipeline's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..records import Citation, Claim, Evidence, Outcome
from ..text.facts import KIND_WORDS, Facts, date_facts, facts, synonyms, vocabulary
from ..text.kinds import answer_kind, answer_strength
from ..text.sentences import sentence_spans
from ..text.words import MONTH_CAPITAL, stem, yes_no
from .cite import MARKER, marker_numbers
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

UNSUPPORTED_NOTE = "Most of this answer is not supported by the evidence: check it against the sources."
QUOTE_NOTE = "A quote from the articles, not a written answer: the model's answer did not hold up against the evidence."
KIND = {stem(w) for w in KIND_WORDS}
COVERAGE = 0.6  # share of the claim's other content words the cited sentence must hold (2 of 3, not 1 of 2)
STAMP = re.compile(  # a snippet's date stamp: "Jun 16, 2023 ... " or "3 days ago - "
    rf"^\s*(?:(?:{MONTH_CAPITAL}) \d{{1,2}},? \d{{4}}|\d+ (?:minutes?|hours?|days?|weeks?) ago)\s*(?:\.\.\.|…|[-—|·])\s*"
)


@dataclass(frozen=True)
class Verdict:
    score: float
    reason: str = ""  # empty when the item supports the claim


def split_sentences(text: str) -> list[Claim]:
    out = []
    for start, end in sentence_spans(text):
        raw = text[start:end]
        cited = tuple(dict.fromkeys(n for m in MARKER.finditer(raw) for n in marker_numbers(m.group(1))))
        plain = re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(MARKER.sub(" ", raw).split()))
        if plain:
            out.append(Claim(plain, cited))
    return out


def states_facts(text: str) -> bool:
    f = facts(text)
    return len(f.names) + len(f.numbers) + len(f.content) >= 3


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


def judge(claim: str, question: str, evidence: list[Evidence], n: int, cosine: float) -> Verdict:
    """Does evidence item n support the claim? Its score and, when it does not, why."""
    item = evidence[n - 1]
    said, stamps, have, years = _stated(evidence, n)
    claim_facts, q = facts(claim), facts(question)
    new = (claim_facts.hard - q.names) | {f"month:{m}" for m in claim_facts.months}  # the answer's own facts
    missing = sorted(x for x in new if x not in have) or days_apart(claim, f"{said} {stamps}")
    if missing:
        return Verdict(0.0, f"not stated in [{n}]: {_shown(missing)}")
    elsewhere = about_another(q, have, said, years, question)
    if elsewhere:
        return Verdict(0.0, f"[{n}] is about another year, person or event: {elsewhere}")
    stated, own = vocabulary(said), vocabulary(undated(item.text))
    content = sorted(c for c in claim_facts.content if c not in KIND)  # "the premiere date": the date is the answer
    covered = [c for c in content if synonyms(c) & stated]
    coverage = len(covered) / len(content) if content else 1.0
    # What the answer says beyond the question's words may come from the sentence's neighbours ("He named
    # the Syrian and Iraqi armies"); the question's relation it restates ("agreed", "the movie's director")
    # must be in the cited sentence itself.
    added = [c for c in content if c not in q.content]
    asked = [c for c in content if c in q.content]
    for part, where in ((added, stated), (asked, own)):
        missing = [c for c in part if not synonyms(c) & where]
        if part and len(part) - len(missing) < COVERAGE * len(part):
            return Verdict(0.5 * coverage + 0.5 * cosine, f"[{n}] does not say this ({', '.join(missing[:3])})")
    cue = (
        dropped_cue(claim, item.text, content)
        or loser(claim_facts, new, said, claim)
        or reported(claim, item.text)
        or estimate(claim, set(claim_facts.numbers - q.numbers), said)
        or named_for_another_year(set(claim_facts.names - q.names), q.years, said)
    )
    if cue:
        return Verdict(0.5 * (0.5 * coverage + 0.5 * cosine), f"[{n}] says {cue}")
    for e in evidence:  # a claimed winner that another sentence about the same contest shows losing
        lost = loser(claim_facts, new, e.text, claim) if e.met == 1.0 and e.n != n else ""
        if lost and lost != NO_WINNER:
            return Verdict(0.5 * (0.5 * coverage + 0.5 * cosine), f"[{e.n}] says {lost}")
    return Verdict(0.5 * coverage + 0.5 * cosine)


def undated(text: str) -> str:
    """Text without the date stamp a snippet may open with ("Jun 16, 2023 ... ")."""
    stamp = STAMP.match(text)
    return text[stamp.end() :] if stamp else text


def named_facts(text: str, question: str) -> set[str]:
    """The names, numbers and months a text states beyond the question's: what an answer answers with."""
    c, q = facts(MARKER.sub(" ", text)), facts(question)
    return set(c.hard - q.hard) | {f"month:{m}" for m in c.months - q.months}


def answers(claim: str, question: str) -> bool:
    """Does the claim say something the question does not already, of the kind it asks for (a name for
    "who", a date for "when", an amount of money for "how much")?

    >>> answers("Kerry and Lavrov met on September 27, 2015.", "Where did Kerry and Lavrov meet on September 27, 2015?")
    False
    >>> answers("Tesla's revenue in Q3 2019 was 23.", "What was Tesla's revenue in Q3 2019?")
    False
    """
    c, q = facts(claim), facts(question)
    says_more = bool(c.hard - q.hard or c.months - q.months or c.content - q.content)
    return says_more and answer_strength(answer_kind(question), q, claim) >= 0.4


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


def check_answer(
    outcome: Outcome, evidence: list[Evidence], question: str, embedder, threshold: float = 0.45
) -> Outcome:
    """Judge every sentence of outcome.text against the evidence it cites: the outcome with its sentences
    checked, their citations and flags, and its text marked."""
    sentences = split_sentences(outcome.text)
    if not sentences or not evidence:
        return outcome
    vectors = embedder.embed([s.text for s in sentences] + [e.text for e in evidence])
    claim_vecs, item_vecs = vectors[: len(sentences)], vectors[len(sentences) :]

    def verdict(k: int, n: int) -> Verdict:
        cosine = sum(a * b for a, b in zip(claim_vecs[k], item_vecs[n - 1]))
        v = judge(sentences[k].text, question, evidence, n, cosine)
        if v.reason or v.score >= threshold or facts(sentences[k].text).hard:
            return v  # names and numbers that check out say more than a low similarity
        return Verdict(v.score, f"[{n}] barely relates to this")

    by_n = {c.n: c for c in outcome.citations}
    results: dict[int, float] = {}
    checked: list[Claim] = []
    for k, sent in enumerate(sentences):
        numbers = [n for n in sent.cited if 1 <= n <= len(evidence)]
        if not numbers and not states_facts(sent.text):
            checked.append(sent)
            continue
        if not yes_no(question) and not answers(sent.text, question):  # a yes is the question restated
            checked.append(replace(sent, flag="unsupported", reason="repeats the question without answering it"))
            continue
        verdicts = {n: verdict(k, n) for n in numbers}
        attached = tuple(n for n, v in verdicts.items() if not v.reason)
        if not attached:  # uncited, or cited wrongly: attach the item that supports it, if one does
            others = {n: verdict(k, n) for n in range(1, len(evidence) + 1) if n not in verdicts}
            best = max(others, key=lambda n: (not others[n].reason, others[n].score), default=None)
            if best is not None and not others[best].reason:
                verdicts, attached = {best: others[best]}, (best,)
            elif not numbers and best is not None:
                verdicts = {best: others[best]}
        for n in attached:
            item = evidence[n - 1]
            by_n.setdefault(n, Citation(n=n, hit=item.hit, quote=item.text, origin="checker", evidence=item))
        for n, v in verdicts.items():
            results[n] = min(results.get(n, 1.0), v.score) if n in by_n else results.get(n, v.score)
        flag = "" if attached else ("unsupported" if numbers else "uncited")
        reason = "; ".join(v.reason for v in verdicts.values() if v.reason) if flag else ""
        if flag == "uncited":
            reason = f"not found in the evidence ({reason})" if reason else "not found in the evidence"
        support = max((verdicts[n].score for n in attached), default=max(v.score for v in verdicts.values()))
        checked.append(replace(sent, support=support, attached=attached, flag=flag, reason=reason))

    supported = {n for s in checked for n in s.attached}
    citations = []
    for n, c in sorted(by_n.items(), key=lambda kv: _first_use(kv[0], checked)):
        if _first_use(n, checked) < len(checked):
            citations.append(replace(c, support=results.get(n), supported=n in supported))
    flagged = sum(1 for s in checked if s.flag)
    mostly_flagged = flagged and flagged * 2 >= sum(1 for s in checked if s.cited or s.flag or s.attached)
    warnings = [UNSUPPORTED_NOTE] * bool(mostly_flagged) + outcome.warnings
    return replace(outcome, text=render(checked), citations=citations, sentences=checked, warnings=warnings)


def quote_answer(items: list[Evidence]) -> Outcome:
    """Evidence sentences quoted and cited (one, and the next when it goes on about it): supported by
    construction."""
    text = "The articles say: " + " ".join(f'"{e.text}" [{e.n}]' for e in items)
    citations = [Citation(e.n, e.hit, True, 1.0, e.text, "checker", e) for e in items]
    sentences = [Claim(text, (), 1.0, tuple(e.n for e in items))]
    return Outcome(text, citations, sentences, [QUOTE_NOTE], quoted=True)


def _first_use(n: int, sentences: list[Claim]) -> int:
    return next((i for i, s in enumerate(sentences) if n in s.attached or n in s.cited), len(sentences))


def render(sentences: list[Claim]) -> str:
    """Sentences with their markers: supported [n], unsupported [n: unsupported], flagged uncited facts."""
    parts = []
    for s in sentences:
        marks = "".join(f"[{n}]" for n in s.attached)
        marks += "".join(f"[{n}: unsupported]" for n in s.cited if n not in s.attached)
        if s.flag == "uncited":
            marks += "[not found in the sources]"
        text = s.text
        if marks:
            end = len(text.rstrip(".!?…")) if text[-1:] in ".!?…" else len(text)
            text = f"{text[:end]} {marks}{text[end:]}"
        parts.append(text)
    return " ".join(parts)
