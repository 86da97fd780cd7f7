"""The checkable facts of a text: names, numbers, dates and content words.

Evidence selection (evidence.py), candidate spans (spans.py) and the
citation check (verify.py) compare a question or a claim with article
sentences on these. Everything is normalised so that the forms news text
uses compare equal: "U.S." and "US", "Sept. 27" and "September 27", "$1.65
billion" and "1.65 billion dollars", "1,000" and "1000", "Lavrov's" and
"Lavrov". Words are compared by their stems (words.py). Spelling variants
such as "Kiev"/"Kyiv" are left literal. Pure functions over strings, no
models; `facts` and `vocabulary` are cached, so each sentence is parsed once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .words import (
    MONTH_NAMES,
    MONTHS,
    NUMBER_WORDS,
    ORDINAL,
    STOPWORDS,
    is_number,
    listed,
    normal,
    stem,
    word_lists,
    words,
)

META = listed("lists", "meta")
OPENERS = STOPWORDS | META | listed("lists", "openers")
AFTER = listed("lists", "date_prepositions")
CURRENCIES = listed("lists", "currencies")
SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6}


def is_name(word: str, first: bool) -> bool:
    """A capitalised word that names something; a sentence's first word only when it is no common opener."""
    if not any(part[:1].isupper() for part in word.split("-")) or is_number(word):  # "al-Jubeir" too
        return False
    return not first or normal(word) not in OPENERS


QUALIFIERS = listed("check", "qualifiers")  # another event of the same name: the men's final is not the women's


@dataclass(frozen=True)
class Facts:
    names: frozenset[str]  # normalised names ("lavrov", "us", "wimbledon")
    numbers: frozenset[str]  # normalised numbers, amounts as plain values ("1650000000" for "$1.65 billion")
    years: frozenset[int]
    months: frozenset[int]
    content: frozenset[str]  # stems of the other content words
    qualifiers: frozenset[str] = frozenset()  # "men", "doubles": which event of a name

    @property
    def hard(self) -> frozenset[str]:
        """What must be stated for a claim to hold: names, numbers and years."""
        return self.names | self.numbers


@functools.lru_cache(maxsize=16384)
def facts(text: str) -> Facts:
    """The facts stated in text.

    >>> f = facts("Lavrov met Kerry in New York on Sept. 27, 2015, and proposed a $1.65 billion deal.")
    >>> sorted(f.names), sorted(f.numbers), sorted(f.years), sorted(f.months)
    (['kerry', 'lavrov', 'new', 'york'], ['1650000000', '2015', '27'], [2015], [9])
    >>> sorted(f.content)
    ['deal', 'meet', 'propos']
    """
    names, numbers, content, years, months = set(), set(), set(), set(), set()
    tokens = words(text)
    # In Title Case Even "To", "Of" And "For" Are Capitals: capitals then say nothing about names.
    headline = sum(1 for t in tokens[1:] if t[:1].isupper() and t.lower() in STOPWORDS) >= 2
    first = True
    for i, tok in enumerate(tokens):
        low = normal(tok)
        nxt = normal(tokens[i + 1]) if i + 1 < len(tokens) else ""
        prev = normal(tokens[i - 1]) if i else ""
        if low in MONTHS and tok[:1].isupper() and (low not in ("may", "march") or nxt.isdigit() or prev in AFTER):
            months.add(MONTHS[low])
        elif is_number(tok):
            value = amount(ORDINAL.sub(r"\1", low), nxt)
            numbers.add(value)
            if re.fullmatch(r"(1[89]|20)\d\d", low):
                years.add(int(low))
        elif is_name(tok, first) and not headline and low not in SCALE:  # In A Headline Every Word Is Capital
            names.add(low)
        elif (
            low not in STOPWORDS and low not in OPENERS and len(low) > 2 and low not in SCALE and low not in CURRENCIES
        ):
            content.add(stem(low))
        first = tok.endswith(".") and not re.fullmatch(r"(\w\.)+", tok) and low not in ("mr", "mrs", "dr", "st")
    qualifiers = frozenset(normal(t) for t in tokens) & QUALIFIERS
    return Facts(
        frozenset(names), frozenset(numbers), frozenset(years), frozenset(months), frozenset(content), qualifiers
    )


def amount(number: str, unit: str) -> str:
    """'1.65' followed by 'billion' -> '1650000000'; other numbers as they are."""
    if unit in SCALE and re.fullmatch(r"\d+(\.\d+)?", number):
        return f"{float(number) * SCALE[unit]:.0f}"
    return number


KIND_WORDS = listed("check", "kind_words")  # "the premiere date": the answer gives the date itself
SYNONYMS = [frozenset(group.split()) for group in word_lists()["check"]["synonyms"]]


@functools.lru_cache(maxsize=16384)
def vocabulary(text: str) -> frozenset[str]:
    """Every normalised word and stem of text, its amounts, and numbers its words spell ("eleventh": "11").

    >>> sorted(vocabulary("The eleventh season cost $6 million.") - {"the", "season", "cost", "seasoncost",
    ...                                                                   "eleventhseason"})
    ['11', '6', '6000000', 'eleventh', 'million']
    """
    f = facts(text)
    tokens = [normal(w) for w in words(text)]
    every = set(tokens)
    every |= {NUMBER_WORDS[w] for w in every if w in NUMBER_WORDS} | {ORDINAL.sub(r"\1", w) for w in every}
    every |= {MONTH_NAMES[MONTHS[w]] for w in every if w in MONTHS}  # "Sept." holds "september"
    every |= {part for w in every if "-" in w for part in w.split("-") if part}  # "Russia-proposed" holds "proposed"
    every |= {joined for _, _, joined in _pairs(tokens)}  # "air strikes" holds "airstrikes"
    months = {f"month:{m}" for m in f.months}  # how a claim's months are looked up
    return frozenset(every | {stem(w) for w in every} | f.numbers | {str(y) for y in f.years} | months)


def compounds(text: str) -> list[tuple[str, str, str]]:
    """Each two neighbouring words of text (letters only, no stopwords) with their compound, which news writes
    either way ("air strikes" and "airstrikes", "cease fire" and "ceasefire").

    >>> compounds("The air strikes hit Raqqa.")
    [('air', 'strikes', 'airstrikes'), ('strikes', 'hit', 'strikeshit'), ('hit', 'raqqa', 'hitraqqa')]
    """
    return _pairs([normal(w) for w in words(text)])


def _pairs(tokens: list[str]) -> list[tuple[str, str, str]]:
    return [
        (a, b, a + b)
        for a, b in zip(tokens, tokens[1:])
        if a.isalpha() and b.isalpha() and a not in STOPWORDS and b not in STOPWORDS
    ]


def synonyms(word_stem: str) -> set[str]:
    """The stems of the words news text uses for the same thing, the stem itself included.

    >>> sorted(synonyms(stem("acquired")))
    ['acquir', 'acquisit', 'buy', 'purchas', 'takeov']
    """
    return set(_SYNONYM_STEMS.get(word_stem, {word_stem}))


_SYNONYM_STEMS = {st: group for group in (frozenset(stem(w) for w in g) for g in SYNONYMS) for st in group}


def date_facts(iso: str) -> tuple[set[int], set[int]]:
    """(years, months) of an ISO date: what an article's date adds to its sentences' context."""
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", iso or "")
    return ({int(m[1])}, {int(m[2])}) if m else (set(), set())
