"""The chat page's HTML for answers and their evidence: markers, evidence cards, the article viewer.

Pure functions from records to escaped HTML (web.py wires them into Gradio).
The sources panel shows the evidence the model was given, one card per
article (title, outlet, date, file), each evidence sentence numbered as in the
answer, with id `src-<turn>-<n>` so that a marker [n] in the answer links to
it. It is shown as soon as the evidence is chosen, before the model writes;
when the answer is checked, the sentences it cites are highlighted with their
verdict. A card opens its whole article with the evidence sentences marked at
their offsets. Every piece of article and answer text is HTML-escaped.
"""

from __future__ import annotations

import html
import re

from ..answer.across import ArticleLine, quoted, spoken_date
from ..check.cite import MARKER
from ..records import Answer, Citation, Evidence


def link_markers(text: str, turn: int) -> str:
    """Make each marker a link to its evidence sentence of this turn.

    >>> link_markers("Yes [2][3]. No [1: unsupported].", 4)
    'Yes [[2]](#src-4-2)[[3]](#src-4-3). No [[1: unsupported]](#src-4-1).'
    """
    text = MARKER.sub(lambda m: "".join(f"[[{n}]](#src-{turn}-{n})" for n in re.findall(r"\d+", m.group(1))), text)
    return re.sub(r"\[(\d+): unsupported\]", lambda m: f"[[{m[1]}: unsupported]](#src-{turn}-{m[1]})", text)


def evidence_cards(evidence: list[Evidence], turn: int, citations: list[Citation] = (), numbered: bool = True) -> str:
    """One card per article holding its evidence sentences; cited ones marked with their verdict."""
    by_n = {c.n: c for c in citations}
    groups: dict[str, list[Evidence]] = {}
    for item in evidence:
        groups.setdefault(item.hit.chunk.article_id, []).append(item)
    cards = []
    for items in groups.values():
        ch = items[0].hit.chunk
        rows = "".join(_sentence(e, turn, by_n.get(e.n), numbered) for e in items)
        spans = ",".join(f"{e.start}-{e.end}" for e in items)
        cards.append(
            f'<details class="source-card" open><summary>{html.escape(ch.title or ch.source)}</summary>{_meta(ch)}'
            f'<div class="evidence">{rows}</div>{_opener(ch.article_id, spans)}</details>'
        )
    return "\n".join(cards)


def _sentence(e: Evidence, turn: int, c: Citation | None, numbered: bool) -> str:
    text = html.escape(e.text)
    if not numbered:
        return f'<p class="sentence">{text}</p>'
    verdict, kind = "", "sentence"
    if c is not None:
        if c.supported is False:
            kind, verdict = "sentence unsupported", "cited, but it does not state what the answer says"
        else:
            kind, text = "sentence cited", _marked(e.text, c.answer)
            verdict = {"checker": "attached by the citation check", "quote": "quoted"}.get(c.origin, "cited")
            verdict += f", support {c.support:.2f}" if c.support is not None and c.origin != "quote" else ""
    note = f' <span class="verdict">({verdict})</span>' if verdict else ""
    return f'<p class="{kind}" id="src-{turn}-{e.n}">[{e.n}] {text}{note}</p>'


def _marked(sentence: str, answer: str) -> str:
    """The sentence escaped, with the answer read from it (a span, reading.py) marked; all of it when none is."""
    at = sentence.find(answer) if answer else -1
    if at < 0 or answer == sentence:
        return f"<mark>{html.escape(sentence)}</mark>"
    after = at + len(answer)
    return f"{html.escape(sentence[:at])}<mark>{html.escape(answer)}</mark>{html.escape(sentence[after:])}"


def _meta(ch) -> str:
    return '<div class="meta">' + " · ".join(html.escape(x) for x in (ch.outlet, ch.date, ch.source) if x) + "</div>"


def _opener(article_id: str, spans: str = "") -> str:
    return (
        f'<button class="open-article" data-article="{html.escape(article_id)}" data-spans="{html.escape(spans)}">'
        "Open the full article</button>"
    )


def sources_html(answer: Answer | None, turn: int, evidence: list[Evidence] | None = None) -> str:
    """The sources panel: the evidence while the model writes (`evidence`), then the checked answer's."""
    if answer is None and evidence is None:
        return "<p>The evidence for an answer appears here.</p>"
    if answer is None:
        head = "<p>Evidence found; the answer is being written from it:</p>" if evidence else ""
        return head + evidence_cards(evidence, turn) or "<p>No passage found.</p>"
    parts = []
    if answer.standalone_question != answer.question:
        parts.append(f"<p><b>Searched for:</b> {html.escape(answer.standalone_question)}</p>")
    if answer.abstained:
        if answer.evidence:
            parts.append("<p>No sentence of the articles answers this question. Closest evidence found:</p>")
        parts.append(evidence_cards(answer.evidence, turn, numbered=False))
    else:
        parts.append(evidence_cards(answer.evidence, turn, answer.citations))
    return "\n".join(p for p in parts if p) or "<p>No sources.</p>"


def answer_text(answer: Answer, turn: int) -> str:
    """The answer for the chat: markers linked to their evidence, then warnings and each flagged sentence; the
    dates the question meant first, and one paragraph per article for an answer across articles."""
    text = chat_text(answer.text).replace("\n", "\n\n")
    if answer.dates:
        text = f"*Dates: {chat_text(answer.dates)}*\n\n{text}"
    notes = [f"⚠ {chat_text(w)}" for w in answer.warnings]  # for a withheld answer: why it was withheld
    if answer.abstained:
        return text + "".join(f"\n\n{n}" for n in notes)
    notes += [f"⚠ Not supported: “{chat_text(s.text)}” ({chat_text(s.reason)})" for s in answer.sentences if s.flag]
    return link_markers(text, turn) + "".join(f"\n\n{n}" for n in notes)


def timeline_html(lines: list[ArticleLine], dates: str = "", topic: str = "") -> str:
    """The Timeline tab: one card per article in date order (date, outlet, title, file), its sentences about the
    topic quoted with their offsets, and a button that opens the article with them marked."""
    if not lines:
        return f"<p>No article bears on “{html.escape(topic)}”.</p>" if topic else "<p>The timeline appears here.</p>"
    cards = [f"<p><b>Dates:</b> {html.escape(dates)}</p>"] if dates else []
    for line in lines:
        c = line.chunk
        rows = "".join(
            f'<p class="sentence">{html.escape(quoted(e.text))} <span class="verdict">(characters {e.start}-{e.end})</span></p>'
            for e in line.evidence
        )
        spans = ",".join(f"{e.start}-{e.end}" for e in line.evidence)
        when = html.escape(spoken_date(c.date) if c.date else "undated")
        cards.append(
            f'<div class="source-card timeline-entry"><div class="when"><b>{when}</b></div>'
            f"<b>{html.escape(c.title or c.source)}</b>{_meta(c)}<div class='evidence'>{rows}</div>"
            f"{_opener(c.article_id, spans)}</div>"
        )
    return "\n".join(cards)


def article_html(article: dict, spans: str = "") -> str:
    """The whole article, escaped, with the evidence sentences (offsets "start-end,...") marked."""
    text, marks = article["text"], sorted(_spans(spans, len(article["text"])))
    body, pos = [], 0
    for start, end in marks:
        if start >= pos:
            body += [html.escape(text[pos:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
            pos = end
    body.append(html.escape(text[pos:]))
    details = " · ".join(
        html.escape(x) for x in (article["outlet"], article["date"], article["source"], article["url"]) if x
    )
    return (
        f"<div class='source-card'><b>{html.escape(article['title'])}</b><div class='meta'>{details}</div>"
        f"<div class='passage'>{''.join(body)}</div></div>"
    )


def _spans(spans: str, length: int) -> list[tuple[int, int]]:
    """'12-40,50-90' -> [(12, 40), (50, 90)]; anything malformed or out of the text is ignored."""
    found = []
    for part in str(spans or "").split(","):
        m = re.fullmatch(r"(\d{1,9})-(\d{1,9})", part.strip())
        if m and int(m[1]) < int(m[2]) <= length:
            found.append((int(m[1]), int(m[2])))
    return found


def chat_text(text: str) -> str:
    """Chat text: markup escaped, quotes left readable (chat messages are never inside attributes)."""
    return html.escape(text, quote=False)
