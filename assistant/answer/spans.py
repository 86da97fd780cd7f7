"""The spans of a sentence that could answer a question: the names, dates, amounts or counts it asks for.

`answer_kind` (kinds.py) says what a question asks for; `candidate_spans`
lists the spans of that kind in an evidence sentence, by their form alone: a
run of capitalised words ("Mevlut Cavusoglu", "Raymond James Stadium") or a
list of them ("Brazil, India, Germany and Japan", "Tampa, Florida") for a
name; a whole or partial date or a year for a date; an amount with its
currency for money; a number with the word after it for a count. Spans the
question already says ("Wimbledon", "2019") are not answers, nor is a name
whose last word the question names ("Secretary of State John Kerry" for a
question about Kerry). The chat model chooses among them (reading.py); a
question of no kind ("What did Lavrov propose?") is answered by the whole
sentence. Pure functions over strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.facts import OPENERS
from ..text.kinds import FULL_DATE, PART_DATE, answer_kind
from ..text.words import MONTH_CAPITAL, MONTHS, NUMBER_WORDS, STOPWORDS, WEEKDAYS, listed, normal, words

MONTH_YEAR = re.compile(rf"\b(?:{MONTH_CAPITAL}),? \d{{4}}\b")
YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
MONEY = re.compile(
    r"[$£€]\s?\d[\d,.]*\d(?:\s?(?:million|billion|trillion|bn|m)\b)?|[$£€]\s?\d(?:\s?(?:million|billion|trillion|bn|m)\b)?"
    r"|\b\d[\d,.]*\s?(?:million|billion|trillion|bn)?\s?(?:dollars|euros|pounds)\b"
    r"|\b\d[\d,.]*\s?(?:%|per ?cent\b)"  # "how much did shares lose?": 70%
)
COUNT = re.compile(r"\b(?:\d[\d,.]*\d|\d|" + "|".join(NUMBER_WORDS) + r")\b(?:[ -][a-z]+)?(?: \(\d[^)]*\))?", re.I)
TOKEN = re.compile(r"[\w'’.&-]+")
NAME_JOINS = listed("lists", "name_joins")  # "Bank of England", "Charles de Gaulle"
LIST_GLUE = re.compile(r",? (?:and|or) |, ")  # what joins the names of a list


@dataclass(frozen=True)
class Span:
    text: str
    start: int  # character offsets in the sentence
    end: int


def candidate_spans(question: str, sentence: str) -> list[Span]:
    """The spans of the sentence that could answer the question, in order of appearance (the longer first),
    each once; [] for a question of no kind.

    >>> [s.text for s in candidate_spans("Which countries seek seats?", "Brazil, India and Japan seek seats.")]
    ['Brazil, India and Japan', 'Brazil', 'India', 'Japan']
    >>> [s.text for s in candidate_spans("When was it released?", "It came out on July 21, 2017, in Japan.")]
    ['July 21, 2017', 'July 21', '2017']
    >>> [s.text for s in candidate_spans("How much did Google pay?", "Google paid $1.65 billion for YouTube.")]
    ['$1.65 billion']
    """
    kind = answer_kind(question)
    if kind == "date":
        found = [m.span() for rx in (FULL_DATE, MONTH_YEAR, PART_DATE, YEAR) for m in rx.finditer(sentence)]
    elif kind == "money":
        found = [m.span() for m in MONEY.finditer(sentence)]
    elif kind == "count":
        found = [m.span() for m in COUNT.finditer(sentence)]
    elif kind == "name":
        runs = name_runs(sentence)
        found = runs + name_lists(sentence, runs)
    else:
        return []
    asked = {normal(w) for w in words(question)}
    out: dict[str, Span] = {}
    for a, b in sorted(found, key=lambda s: (s[0], -s[1])):
        text = sentence[a:b].rstrip(" ,.;:")
        if text.endswith(("'s", "’s")):
            text = text[:-2]
        said = [normal(w) for w in words(text)]
        if not said or set(said) <= asked or text in out:
            continue
        if kind == "name" and (said[-1] in asked or (len(said) == 1 and said[0] in OPENERS)):
            continue
        out[text] = Span(text, a, a + len(text))
    return list(out.values())


def name_runs(sentence: str) -> list[tuple[int, int]]:
    """The runs of capitalised words, one space apart ("Raymond James Stadium"; "Bank of England"), a possessive
    ending one ("Romania's", "Simona Halep"); the sentence's first word only when it is no common opener;
    months and weekdays are dates, not names; a capitalised stopword starts a run, never continues one.

    >>> s = "Abdulrazak Gurnah Is Awarded the Nobel Prize"
    >>> [s[a:b] for a, b in name_runs(s)]
    ['Abdulrazak Gurnah', 'Is Awarded', 'Nobel Prize']
    """
    runs, run = [], []
    tokens = list(TOKEN.finditer(sentence))
    for i, m in enumerate(tokens):
        word = m.group().rstrip(".")
        low = normal(word)
        capital = any(part[:1].isupper() for part in word.split("-"))  # "al-Jubeir" too
        capital = capital and low not in MONTHS and low not in WEEKDAYS and not (i == 0 and low in STOPWORDS)
        follows = run and sentence[run[-1].end() : m.start()] == " " and not run[-1].group().endswith(("'s", "’s"))
        joins = follows and low in NAME_JOINS and i + 1 < len(tokens) and tokens[i + 1].group()[:1].isupper()
        if capital and (follows and low not in STOPWORDS or not run):  # a headline's "Gurnah Is Awarded"
            run.append(m)
        elif joins:
            run.append(m)
        else:
            if run:
                runs.append(run)
            run = [m] if capital else []
    if run:
        runs.append(run)
    return [(r[0].start(), r[-1].end()) for r in runs if r[-1].group().lower() not in NAME_JOINS]


def name_lists(sentence: str, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs of names joined as a list ("Iran and Russia", "Paris, Amsterdam, Brussels and Lisbon")."""
    out, i = [], 0
    while i < len(runs):
        j = i
        while j + 1 < len(runs) and LIST_GLUE.fullmatch(sentence[runs[j][1] : runs[j + 1][0]]):
            j += 1
        if j > i:
            out.append((runs[i][0], runs[j][1]))
        i = j + 1
    return out
