"""Map the [n] markers of a generated answer to the passages they name.

`resolve_citations` rewrites every marker group ("[1, 3]", "[2][5]") to the
plain form "[1][3]", drops numbers that name no passage (and reports them), and
returns one Citation per passage cited, in order of first mention.
`is_abstention` recognises the fixed "not in the articles" sentence.
Checking that a passage really supports its sentence lives in verify.py.
"""

from __future__ import annotations

import re

from .records import Citation, Hit

MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


def marker_numbers(group: str) -> list[int]:
    """'1, 3' -> [1, 3]"""
    return [int(x) for x in re.findall(r"\d+", group)]


def resolve_citations(text: str, hits: list[Hit]) -> tuple[str, list[Citation], list[int]]:
    """Return (text with clean markers, citations in order of first mention, invalid numbers).

    >>> from assistant.records import Chunk, Hit
    >>> h = [Hit(Chunk("a:0", "a", 0, "x", 0, 1, "a.txt", "A"), 0.9)]
    >>> t, cites, bad = resolve_citations("Yes [1, 4].", h)
    >>> t, [c.n for c in cites], bad
    ('Yes [1].', [1], [4])
    """
    cited: dict[int, Citation] = {}
    invalid: list[int] = []

    def rewrite(m: re.Match) -> str:
        kept = []
        for n in marker_numbers(m.group(1)):
            if 1 <= n <= len(hits):
                cited.setdefault(n, Citation(n=n, hit=hits[n - 1]))
                if n not in kept:
                    kept.append(n)
            elif n not in invalid:
                invalid.append(n)
        return "".join(f"[{n}]" for n in kept)

    clean = MARKER.sub(rewrite, text)
    clean = re.sub(r"[ \t]+([.,;:])", r"\1", clean)  # " ." left by a dropped marker
    return clean.strip(), list(cited.values()), invalid


def _normal(text: str) -> str:
    text = MARKER.sub(" ", text.lower().replace("’", "'"))
    return " ".join(re.findall(r"[a-z0-9']+", text))


def is_abstention(answer: str, sentence: str) -> bool:
    """True when the answer is, or opens with, the fixed not-found sentence.

    >>> is_abstention("The articles do not say. [1]", "The articles do not say.")
    True
    """
    said, fixed = _normal(answer), _normal(sentence)
    return bool(fixed) and said.startswith(fixed)
