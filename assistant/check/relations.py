"""What a claim asserts beyond its words, and the cues in the evidence that deny it (verify.py's rules 4-5).

Each function takes a claim (or its facts) and the evidence text and returns
"" when it finds nothing, else what the evidence says instead, for the
reader: a negation or hedge the claim drops ("is due to discuss" for
"discussed"), a claimed winner the evidence shows losing, someone else doing
what the claim's subject only reports ("According to Lavrov, Putin has
proposed ..."), a year the evidence names only as a bound ("since 2018"), a
name a list gives for another year, an estimate given as a result ("the
consensus ... is $5.1 billion"), a date made of the page's month and another
date's day, a two-word name the evidence has only apart ("CFDA Awards winners:
Brandon Maxwell" is no Maxwell Award). All by words and their order: no parser, no
model, so a rule fires only where its words are plain.
"""

from __future__ import annotations

import itertools
import re

from ..text.facts import Facts, amount, is_name, synonyms
from ..text.kinds import month_days, name_phrases
from ..text.words import MONTH_NAMES, STOPWORDS, listed, normal, stem, words

NEGATIONS = listed("check", "negations")
HEDGES = listed("check", "hedges")
# A contest: the claim says someone won; the evidence names them after "beat", or before "lost".
WON = {stem(w) for w in listed("check", "won")}
BEATEN_AFTER = listed("check", "beaten_after")
NO_WINNER = "nothing of who won"
LOST = listed("check", "lost")
CUE_REACH = 4  # a cue this many words or fewer before a word governs it
BOUNDS = listed("check", "bounds")  # "since 2018" is not 2018
EARLIER = re.compile(
    r"\b(?:(?:a|one|two|three|four|five|\d+) (?:years?|decades?) ago|last year|the previous year)\b", re.I
)
AUXILIARIES = listed("check", "auxiliaries")


ATTRIBUTION = re.compile(r"\baccording to (\w+(?: \w+)?)|(\w+) (?:said|says|told|added|noted)\b|\bsaid (\w+)\b", re.I)


def reported(claim: str, said: str) -> str:
    """When the claim says its subject did something that the evidence reports someone else doing, in the
    subject's words ("According to Lavrov, Putin has proposed ..." for "Lavrov proposed ..."): who did it."""
    tokens = words(claim)
    lead = list(itertools.takewhile(lambda t: is_name(t, False), tokens))
    after = [t for t in tokens[len(lead) :] if t.lower() not in AUXILIARIES][:1]
    verb = stem(after[0]) if after and after[0].islower() and after[0] not in STOPWORDS else ""  # not "said"
    subject = {normal(t) for t in lead}
    reporters = {normal(w) for m in ATTRIBUTION.finditer(said) for g in m.groups() if g for w in g.split()}
    if not subject or not verb or not subject & reporters:
        return ""
    seen = words(said)
    for i, tok in enumerate(seen):
        if "-" in tok or stem(tok) != verb:
            continue
        doer = next((t for t in reversed(seen[max(0, i - 6) : i]) if is_name(t, False)), "")
        if doer and normal(doer) not in subject:
            return f"{doer} {tok} it, according to {' '.join(lead)}"
    return ""


def year_in_another_role(asked: frozenset[int], said: str, dated: set[int]) -> list[str]:
    """The question's years the evidence names only as a bound of another time ("since 2018", "until 2019"),
    or has only from the page's date while it tells of an earlier time ("a year ago", "last year")."""
    off = []
    for year in sorted(asked):
        roles = [m.group(1) for m in re.finditer(rf"(\w+)?\W+{year}\b", f" {said}")]
        if roles and all((r or "").lower() in BOUNDS for r in roles):
            off.append(f"{year} (only as '{roles[0].lower()} {year}')")
        elif not roles and year in dated and EARLIER.search(said):
            off.append(f"{year} (the page's date; it tells of '{EARLIER.search(said).group()}')")
    return off


def loser(claim: Facts, new: set[str], said: str, claim_text: str = "") -> str:
    """For a claim that someone won: a name it gives as a winner that the evidence shows losing ("beat X",
    "X lost"). A name the claim itself shows losing ("Halep beats Serena Williams") is no claimed winner."""
    if not claim.content & WON:
        return ""
    tokens = [normal(w) for w in words(said)]
    if not {stem(t) for t in tokens} & WON:
        return NO_WINNER
    winners = (new & claim.names) - beaten([normal(w) for w in words(claim_text)])
    shown_losing = beaten(tokens)
    for i, tok in enumerate(tokens):
        if tok in winners and tok in shown_losing:
            return f"{tok.capitalize()} lost ({' '.join(tokens[max(0, i - 2) : i + 3])})"
    return ""


def beaten(tokens: list[str]) -> set[str]:
    """The words a text shows losing: those just after "beat", "defeated", "over", or just before "lost"."""
    return {
        tok
        for i, tok in enumerate(tokens)
        if set(tokens[max(0, i - 2) : i]) & BEATEN_AFTER or any(t in LOST for t in tokens[i + 1 : i + 3])
    }


def dropped_cue(claim: str, said: str, content: list[str]) -> str:
    """A negation or hedge the evidence puts on one of the claim's words and the claim leaves out."""
    claim_words = {w.lower() for w in words(claim)}
    tokens = [w.lower() for w in words(said.replace("n't", " n't"))]
    for i, tok in enumerate(tokens):
        window = {stem(t) for t in tokens[i + 1 : i + 1 + CUE_REACH]}
        if not any(synonyms(c) & window for c in content):
            continue
        if tok in NEGATIONS and not claim_words & NEGATIONS:
            return f'"{tok}" ({_governed_word(tokens, i)})'
        if tok in HEDGES and tok not in claim_words and not claim_words & HEDGES:
            return f'"{tok}" ({_governed_word(tokens, i)}), not that it happened'
    return ""


def _governed_word(tokens: list[str], i: int) -> str:
    return " ".join(tokens[i : i + 1 + CUE_REACH])


ESTIMATES = listed("check", "estimates")
YEAR = re.compile(r"^(?:1[89]|20)\d\d$")


def estimate(claim: str, new_numbers: set[str], said: str) -> str:
    """A number the claim states as a fact that the evidence gives as an estimate or forecast."""
    if {w.lower() for w in words(claim)} & ESTIMATES:
        return ""
    tokens = [normal(w) for w in words(said)]
    for i, tok in enumerate(tokens):
        value = amount(tok, tokens[i + 1] if i + 1 < len(tokens) else "")  # "5.146 billion" is 5146000000
        if {tok, value} & new_numbers and ESTIMATES & set(tokens[max(0, i - 10) : i]):
            cue = next(t for t in tokens[max(0, i - 10) : i] if t in ESTIMATES)
            return f'"{cue}": {tok} is an estimate, not a result'
    return ""


def named_for_another_year(new_names: set[str], asked_years: frozenset[int], said: str) -> str:
    """In a list of years ("2021, Daniil Medvedev ; 2020, Dominic Thiem ; 2019, Rafael Nadal"), a name the
    claim gives that the list puts under another year than the one asked: a year within six words before the
    name, or one nearer after it ("the 2019 prize ..., Olga Tokarczuk received it for 2018": 2018; "Peter Handke
    (born 1942)": none, no year comes before him)."""
    tokens = [normal(w) for w in words(said)]
    if not asked_years or len({t for t in tokens if YEAR.match(t)}) < 2:
        return ""
    for i, tok in enumerate(tokens):
        if tok in new_names:
            near = [(abs(j - i), j > i, tokens[j]) for j in range(max(0, i - 6), min(len(tokens), i + 7))
                    if j != i and YEAR.match(tokens[j])]  # fmt: skip
            year = min(near)[2] if any(not after for _, after, _ in near) else ""
            if year and int(year) not in asked_years:
                return f"{tok.capitalize()} under {year}"
    return ""


def days_apart(claim: str, said: str) -> list[str]:
    """The claim's dates with a day ("June 20") that the evidence does not state as one date: a page dated
    June 16 that tells of "20th October" states no June 20."""
    stated = set(month_days(said))
    return [f"{MONTH_NAMES[m].capitalize()} {d}" for m, d in month_days(claim) if (m, d) not in stated]


def phrases_apart(question: str, said: str) -> str:
    """A name of two or more words in the question ("Maxwell Award", "Winter Olympics") whose words the
    evidence has only apart ("CFDA Awards winners: Brandon Maxwell"), any order within one word's play."""
    tokens = [stem(w) for w in words(said)]
    for phrase in (p for p in name_phrases(question) if len(p) == 2):  # longer names vary more
        spots = [[i for i, t in enumerate(tokens) if t == stem(w)] for w in phrase]
        if all(spots) and not any(
            all(any(abs(i - j) <= len(phrase) for j in others) for others in spots) for i in spots[0]
        ):
            return " ".join(phrase)
    return ""
