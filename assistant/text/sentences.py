"""Sentences and headings: where a sentence of news text ends, and which lines are section headings.

Pure functions over strings, used by chunking (ingest/chunk.py), evidence and the check alike, so all three
cut a text into the same sentences. Nothing here knows about articles or chunks.
"""

from __future__ import annotations

import re

from .words import MONTH_CAPITAL, listed

ABBREVIATIONS = listed("lists", "abbreviations")  # a full stop after them ends no sentence
SENTENCE_OPENERS = listed("lists", "sentence_openers")
_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+|\n\s*\n")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of text, blank lines always ending one.

    >>> t = "Mr. Lavrov spoke. He met the U.S. Secretary of State in the U.S. on Friday! Then left the U.S. The end."
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['Mr. Lavrov spoke.', 'He met the U.S. Secretary of State in the U.S. on Friday!', 'Then left the U.S.', 'The end.']
    """
    spans, start = [], 0
    for m in _END.finditer(text):
        end = m.end()
        boundary = m.group()
        if "\n\n" not in boundary.replace(" ", "") and not _ends_sentence(text, m.start(), end):
            continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def _ends_sentence(text: str, dot: int, after: int) -> bool:
    word = re.search(r"([\w.]+)$", text[max(0, dot - 40) : dot])  # bounded look-back: linear time
    if text[dot] == "." and word:
        w = word.group(1).lower()
        if w in ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
            # "the U.S. Open", "U.S. Secretary" go on; "in the U.S. The next day" ends: only a word that
            # opens sentences ends one after U.S., U.N., U.K. or etc.; after Mr., Jan. or "J." nothing does.
            nxt = re.match(r"\w*", text[after : after + 20]).group().lower()
            if w not in {"u.s", "u.n", "u.k", "etc"} or nxt not in SENTENCE_OPENERS:
                return False
    nxt = text[after : after + 1]
    return not nxt or not nxt.islower()


def _add_span(text: str, start: int, end: int, spans: list) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def is_heading(line: str) -> bool:
    """A section heading: a Markdown heading, or a short line that ends no sentence.

    >>> [is_heading(x) for x in ("### **Proposed Coalition**", "Kerry met Lavrov.", "Talks resume")]
    [True, False, True]
    """
    return line.startswith("#") or (len(line) < 60 and "\n" not in line and line.rstrip("*_ ")[-1:] not in '.!?"”’:')


STAMP = re.compile(  # a snippet's date stamp: "Jun 16, 2023 ... " or "3 days ago - "
    rf"^\s*(?:(?:{MONTH_CAPITAL}) \d{{1,2}},? \d{{4}}|\d+ (?:minutes?|hours?|days?|weeks?) ago)\s*(?:\.\.\.|…|[-—|·])\s*"
)


def undated(text: str) -> str:
    """Text without the date stamp a snippet may open with ("Jun 16, 2023 ... ")."""
    stamp = STAMP.match(text)
    return text[stamp.end() :] if stamp else text
