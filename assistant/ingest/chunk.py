"""Split an article into overlapping, sentence-aligned passages.

Pure functions over strings: over the sentences text/sentences.py finds,
`pack_spans` groups them into windows of about `size` characters that overlap
by whole sentences, and `chunk_article` turns an Article into Chunks carrying
its metadata and their character offsets. Nothing here embeds or stores.
"""

from __future__ import annotations

from ..records import Article, Chunk
from ..text.sentences import is_heading, sentence_spans

CHUNKER_VERSION = 3  # bump when boundaries change: stored articles are then chunked again


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
