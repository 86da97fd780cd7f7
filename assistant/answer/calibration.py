"""Whether a reading answers the question: a few measured signals, combined by weights fitted on the dev sets.

Each reading (reading.py) is described by signals that can be measured on
any question: how sure the model is that its sentence does not answer
(`p_none`, apart for a span of the kind asked and for a whole sentence, whose
probabilities mean different things), how sure it is of its span among the
others (`p_answer`), how well the sentence scored as evidence against the
best (`lexical`), how much of the question it states (`coverage`, its
weighted words; `relation`, its words other than names: what it asks
about), how many of the other readings copied the same span
(`agree`), how similar the best passage is to the question
(`similarity`), and whether the sentence states years but not the one the
question names (`other_year`: the same prize in another year). A logistic
model of these gives the probability that the reading's answer is right; the
readings that reach the threshold may answer, the most probable first that
the citation check accepts (settle.py); none: the articles do not hold it.

The weights and the threshold are data: `assistant/data/calibration.json`,
written by `benchmarks/fit_calibration.py` from the tuning parts of the dev
sets (`assistant eval --json` rows carry every reading's signals). No word
list decides here.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources

from ..text.words import normal, words
from .reading import Reading

FEATURES = (
    "p_none_span",
    "p_none_sentence",
    "p_answer",
    "typed",
    "lexical",
    "coverage",
    "relation",
    "agree",
    "similarity",
    "other_year",
)


def signals(
    reading: Reading, readings: Sequence[Reading], best_score: float, similarity: float, sentences: int = 0
) -> dict[str, float]:
    """The measured signals of one reading among all the question's readings (best_score: the best evidence
    sentence's score; similarity: the best passage's; sentences: how many were to be read, those without a
    span of the kind asked included, so that `agree` keeps the meaning it was fitted with)."""
    e = reading.evidence
    others = [r for r in readings if r is not reading]
    same = sum(r.typed and _key(r.answer) == _key(reading.answer) for r in others)
    dissent = max(len(others), sentences - 1)
    return {
        "p_none_span": reading.p_none * reading.typed,
        "p_none_sentence": reading.p_none * (not reading.typed),
        "p_answer": reading.p_answer,
        "typed": float(reading.typed),
        "lexical": e.score / best_score if best_score > 0 else 0.0,
        "coverage": e.coverage,
        "agree": same / dissent if reading.typed and others else 0.0,
        "similarity": similarity,
        "relation": e.relation,
        "other_year": e.other_year,
        "stated": e.stated,
    }


def _key(answer: str) -> tuple[str, ...]:
    return tuple(normal(w) for w in words(answer))


@functools.cache
def fitted() -> dict:
    """The fitted model: {"weights": {feature: w, "bias": b}, "threshold": t, ...}."""
    text = resources.files("assistant.data").joinpath("calibration.json").read_text(encoding="utf-8")
    return json.loads(text)


def probability(values: dict[str, float], model: dict | None = None) -> float:
    """The logistic model's probability that a reading with these signals is right."""
    weights = (model or fitted())["weights"]
    z = weights["bias"] + sum(weights[name] * values[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def decide(
    readings: Sequence[Reading], best_score: float, similarity: float, sentences: int = 0
) -> tuple[list[Reading], list[Reading]]:
    """The readings with their probabilities, and those that reach the threshold, most probable first (none: the
    articles do not hold the answer); `sentences`: how many sentences were to be read (signals)."""
    measured = [signals(r, readings, best_score, similarity, sentences) for r in readings]
    scored = [replace(r, probability=probability(m), signals=m) for r, m in zip(readings, measured)]
    threshold = fitted()["threshold"]
    return scored, sorted((r for r in scored if r.probability >= threshold), key=lambda r: -r.probability)
