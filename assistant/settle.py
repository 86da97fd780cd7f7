"""From the model's reply to the reader's answer: checked, given a second look, quoted, or not found.

`settle` checks the reply against the evidence (verify.py) and keeps it when
any sentence of it holds up. When none does, or when the model said "not
found" while an evidence sentence answers the question on its own
(`quotable`), the model is asked once more with only the best evidence
sentence and its neighbours: a small model that picks the wrong sentence among
ten near misses usually reads one right sentence correctly. That second reply
is checked like the first. If it fails too, the best quotable sentence is
quoted when the model's own answer points there (it only repeated the
question, or what it names is in that sentence), with the next sentence when
it goes on about it ("He named ..."); else the answer is the not-found
sentence. For a "when" question a date without its year is written as an
evidence sentence gives that day with its year, and that sentence is cited.
Nothing here chooses evidence or talks to a model itself: `ask_again` does
(pipeline.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from .chunk import sentence_spans
from .cite import MARKER, is_abstention, marker_numbers, resolve_citations
from .facts import vocabulary
from .kinds import FULL_DATE, MONTH_WORD, answer_kind, month_days
from .records import Answer, Evidence
from .verify import check_answer, evidence_is_about, named_facts, quote_answer, undated


def settle(
    answer: Answer,
    reply: str,
    not_found: str,
    embedder,
    threshold: float,
    ask_again: Callable[[list[Evidence]], str] | None = None,
) -> Answer:
    """Fill answer.text, citations, sentences and warnings from the model's reply (see the module doc)."""
    if _holds_up(answer, reply, not_found, embedder, threshold):
        return answer
    first = reply
    best = best_evidence(answer.evidence, answer.standalone_question)
    worth_it = not is_abstention(reply, not_found) or any(e.quotable for e in best)
    if ask_again and best and worth_it:
        again = renumber(ask_again([replace(e, n=i) for i, e in enumerate(best, 1)]), best)
        answer.second_look = again
        if _holds_up(answer, again, not_found, embedder, threshold):
            answer.draft = first
            return answer
    answer.draft = first  # withheld: what the model wrote, for the record
    if not first or is_abstention(first, not_found):
        return _not_found(answer, not_found)
    named = named_facts(first, answer.standalone_question)
    quotable = [
        e
        for e in answer.evidence
        if e.quotable
        and named <= vocabulary(undated(e.text))
        and evidence_is_about(answer.standalone_question, answer.evidence, e.n)
    ]
    if quotable:
        best = max(quotable, key=lambda e: e.score)
        after = [e for e in answer.evidence if e.n == best.n + 1 and goes_on(best, e)]
        return quote_answer(answer, [best, *after])
    return _not_found(answer, not_found)


def _holds_up(answer: Answer, reply: str, not_found: str, embedder, threshold: float) -> bool:
    """Check a reply into the answer; True when some sentence of it is supported by the evidence. A date
    without its year is completed from an evidence sentence that gives the same day with one, if that
    still checks."""
    if not reply or is_abstention(reply, not_found):
        return False
    for text in dict.fromkeys([complete_dates(reply, answer.evidence, answer.standalone_question), reply]):
        answer.text, answer.citations, answer.invalid_markers = resolve_citations(text, answer.evidence)
        answer.warnings = []
        check_answer(answer, answer.evidence, embedder, threshold)
        if any(sentence.attached for sentence in answer.sentences):
            return True
    return False


PARTIAL = re.compile(  # a day and month with no year after it ("Nov. 12", "20th September")
    rf"(?:\b(?:{MONTH_WORD}) \d{{1,2}}(?:st|nd|rd|th)?|\b\d{{1,2}}(?:st|nd|rd|th)? (?:{MONTH_WORD}))\b(?!,? \d{{4}})",
    re.I,
)


def complete_dates(reply: str, evidence: list[Evidence], question: str) -> str:
    """For a "when" question, "released on September 20th [3]." with the date as an evidence sentence gives it
    for the same day, year included ("released on September 20, 2019"): "released on September 20, 2019 [3][1]."

    >>> from assistant.records import Chunk, Hit
    >>> hit = Hit(Chunk("a:0", "a", 0, "x", 0, 1, "a.txt", "A"), 0.9)
    >>> items = [Evidence(1, hit, "It came out on September 20, 2019.", 0, 1), Evidence(2, hit, "Out Sept. 20.", 0, 1)]
    >>> complete_dates("It was released on Sept. 20 [2].", items, "When was it released?")
    'It was released on September 20, 2019 [2][1].'
    >>> complete_dates("It was released on September 20th, 2019 [1].", items, "When was it released?")
    'It was released on September 20th, 2019 [1].'
    """
    if answer_kind(question) != "date":
        return reply
    years: dict[tuple[int, int], dict[int, tuple[int, str]]] = {}  # (month, day) -> year -> (evidence, its words)
    for e in evidence:
        for m in FULL_DATE.finditer(e.text):
            (month_day,), year = month_days(m.group()), int(m.group()[-4:])
            years.setdefault(month_day, {}).setdefault(year, (e.n, m.group()))

    def complete(m: re.Match) -> str:
        found = years.get(next(iter(month_days(m.group())), None), {})
        if len(found) != 1:  # no year given for that day, or several: leave it as the model wrote it
            return m.group()
        ((n, written),) = found.values()
        added.append(n)
        return written  # the whole date as the evidence writes it

    out = []
    for a, b in sentence_spans(reply):
        added: list[int] = []
        sentence = PARTIAL.sub(complete, reply[a:b])
        markers = "".join(f"[{n}]" for n in dict.fromkeys(added) if f"[{n}]" not in sentence)
        end = re.search(r"((?:\[\d+\])*)\.?$", sentence)
        out.append(f"{sentence[: end.start()]}{end.group(1)}{markers}." if markers else sentence)
    return " ".join(out)


GOES_ON = re.compile(r"^(?:He|She|It|They|His|Her|Its|Their|This|These|That|Those)\b")


def goes_on(item: Evidence, after: Evidence) -> bool:
    """The next sentence of the same article, kept as context, that refers back to item ("He named ...")."""
    same = after.hit.chunk.article_id == item.hit.chunk.article_id
    return same and not after.key and bool(GOES_ON.match(after.text))


def best_evidence(evidence: list[Evidence], question: str) -> list[Evidence]:
    """The best key sentence about the question's years, numbers and names (a quotable one first), with its
    neighbours from the same article in the list; [] when no key sentence is about them."""
    keys = [e for e in evidence if e.key and evidence_is_about(question, evidence, e.n)]
    if not keys:
        return []
    top = max(keys, key=lambda e: (e.quotable, e.score))
    article = top.hit.chunk.article_id
    return [e for e in evidence if abs(e.n - top.n) <= 1 and e.hit.chunk.article_id == article]


def renumber(reply: str, items: list[Evidence]) -> str:
    """A reply written over `items` numbered 1..m, with its markers turned back into the items' own numbers.

    >>> from assistant.records import Chunk, Hit
    >>> hit = Hit(Chunk("a:0", "a", 0, "x", 0, 1, "a.txt", "A"), 0.9)
    >>> renumber("It rained [2]. Then [1, 3].", [Evidence(4, hit, "x", 0, 1), Evidence(5, hit, "y", 0, 1)])
    'It rained [5]. Then [4].'
    """

    def back(m) -> str:
        numbers = [items[k - 1].n for k in marker_numbers(m.group(1)) if 1 <= k <= len(items)]
        return f"[{', '.join(map(str, numbers))}]" if numbers else ""

    return MARKER.sub(back, reply)


def _not_found(answer: Answer, not_found: str) -> Answer:
    answer.text, answer.abstained, answer.citations, answer.sentences, answer.warnings = not_found, True, [], [], []
    return answer
