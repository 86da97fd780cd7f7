"""From the model's reply or readings to the reader's answer: checked, given a second look, quoted, or not found.

`settle_reading` makes the answer of the reading calibration.py chose (a span
with its sentence cited), or the not-found sentence. `settle`, for an answer
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
from ..check.verify import Sentence, check_answer, evidence_is_about, named_facts, quote_answer, undated
from ..records import Answer, Citation, Evidence
from ..text.facts import vocabulary
from .reading import Reading


def settle_reading(answer: Answer, readings: list[Reading], chosen: Reading | None, not_found: str) -> Answer:
    """The reader's answer from the model's readings (reading.py) and the one calibration.py chose: its span
    (a name, date, amount or count the question asks for) or, for a question of no kind, its sentence quoted,
    citing the sentence it comes from; or the not-found sentence, keeping the best reading as the draft."""
    answer.readings = readings
    if chosen is None:
        best = max(readings, key=lambda r: r.probability, default=None)
        _not_found(answer, not_found)
        answer.draft = f"{best.answer} [{best.evidence.n}]" if best else ""
        return answer
    e = chosen.evidence
    said = chosen.answer if chosen.typed else f"“{e.text}”"
    answer.text = f"{said} [{e.n}]"
    answer.citations = [Citation(e.n, e.hit, True, chosen.probability, e.text, "model", e, chosen.answer)]
    answer.sentences = [Sentence(said, (e.n,), chosen.probability, (e.n,))]
    answer.quoted, answer.abstained = not chosen.typed, False
    return answer


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
    """Check a reply into the answer; True when some sentence of it is supported by the evidence."""
    if not reply or is_abstention(reply, not_found):
        return False
    answer.text, answer.citations, answer.invalid_markers = resolve_citations(reply, answer.evidence)
    answer.warnings = []
    check_answer(answer, answer.evidence, embedder, threshold)
    return any(sentence.attached for sentence in answer.sentences)


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
