"""The one text layer: tokens, stems, stop words, months and number words, and the word lists.

Retrieval's query terms, evidence scoring, candidate spans, the citation check
and the dates a question means all split and compare words here, the same
way. A word is taken to its dictionary form by simplemma's English lemma
tables ("met" is "meet", "paid" is "pay"), then stemmed by the Snowball
English stemmer (snowballstemmer, the Porter2 algorithm), so "proposed",
"proposal" and "proposes" meet: two maintained libraries, no irregular table
of ours. Every hand-written word list lives in
`assistant/data/words.toml`, so a change to one is a visible diff. Pure
functions over strings; results are cached, so a sentence is parsed once.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources

import simplemma
import snowballstemmer


@functools.cache
def word_lists() -> dict:
    """assistant/data/words.toml, read once."""
    return tomllib.loads(resources.files("assistant.data").joinpath("words.toml").read_text(encoding="utf-8"))


def listed(section: str, name: str) -> frozenset[str]:
    """One space-separated list of words.toml: listed("check", "negations")."""
    return frozenset(word_lists()[section][name].split())


STOPWORDS = frozenset(word_lists()["stopwords"].split())
MONTHS: dict[str, int] = dict(word_lists()["months"])
MONTH_NAMES = {n: name for name, n in MONTHS.items() if len(name) > 4 or name in ("may", "june", "july")}
WEEKDAYS = listed("lists", "weekdays")
# A month as news text writes it, for regular expressions: "september", "sept.", "sep" (with re.I), and
# capitalised ("September", "Sept."), as a date in running text writes it.
MONTH_PATTERN = "|".join(sorted((rf"{m}\.?" for m in MONTHS), key=len, reverse=True))
MONTH_CAPITAL = "|".join(sorted((rf"{m.capitalize()}\.?" for m in MONTHS), key=len, reverse=True))
NUMBER_WORDS = {w: str(i) for key in ("units", "ordinals") for i, w in enumerate(word_lists()["lists"][key].split(), 1)}
ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")  # "11th" is 11
WORD = re.compile(r"[\w$£€]+(?:[.,'’&-][\w]+)*\.?")
_STEMMER = snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """The word tokens of text, keeping "U.S.", "$10.4", "al-Assad" and "6–2" whole.

    >>> words("Lavrov’s U.S. trip cost $10.4 billion, 6–2.")
    ["Lavrov's", 'U.S.', 'trip', 'cost', '$10.4', 'billion', '6-2.']
    """
    return WORD.findall(text.replace("’", "'").replace("–", "-"))


@functools.lru_cache(maxsize=65536)
def normal(word: str) -> str:
    """A word as compared: lower case, no dots or possessive, currency signs dropped.

    >>> [normal(w) for w in ("U.S.", "Lavrov's", "$10.4", "1,000")]
    ['us', 'lavrov', '10.4', '1000']
    """
    w = word.lower().lstrip("$£€")
    w = re.sub(r"'s?$", "", w)
    if re.fullmatch(r"[\d,.]+", w):
        w = w.rstrip(".")
        return w.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", w) else w
    return w.replace(".", "")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a word's lemma, normalised first; numbers and short words stay as they are.

    >>> [stem(w) for w in ("proposed", "proposal", "discussing", "armies", "met", "meets", "paid", "1,000")]
    ['propos', 'propos', 'discuss', 'armi', 'meet', 'meet', 'pay', '1000']
    """
    w = normal(word)
    if not (w.isalpha() and len(w) > 2):
        return w
    return _STEMMER.stemWord(simplemma.lemmatize(w, lang="en").lower())


def terms(text: str) -> list[str]:
    """The normalised words of text worth matching: stop words out, each once, in order.

    >>> terms("What did Lavrov say about the $39.99 deal?")
    ['lavrov', '39.99', 'deal']
    """
    return [t for t in dict.fromkeys(normal(w) for w in words(text)) if t and t not in STOPWORDS]


def is_number(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def is_month(word: str) -> bool:
    return normal(word) in MONTHS


def yes_no(question: str) -> bool:
    """Whether a question is answered yes or no: it opens with an auxiliary verb ("Did Lavrov agree ...?").

    >>> yes_no("Did Lavrov agree to a joint approach?"), yes_no("What did Lavrov agree?")
    (True, False)
    """
    first = words(question)[:1]
    return bool(first) and first[0].lower() in listed("lists", "yes_no_openers")
