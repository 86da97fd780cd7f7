"""What a question asks for, and the dates and names a text states in the forms news text writes them.

`answer_kind` says whether a question wants a date, an amount of money, a
count or a name; `answer_strength` how fully a text offers one (evidence.py
scores sentences by it, verify.py asks that an answer gives one).
`month_days` reads "Sept. 27" and "20th of October"; `name_phrases` the
names of two or more words a question uses ("Maxwell Award"). Pure functions
over strings, no models; the facts themselves are facts.py's.
"""

from __future__ import annotations

import re

from .facts import Facts, facts, is_name
from .words import (
    MONTH_CAPITAL,
    MONTH_PATTERN,
    MONTHS,
    NUMBER_WORDS,
    STOPWORDS,
    is_number,
    normal,
    stem,
    word_lists,
    words,
)

ANSWER_KINDS = tuple(word_lists()["kinds"].items())  # (kind, the words that ask for it); first match wins
_MONTH = f"(?:{MONTH_CAPITAL})"
MONTH_WORD = MONTH_PATTERN
FULL_DATE = re.compile(
    rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?:,| of)? \d{{4}}\b|\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH},? \d{{4}}\b"
)
PART_DATE = re.compile(rf"\b{_MONTH} \d{{1,4}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}")
FULL_NAME = re.compile(r"\b[A-Z][\w'’-]+(?: (?:[A-Z][\w'’-]+|de|van|von|bin|al-\w+))+")
MONEY = re.compile(r"[$£€]\s?\d|\d\s?(?:million|billion|trillion|bn\b|dollars|euros|pounds)")


def answer_kind(question: str) -> str:
    """What a question asks for: "date", "money", "count", "name" or "" (anything).

    >>> [answer_kind(q) for q in ("When was Diablo 3 released?", "How much did Google pay?", "Who won?", "Why?")]
    ['date', 'money', 'name', '']
    """
    q = " " + " ".join(normal(w) for w in words(question)) + " "
    for kind, cues in ANSWER_KINDS:
        if any(f" {cue} " in q for cue in cues):
            return kind
    return ""


DURATIONS = ("day", "week", "month", "year", "hour", "minute")


def counted(question: str) -> frozenset[str]:
    """The stems of what a count question counts: the word after "how many", the units of time after
    "how long"; empty for any other question.

    >>> sorted(counted("How many banks did Parmalat sue?")), len(counted("How long a ban did he face?"))
    (['bank'], 6)
    """
    tokens = [normal(w) for w in words(question)]
    for i, (a, b) in enumerate(zip(tokens, tokens[1:])):
        if a == "how" and b == "many" and i + 2 < len(tokens):
            return frozenset({stem(tokens[i + 2])})
        if a == "how" and b == "long":
            return frozenset(stem(u) for u in DURATIONS)
    return frozenset()


def counts(text: str, unit: frozenset[str]) -> bool:
    """Whether text gives a number of the unit: "45 banks", "seven months", "a two-year ban".

    >>> counts("Parmalat has sued 45 banks.", frozenset({"bank"})), counts("It owes 14bn euros.", frozenset({"bank"}))
    (True, False)
    """
    tokens = [normal(w) for w in words(text)]
    for i, t in enumerate(tokens):
        number, _, rest = t.partition("-")
        if not (is_number(number) or number in NUMBER_WORDS):
            continue
        if (rest and stem(rest) in unit) or any(stem(x) in unit for x in tokens[i + 1 : i + 3]):
            return True
    return False


def answer_strength(kind: str, asked: Facts, text: str, unit: frozenset[str] = frozenset()) -> float:
    """How fully text states the kind of thing asked for, beyond the question's own facts (`asked`): 1.0 for a
    whole date ("May 15, 2012"), a full name or an amount of money; less for a month or a year alone, one
    capitalised word, a bare number; 0.0 for none; 1.0 when the question asks no kind.

    >>> q = facts("When was GPT-3 released?")
    >>> [answer_strength("date", q, t) for t in ("It came out in June 2020.", "It came out in 2020.", "Soon.")]
    [0.7, 0.4, 0.0]
    """
    if not kind:
        return 1.0
    found = facts(text)
    new_numbers = found.numbers - asked.numbers - {str(y) for y in found.years}
    if kind == "date":
        if FULL_DATE.search(text):
            return 1.0
        return 0.7 if PART_DATE.search(text) else 0.4 if found.months or found.years - asked.years else 0.0
    if kind == "money":
        return 1.0 if new_numbers and MONEY.search(text) else 0.3 if new_numbers else 0.0
    if kind == "count":  # a number of the thing counted, when the question says what it counts ("how many banks")
        if unit and counts(text, unit):  # "seven months": number words count too
            return 1.0
        return (0.5 if unit else 1.0) if new_numbers else 0.0
    new_names = [w for w in FULL_NAME.findall(text) if not {normal(x) for x in w.split()} <= asked.names]
    return 1.0 if new_names else 0.5 if found.names - asked.names else 0.0


DAY_DATE = re.compile(
    rf"\b({MONTH_WORD}) (\d{{1,2}})(?:st|nd|rd|th)?\b|\b(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({MONTH_WORD})", re.I
)


def month_days(text: str) -> list[tuple[int, int]]:
    """The (month, day) dates a text states: "Sept. 27", "27 September", "20th of October".

    >>> month_days("It opens Sept. 27, not on 20th October or in May 2015.")
    [(9, 27), (10, 20)]
    """
    out = []
    for m in DAY_DATE.finditer(text):
        month, day = (m[1], m[2]) if m[1] else (m[4], m[3])
        if 1 <= int(day) <= 31:
            out.append((MONTHS[month.lower().rstrip(".")], int(day)))
    return out


def name_phrases(question: str) -> list[list[str]]:
    """Runs of two or more capitalised words in a question, its first word aside ("Maxwell Award").

    >>> name_phrases("Who is the Maxwell Award winner in 2019 at the Winter Olympics?")
    [['Maxwell', 'Award'], ['Winter', 'Olympics']]
    """
    runs, run = [], []
    for i, tok in enumerate(words(question)):
        if i and is_name(tok, False) and tok.lower() not in STOPWORDS:
            run.append(tok)
            continue
        if len(run) > 1:
            runs.append(run)
        run = []
    return runs + ([run] if len(run) > 1 else [])
