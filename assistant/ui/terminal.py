"""What the terminal shows: a checked answer with its sources, and a timeline (cli.py prints them)."""

from __future__ import annotations

import re

from ..answer.across import ArticleLine


def format_answer(answer, streamed: str = "") -> str:
    """The checked answer (when checking changed what streamed), its flags and its sources, for a terminal."""
    notes = [f"(dates: {answer.dates})"] if answer.dates else []
    if answer.standalone_question != answer.question:
        notes.append(f"(searched for: {answer.standalone_question})")
    lines = ["", *notes, ""] if streamed else [*notes, ""] if notes else []
    if re.sub(r"[\s.]+", "", answer.text) != re.sub(r"[\s.]+", "", streamed):  # not for "afternoon. [2]."
        lines += [("Checked answer: " if streamed else "") + answer.text, ""]
    lines += [f"! {w}" for w in answer.warnings]
    lines += [f"! Not supported: {s.text} ({s.reason})" for s in answer.sentences if s.flag]
    if answer.citations:
        lines.append("Sources:")
    if answer.lines:  # an answer across articles quotes its sources already: one line per article
        lines += [f"{''.join(f'[{e.n}]' for e in x.evidence)} {_article(x.chunk)}" for x in answer.lines]
    for c in [] if answer.lines else answer.citations:
        ch = c.hit.chunk
        verdict = "" if c.supported is not False else "  [does NOT support the sentence citing it]"
        lines.append(f"[{c.n}] {_article(ch)}{verdict}")
        lines.append("    " + " ".join((c.quote or ch.text).split())[:400])
    if answer.abstained and answer.evidence:
        lines.append("Closest evidence found:")
        lines += [f"  - {e.text[:200]} ({e.hit.chunk.source})" for e in answer.evidence[:3]]
    return "\n".join(lines).rstrip()


def _article(chunk) -> str:
    """'Title (outlet, date): file'"""
    details = ", ".join(x for x in (chunk.outlet, chunk.date) if x)
    return f"{chunk.title}{f' ({details})' if details else ''}: {chunk.source}"


def format_timeline(topic: str, lines: list[ArticleLine], dates: str = "") -> str:
    """One block per article, in date order: its date, outlet and title, then its sentences about the topic,
    each with its offsets in the article."""
    if not lines:
        return f"No article bears on {topic!r}."
    out = [f"(dates: {dates})", ""] if dates else []
    for line in lines:
        c = line.chunk
        out.append(f"{c.date or 'undated'}  {c.outlet or '(no outlet)'}: {c.title} ({c.source})")
        out += [f'    [{e.n}] "{e.text}" (characters {e.start}-{e.end})' for e in line.evidence]
    return "\n".join(out)
