"""The checkable facts of a text: names, numbers, dates and content words.

Evidence selection (evidence.py) and the citation check (verify.py) compare a
question or a claim with article sentences on these. Everything is normalised
so that the forms news text uses compare equal: "U.S." and "US", "Sept. 27"
and "September 27", "$1.65 billion" and "1.65 billion dollars", "1,000" and
"1000", "Lavrov's" and "Lavrov". Words are compared by a light stem
("proposed", "proposal" and "proposes" share "propos"). Spelling variants such
as "Kiev"/"Kyiv" are left literal. Pure functions over strings, no models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexical import STOPWORDS

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTH_NAMES = {n: name for name, n in MONTHS.items() if len(name) > 4 or name in ("may", "june", "july")}
# Capitalised words that open questions and sentences without naming anything.
# Words about the sources rather than the news: "the article states that ..." asserts nothing.
META = {"article", "articles", "state", "states", "stated", "evidence", "source", "sources", "passage", "report",
        "reported", "reports", "mention", "mentions", "mentioned", "according", "sentence", "text"}  # fmt: skip
OPENERS = STOPWORDS | META | {
    "according", "although", "but", "can", "could", "did", "does", "do", "during", "earlier", "even", "here",
    "however", "if", "in", "is", "it", "later", "meanwhile", "name", "now", "on", "our", "since", "still",
    "tell", "under", "until", "we", "while", "yes", "no", "not", "you", "your", "us", "list", "give", "explain",
}  # fmt: skip
IRREGULAR = {  # past forms news text uses, to their stems
    "won": "win", "wins": "win", "lost": "lose", "beaten": "beat", "beats": "beat", "met": "meet", "said": "say",
    "told": "tell", "took": "take", "taken": "take", "gave": "give", "given": "give", "sold": "sell",
    "bought": "buy", "led": "lead", "held": "hold", "made": "make", "became": "become", "began": "begin",
    "begun": "begin", "chose": "choose", "chosen": "choose", "fell": "fall", "fallen": "fall", "found": "find",
    "got": "get", "left": "leave", "paid": "pay", "ran": "run", "rose": "rise", "risen": "rise", "saw": "see",
    "seen": "see", "sent": "send", "spent": "spend", "spoke": "speak", "spoken": "speak", "stood": "stand",
    "struck": "strike", "thought": "think", "went": "go", "gone": "go", "wrote": "write", "written": "write",
    "knew": "know", "known": "know", "grew": "grow", "grown": "grow", "brought": "bring", "built": "build",
    "caught": "catch", "felt": "feel", "fought": "fight", "heard": "hear", "kept": "keep", "meant": "mean",
    "sought": "seek", "taught": "teach", "threw": "throw", "thrown": "throw", "drew": "draw", "drawn": "draw",
    "withdrew": "withdraw", "withdrawn": "withdraw", "ate": "eat", "flew": "fly", "flown": "fly", "hit": "hit",
    "shot": "shoot", "won't": "will", "winner": "win", "winners": "win", "loser": "lose", "losers": "lose", "slain": "slay", "killed": "kill", "dies": "die", "died": "die",
}  # fmt: skip
WORD = re.compile(r"[\w$£€]+(?:[.,'’&-][\w]+)*\.?")
AFTER = {"in", "of", "since", "until", "by", "from", "to", "early", "late", "mid", "last", "next", "this"}
ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")  # "11th" is 11
_UNITS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split()
)
_ORDINALS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split()
)
NUMBER_WORDS = {w: str(i) for words_ in (_UNITS, _ORDINALS) for i, w in enumerate(words_, 1)}
CURRENCIES = {"dollar", "dollars", "euro", "euros", "pound", "pounds", "yen", "cent", "cents", "usd", "eur"}
SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6}


def words(text: str) -> list[str]:
    """The word tokens of text, keeping "U.S.", "$10.4", "al-Assad" and "6–2" whole."""
    return WORD.findall(text.replace("’", "'").replace("–", "-"))


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


def stem(word: str) -> str:
    """A light stem: enough to match "proposed"/"proposal"/"proposes" and "won"/"wins", at most 6 letters.

    >>> [stem(w) for w in ("proposed", "proposal", "discussing", "armies", "won", "wins", "agree", "agreed")]
    ['propos', 'propos', 'discus', 'army', 'win', 'win', 'agre', 'agre']
    """
    w = normal(word)
    w = IRREGULAR.get(w, w)
    if not w.isalpha() or len(w) < 4:
        return w
    if len(w) == 4:
        return w[:3] if w.endswith("s") and not w.endswith(("ss", "us", "is")) else w
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("al", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= (3 if repl else 4):
            w = w[: -len(suffix)] + repl
            break
    if w.endswith("e") and len(w) > 4:  # "agree" and "agreed", "release" and "released" meet
        w = w[:-1]
    return w[:6]


def is_number(word: str) -> bool:
    return any(ch.isdigit() for ch in word)


def is_name(word: str, first: bool) -> bool:
    """A capitalised word that names something; a sentence's first word only when it is no common opener."""
    if not any(part[:1].isupper() for part in word.split("-")) or is_number(word):  # "al-Jubeir" too
        return False
    return not first or normal(word) not in OPENERS


# Words that make another event of the same name: the men's final is not the women's.
QUALIFIERS = {"men", "women", "mens", "womens", "doubles", "singles", "mixed", "junior", "juniors", "boys", "girls"}
QUALIFIER_FORMS = {  # the forms news text gives them: Wimbledon's "ladies' singles"
    "women": {"women", "woman", "ladies", "lady", "female", "wta"},
    "men": {"men", "man", "gentlemen", "gentleman", "male", "atp"},
}


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


# US states as news text abbreviates them (AP style): "Tampa, Fla." states "Florida".
STATES = {
    "ala": "alabama", "ariz": "arizona", "ark": "arkansas", "calif": "california", "colo": "colorado",
    "conn": "connecticut", "del": "delaware", "fla": "florida", "ga": "georgia", "ill": "illinois",
    "ind": "indiana", "kan": "kansas", "ky": "kentucky", "la": "louisiana", "md": "maryland",
    "mass": "massachusetts", "mich": "michigan", "minn": "minnesota", "miss": "mississippi", "mo": "missouri",
    "mont": "montana", "neb": "nebraska", "nev": "nevada", "okla": "oklahoma", "ore": "oregon",
    "pa": "pennsylvania", "tenn": "tennessee", "vt": "vermont", "va": "virginia", "wash": "washington",
    "wis": "wisconsin", "wyo": "wyoming",
}  # fmt: skip
_STATE = re.compile(r"\b(" + "|".join(a.capitalize() for a in STATES) + r")\.")
# Words a question uses for what it asks ("the premiere date", "the location"): the answer gives the thing
# itself (a date, a place), so the evidence need not repeat the word.
KIND_WORDS = {"date", "day", "year", "time", "location", "place", "name", "number", "amount", "who", "when"}
# Verbs news text uses for one another: a claim's "acquired" is stated by the evidence's "bought".
SYNONYMS = [
    {"acquire", "buy", "purchase", "takeover", "acquisition", "pay"},
    {"win", "champion", "title", "victory", "winner"},
    {"release", "launch", "debut", "premiere", "out", "arrive"},
    {"found", "establish", "create", "start", "set"},
    {"die", "kill", "death", "dead"},
    {"direct", "director", "helm"},
    {"movie", "film"},
    {"located", "held", "host", "hosted", "place", "venue", "played"},
]


def vocabulary(text: str) -> frozenset[str]:
    """Every normalised word and stem of text, its amounts, and numbers its words spell ("eleventh": "11").

    >>> sorted(vocabulary("The eleventh season cost $6 million.") - {"the", "season", "cost", "seaso", "seasoncost",
    ...                                                                   "eleventhseason"})
    ['11', '6', '6000000', 'eleven', 'eleventh', 'millio', 'million']
    """
    f = facts(text)
    tokens = [normal(w) for w in words(text)]
    every = set(tokens)
    every |= {NUMBER_WORDS[w] for w in every if w in NUMBER_WORDS} | {ORDINAL.sub(r"\1", w) for w in every}
    every |= {MONTH_NAMES[MONTHS[w]] for w in every if w in MONTHS}  # "Sept." holds "september"
    every |= {part for w in every if "-" in w for part in w.split("-") if part}  # "Russia-proposed" holds "proposed"
    every |= {STATES[m.lower()] for m in _STATE.findall(text)}
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
    ['acquir', 'acquis', 'buy', 'pay', 'purcha', 'takeov']
    """
    return set(_SYNONYM_STEMS.get(word_stem, {word_stem}))


_SYNONYM_STEMS = {st: group for group in (frozenset(stem(w) for w in g) for g in SYNONYMS) for st in group}


def date_facts(iso: str) -> tuple[set[int], set[int]]:
    """(years, months) of an ISO date: what an article's date adds to its sentences' context."""
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", iso or "")
    return ({int(m[1])}, {int(m[2])}) if m else (set(), set())
