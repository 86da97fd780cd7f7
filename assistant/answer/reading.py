"""Extract, don't write: the chat model reads the best evidence sentences one at a time and picks the answer.

For each of the evidence sentences that score best against the question
(evidence.py, picked by `to_read`), the model is shown that sentence alone with the
question (prompts/read.txt) and may reply only with one of the sentence's
candidate spans (spans.py: the names, dates, amounts or counts the question
asks for), with the whole sentence (when no span of the kind answers, or the
question asks for none), or with "No answer." (prompts/no_answer.txt). Its log-probabilities of those
replies (generator.score) say which span it would copy and how sure it is
that the sentence answers at all. A small model that picks the wrong sentence
among ten near misses mostly reads one sentence right.

The answer is therefore always words of the evidence: it can state no name,
number or date its sentence does not hold. Whether a reading is good enough
to give is calibration.py's decision; building the reader's answer is
settle.py's. Nothing here retrieves or chooses evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..records import Evidence
from ..text.kinds import answer_kind
from ..text.sentences import undated
from . import prompts
from .spans import candidate_spans


@dataclass(frozen=True)
class Reading:
    """What the model made of one evidence sentence."""

    evidence: Evidence
    answer: str  # the span it would copy (a candidate of the kind asked for), or the whole sentence
    start: int  # offsets of the answer in evidence.text
    end: int
    typed: bool  # the answer is a span of the kind the question asks for, not the whole sentence
    p_none: float  # the model's probability that the sentence does not answer the question
    p_answer: float  # its probability of this span among the sentence's spans (1.0 for the whole sentence)
    rank: int  # the sentence's place among those read, best evidence score first (0)
    probability: float = 0.0  # that the answer is right, calibrated (calibration.py)
    signals: dict[str, float] = field(default_factory=dict, compare=False)  # what that was computed from


def to_read(evidence: Sequence[Evidence], count: int) -> list[Evidence]:
    """The `count` key evidence sentences the model reads, best evidence score first."""
    return sorted((e for e in evidence if e.key), key=lambda e: -e.score)[:count]


def read(generator, prompts_dir: Path, question: str, sentences: Sequence[Evidence]) -> list[Reading]:
    """The model's reading of each of these evidence sentences (`to_read`'s, best evidence score first); a
    sentence without a span of the kind the question asks for (a date, a name, an amount) is not read: it
    cannot answer."""
    no_answer = prompts.render(prompts_dir, "no_answer")
    system = prompts.render(prompts_dir, "read", no_answer=no_answer)
    kind = answer_kind(question)
    readings = []
    for rank, item in enumerate(sentences):
        text = undated(item.text)
        lead = len(item.text) - len(text)  # a snippet's date stamp is not read: it dates the page
        spans = candidate_spans(question, text)
        if kind and not spans:  # a question asking for a date, name or amount: a sentence without one cannot answer
            continue
        options = [s.text for s in spans] + [text]  # the whole sentence, when no span of the kind answers
        user = prompts.render(prompts_dir, "read_sentence", sentence=prompts.defuse(text), question=question)
        scores = generator.score([{"role": "system", "content": system}, {"role": "user", "content": user}],
                                 [prompts.defuse(o) for o in options] + [no_answer])  # fmt: skip
        chosen = max(range(len(options)), key=lambda i: scores[i])
        among = math.log(sum(math.exp(s) for s in scores[:-1]))
        span = spans[chosen] if chosen < len(spans) else None
        start, end = (span.start, span.end) if span else (0, len(text))
        readings.append(
            Reading(item, options[chosen], lead + start, lead + end, span is not None, math.exp(scores[-1]),
                    math.exp(scores[chosen] - among), rank)
        )  # fmt: skip
    return readings
