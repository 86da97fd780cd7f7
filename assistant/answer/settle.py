"""From the model's reply or readings to the reader's answer: checked, given a second look, quoted, or not found.

`settle_reading` makes the answer of the most probable reading calibration.py
lets answer that the citation check accepts (a span with its sentence cited),
or the not-found sentence. `settle`, for an answer
the model wrote (a yes/no question), checks the reply against the evidence (verify.py) and keeps it when
any sentence of it holds up. When none does, or when the model said "not
found" while an evidence sentence answers the question on its own
(`quotable`), the model is asked once more with only the best evidence
sentence and its neighbours: a small model that picks the wrong sentence among
ten near misses usually reads one right sentence correctly. That second reply
is checked like the first. If it fails too, the best quotable sentence is
quoted when the model's own answer points there (it only repeated the
question, or what it names is in that sentence), with the next sentence when
it goes on about it ("He named ..."); else the answer is the not-found
sentence. Nothing here chooses evidence or talks to a model itself: `ask_again` does
(pipeline.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from ..check.cite import MARKER, is_abstention, marker_numbers, resolve_citations
from ..check.rules import evidence_is_about
from ..check.verify import check_answer, check_extract, named_facts, quote_answer
from ..records import Citation, Claim, Evidence, Outcome
from ..text.facts import vocabulary
from ..text.sentences import undated
from .reading import Reading

WITHHELD_NOTE = "The closest answer, {answer}, was withheld: {reason}."


def settle_reading(
    readings: list[Reading], candidates: list[Reading], not_found: str, question: str, evidence: list[Evidence]
) -> Outcome:
    """The reader's answer from the model's readings (reading.py) and those calibration.py lets answer, most
    probable first: the first one the citation check accepts (verify.check_extract: "Serena Williams" is
    refused for "Who won?" when its sentence says Halep beat her), its span (a name, date, amount or count the
    question asks for) or, for a question of no kind, its sentence quoted, citing the sentence it comes from.
    When none is accepted, the not-found sentence, keeping the best reading as the draft and saying why it
    was withheld."""
    refused = []
    for reading in candidates:
        e = reading.evidence
        reason = check_extract(question, reading.answer, reading.typed, evidence, e.n)
        if reason:
            refused.append((reading, reason))
            continue
        said = reading.answer if reading.typed else f"“{e.text}”"
        citation = Citation(e.n, e.hit, True, reading.probability, e.text, "model", e, reading.answer)
        sentence = Claim(said, (e.n,), reading.probability, (e.n,))
        return Outcome(f"{said} [{e.n}]", [citation], [sentence], quoted=not reading.typed, readings=readings)
    best = candidates[0] if candidates else max(readings, key=lambda r: r.probability, default=None)
    draft = f"{best.answer} [{best.evidence.n}]" if best else ""
    warnings = [WITHHELD_NOTE.format(answer=f"“{r.answer}” [{r.evidence.n}]", reason=why) for r, why in refused[:1]]
    return replace(_not_found(not_found), draft=draft, warnings=warnings, readings=readings)


def settle(
    reply: str,
    evidence: list[Evidence],
    question: str,
    not_found: str,
    embedder,
    threshold: float,
    ask_again: Callable[[list[Evidence]], str] | None = None,
) -> Outcome:
    """The reader's answer from the model's reply to the question over this evidence (see the module doc)."""
    first = _checked(reply, evidence, question, not_found, embedder, threshold)
    if _supported(first):
        return first
    markers, again = first.invalid_markers if first else [], ""  # a withheld reply's stray markers still count
    best = best_evidence(evidence, question)
    worth_it = not is_abstention(reply, not_found) or any(e.quotable for e in best)
    if ask_again and best and worth_it:
        again = renumber(ask_again([replace(e, n=i) for i, e in enumerate(best, 1)]), best)
        second = _checked(again, evidence, question, not_found, embedder, threshold)
        if _supported(second):
            return replace(second, draft=reply, second_look=again)
        markers = second.invalid_markers if second else markers
    withheld = {"draft": reply, "second_look": again, "invalid_markers": markers}  # what the model wrote
    if not reply or is_abstention(reply, not_found):
        return replace(_not_found(not_found), **withheld)
    named = named_facts(reply, question)
    quotable = [
        e
        for e in evidence
        if e.quotable and named <= vocabulary(undated(e.text)) and evidence_is_about(question, evidence, e.n)
    ]
    if quotable:
        best = max(quotable, key=lambda e: e.score)
        after = [e for e in evidence if e.n == best.n + 1 and goes_on(best, e)]
        return replace(quote_answer([best, *after]), **withheld)
    return replace(_not_found(not_found), **withheld)


def _checked(reply: str, evidence: list[Evidence], question: str, not_found: str, embedder, threshold: float):
    """The reply with its citations resolved and checked (verify.py); None when it says "not found"."""
    if not reply or is_abstention(reply, not_found):
        return None
    text, citations, invalid = resolve_citations(reply, evidence)
    return check_answer(Outcome(text, citations, invalid_markers=invalid), evidence, question, embedder, threshold)


def _supported(checked: Outcome | None) -> bool:
    """Some sentence of the checked reply is supported by the evidence."""
    return checked is not None and any(sentence.attached for sentence in checked.sentences)


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


def _not_found(not_found: str) -> Outcome:
    return Outcome(not_found, abstained=True)
