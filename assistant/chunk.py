"""Split an article into overlapping, sentence-aligned passages.

Pure functions over strings: `sentence_spans` finds sentence boundaries,
`pack_spans` groups them into windows of about `size` characters that overlap
by whole sentences, and `chunk_article` turns an Article into Chunks carrying
its metadata and their character offsets. Nothing here embeds or stores.
"""

from __future__ import annotations

import re

from .records import Article, Chunk

CHUNKER_VERSION = 3  # bump when boundaries change: stored articles are then chunked again

# Words after which a full stop does not end a sentence.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "st", "jr", "sr",
    "inc", "ltd", "co", "corp", "vs", "etc", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "u.s", "u.n", "u.k", "e.g", "i.e", "a.m", "p.m",
}  # fmt: skip
SENTENCE_OPENERS = {
    "the", "a", "an", "he", "she", "it", "they", "we", "i", "but", "and", "in", "on", "at", "this", "that",
    "these", "those", "there", "its", "his", "her", "their", "after", "before", "when", "while", "if", "as",
    "so", "yet", "however", "meanwhile", "for", "from", "with", "officials", "both",
}  # fmt: skip
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


def split_long(span: tuple[int, int], text: str, size: int) -> list[tuple[int, int]]:
    """Cut a span longer than size at word boundaries."""
    start, end = span
    out = []
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        cut = cut if cut > start else start + size
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    out.append((start, end))
    return out


def is_heading(line: str) -> bool:
    """A section heading: a Markdown heading, or a short line that ends no sentence.

    >>> [is_heading(x) for x in ("### **Proposed Coalition**", "Kerry met Lavrov.", "Talks resume")]
    [True, False, True]
    """
    return line.startswith("#") or (len(line) < 60 and "\n" not in line and line.rstrip("*_ ")[-1:] not in '.!?"”’:')


def pack_spans(
    spans: list[tuple[int, int]], size: int, overlap: int, headings: frozenset[int] = frozenset()
) -> list[tuple[int, int]]:
    """Group consecutive sentence spans into windows of at most ~size characters.

    Each new window starts with the last sentences of the previous one, as many
    as fit in `overlap` characters, so a fact cut at a border is whole in one.
    A heading (an index in `headings`) never ends a window: it opens the next
    one, with no overlap reaching back over it into the previous section.

    >>> pack_spans([(0, 10), (11, 20), (21, 30)], size=20, overlap=9)
    [(0, 20), (11, 30)]
    >>> pack_spans([(0, 10), (11, 15), (16, 30)], size=20, overlap=9, headings=frozenset({1}))
    [(0, 10), (11, 30)]
    """
    windows: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        j = i
        while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= size:
            j += 1
        section_break = False
        while j > i and j in headings and j + 1 < len(spans):
            j, section_break = j - 1, True
        windows.append((spans[i][0], spans[j][1]))
        if j + 1 >= len(spans):
            break
        k = j + 1  # next window's first sentence: step back while the overlap allows
        while not section_break and k - 1 > i and spans[j][1] - spans[k - 1][0] <= overlap:
            k -= 1
        i = k
    return windows


def chunk_text(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    spans = [piece for span in sentence_spans(text) for piece in split_long(span, text, size)]
    headings = frozenset(n for n, (a, b) in enumerate(spans) if n and is_heading(text[a:b]))
    return pack_spans(spans, size, overlap, headings)


def chunk_article(article: Article, size: int, overlap: int, also: str = "", chunker: str = "") -> list[Chunk]:
    windows = chunk_text(article.text, size, overlap)
    return [
        Chunk(
            id=f"{article.id}:{i}",
            article_id=article.id,
            index=i,
            text=article.text[start:end],
            start=start,
            end=end,
            source=article.source,
            title=article.title,
            date=article.date,
            outlet=article.outlet,
            url=article.url,
            root=article.root,
            path=article.path,
            folder=article.folder,
            also=also,
            chunker=chunker,
            article_sha256=article.sha256,
            n_chunks=len(windows),
        )
        for i, (start, end) in enumerate(windows)
    ]


def stitch(chunks: list[Chunk]) -> str:
    r"""An article's text rebuilt from its chunks (in order), each character at its offset in the article.

    Overlapping chunks add what extends past the text so far; a gap between two (whitespace the chunker
    did not store) becomes as many newlines.
    >>> stitch([Chunk("a:0", "a", 0, "One two.", 0, 8, "a.txt", "A"), Chunk("a:1", "a", 1, "Three.", 10, 16, "a.txt", "A")])
    'One two.\n\nThree.'
    """
    text = ""
    for c in chunks:
        text += c.text[len(text) - c.start :] if c.start <= len(text) else "\n" * (c.start - len(text)) + c.text
    return text
