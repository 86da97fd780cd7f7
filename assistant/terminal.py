"""What the terminal shows: a checked answer with its sources, and a timeline (cli.py prints them)."""

from __future__ import annotations

import re

from .across import ArticleLine


def format_answer(answer, streamed: str = "") -> str:
    """The checked answer (when checking changed what streamed), its flags and its sources, for a terminal."""
    lines = ["", ""] if streamed else []
    if re.sub(r"[\s.]+", "", answer.text) != re.sub(r"[\s.]+", "", streamed):  # not for "afternoon. [2]."
        lines += [("Checked answer: " if streamed else "") + answer.text, ""]
    if answer.standalone_question != answer.question:
        lines.insert(0, f"(searched for: {answer.standalone_question})\n")
    if answer.dates:
        lines.insert(len(lines) - 1 if streamed else 0, f"(dates: {answer.dates})" + ("" if streamed else "\n"))
    lines += [f"! {w}" for w in answer.warnings]
    lines += [f"! Not supported: {s.text} ({s.reason})" for s in answer.sentences if s.flag]
    if answer.citations:
        lines.append("Sources:")
    for c in answer.citations:
        ch = c.hit.chunk
        details = ", ".join(x for x in (ch.outlet, ch.date) if x)
        verdict = "" if c.supported is not False else "  [does NOT support the sentence citing it]"
        lines.append(f"[{c.n}] {ch.title}{f' ({details})' if details else ''}: {ch.source}{verdict}")
        if not answer.lines:  # an answer across articles quotes its sources whole already
            lines.append("    " + " ".join((c.quote or ch.text).split())[:400])
    if answer.abstained and answer.evidence:
        lines.append("Closest evidence found:")
        lines += [f"  - {e.text[:200]} ({e.hit.chunk.source})" for e in answer.evidence[:3]]
    return "\n".join(lines).rstrip()


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
