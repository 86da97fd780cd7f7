"""The shape of an answer: the grammar the model writes in, and its [n] markers mapped to evidence.

`answer_grammar` is a GBNF grammar for llama.cpp: the reply is either the
fixed not-found sentence or one to three sentences, each ending with markers
that name evidence items that exist, so a citation cannot point at nothing.
`resolve_citations` rewrites every marker group ("[1, 3]", "[2][5]") to the
plain form "[1][3]", drops numbers that name no evidence (and reports them;
a server without grammar support can still write them), and returns one
Citation per evidence item cited, in order of first mention.
`is_abstention` recognises the fixed "not in the articles" sentence.
Checking that the evidence really supports its sentence lives in verify.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from ..records import Citation, Evidence

MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


def marker_numbers(group: str) -> list[int]:
    """'1, 3' -> [1, 3]"""
    return [int(x) for x in re.findall(r"\d+", group)]


def answer_grammar(count: int, not_found: str) -> str:
    """GBNF: the not-found sentence, or 1-3 sentences each ending " [n]." with n naming evidence 1..count.

    >>> print(answer_grammar(2, "Not found.").splitlines()[-1])
    number ::= "2" | "1"
    """
    numbers = " | ".join(f'"{n}"' for n in range(count, 0, -1))  # "12" before "1": longest first
    return "\n".join(
        [
            'root ::= notfound | claim (" " claim)? (" " claim)?',
            f"notfound ::= {json.dumps(not_found)}",
            'claim ::= [^\\[\\]\\n]+ " [" number "]" ("[" number "]")? "."',
            f"number ::= {numbers}",
        ]
    )


def resolve_citations(text: str, evidence: Sequence[Evidence]) -> tuple[str, list[Citation], list[int]]:
    """Return (text with clean markers, citations in order of first mention, invalid numbers).

    >>> from assistant.records import Chunk, Evidence, Hit
    >>> e = [Evidence(1, Hit(Chunk("a:0", "a", 0, "x", 0, 1, "a.txt", "A"), 0.9), "x", 0, 1)]
    >>> t, cites, bad = resolve_citations("Yes. [1, 4].", e)
    >>> t, [c.n for c in cites], bad
    ('Yes [1].', [1], [4])
    """
    cited: dict[int, Citation] = {}
    invalid: list[int] = []

    def rewrite(m: re.Match) -> str:
        kept = []
        for n in marker_numbers(m.group(1)):
            if 1 <= n <= len(evidence):
                item = evidence[n - 1]
                cited.setdefault(n, Citation(n=n, hit=item.hit, quote=item.text, evidence=item))
                if n not in kept:
                    kept.append(n)
            elif n not in invalid:
                invalid.append(n)
        return "".join(f"[{n}]" for n in kept)

    clean = MARKER.sub(rewrite, text)
    clean = re.sub(r"[ \t]+([.,;:])", r"\1", clean)  # " ." left by a dropped marker
    clean = re.sub(r"[.!?]\s*((?:\[\d+\])+)\.", r" \1.", clean)  # "York. [2]." -> "York [2]."
    return clean.strip(), list(cited.values()), invalid


def _normal(text: str) -> str:
    text = MARKER.sub(" ", text.lower().replace("’", "'"))
    return " ".join(re.findall(r"[a-z0-9']+", text))


def is_abstention(answer: str, sentence: str) -> bool:
    """True when the answer is, or opens with, the fixed not-found sentence, or a sentence that says the same
    in nearly its words (the model's "The article does not contain the answer ...").

    >>> fixed = "The articles do not contain the answer to this question."
    >>> is_abstention("The articles do not contain the answer to this question. [1]", fixed)
    True
    >>> is_abstention("The article does not contain the answer to this question [1].", fixed)
    True
    >>> is_abstention("The articles say Kerry met Lavrov, not that they agreed on the question.", fixed)
    False
    """
    said, fixed = _normal(answer), _normal(sentence)
    if not fixed:
        return False
    if said.startswith(fixed):
        return True
    first = _normal(re.split(r"(?<=[.!?])\s", answer.strip(), maxsplit=1)[0]).split()
    wanted = {w.rstrip("s") for w in fixed.split()}
    shared = wanted & {w.rstrip("s") for w in first}
    return len(shared) >= 0.8 * len(wanted) and len(first) <= len(wanted) + 2
