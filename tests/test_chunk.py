"""Chunking invariants, and what read.py takes from an article's header, on the forms real articles use.

The invariants hold for every text: the sample articles, a slice of the BBC corpus (when
../shared/corpus/bbc is present), generated texts, a text without spaces. The header heuristics are
checked on each sample article's own form and on every BBC article (title on the first line, no date or
byline).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from assistant.ingest.chunk import chunk_article, chunk_text, split_long
from assistant.ingest.read import extract_metadata, make_article, read_article
from assistant.text.sentences import is_heading, sentence_spans
from tests.fakes import ARTICLES, SHARED

BBC = SHARED / "corpus" / "bbc"
BBC_FILES = sorted(BBC.rglob("*.txt")) if BBC.is_dir() else []
needs_bbc = pytest.mark.skipif(not BBC_FILES, reason="../shared/corpus/bbc not present")
SIZES = [(700, 150), (300, 60), (120, 0), (2000, 500)]


def generated(seed: int) -> str:
    """Paragraphs of sentences of random lengths, some headings, some very long words and sentences."""
    rng = random.Random(seed)
    words = "Kerry Lavrov met in Kuala Lumpur on Aug. 5 the U.S. and Russia talks coalition ferry 39.99".split()
    paragraphs = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.2:
            paragraphs.append(rng.choice(["## Talks resume", "Proposed Coalition", "**Background**"]))
        sentences = [
            " ".join(rng.choice(words) for _ in range(rng.randint(1, 60 if rng.random() < 0.9 else 400))) + "."
            for _ in range(rng.randint(1, 8))
        ]
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def texts() -> list[tuple[str, str]]:
    found = [(f.name, read_article(f, "articles", f.name, 10**7).text) for f in sorted(ARTICLES.iterdir())]
    found += [(str(f.relative_to(BBC)), read_article(f, "bbc", f.name, 10**7).text) for f in BBC_FILES[::25]]
    found += [(f"generated {seed}", generated(seed)) for seed in range(40)]
    found += [("no spaces", "x" * 5000), ("one word", "Palmyra"), ("a long line", "word " * 3000)]
    return found


@pytest.mark.parametrize("size, overlap", SIZES)
def test_chunks_cover_the_text_within_their_size_and_overlap(size, overlap):
    for name, text in texts():
        windows = chunk_text(text, size, overlap)
        assert windows, name
        covered = [False] * len(text)
        for (start, end), (next_start, next_end) in zip(windows, windows[1:] + [(len(text), len(text))]):
            assert 0 <= start < end <= len(text), name
            assert end - start <= size, (name, end - start)  # no chunk over the size
            assert start < next_start and end <= next_end, name  # in order, each one moves on
            assert end - next_start <= overlap, (name, end - next_start)  # overlaps bounded
            covered[start:end] = [True] * (end - start)
        missed = "".join(ch for ch, seen in zip(text, covered) if not seen)
        assert not missed.strip(), (name, missed[:80])  # every character but whitespace is in a chunk


def test_chunk_offsets_map_back_to_the_article():
    for name, text in texts():
        article = make_article("articles", f"{name}.txt", text)
        chunks = chunk_article(article, 700, 150)
        assert [c.index for c in chunks] == list(range(len(chunks))) and all(c.n_chunks == len(chunks) for c in chunks)
        for c in chunks:
            assert c.text == article.text[c.start : c.end] and c.text == c.text.strip(), name
            assert (c.article_id, c.article_sha256, c.title) == (article.id, article.sha256, article.title)


def heading_ends(text: str, size: int) -> set[int]:
    """Where the section headings of text end (the chunker's own sentence spans)."""
    spans = [piece for span in sentence_spans(text) for piece in split_long(span, text, size)]
    return {b for n, (a, b) in enumerate(spans) if n and is_heading(text[a:b])}


@pytest.mark.parametrize("size, overlap", SIZES)
def test_no_chunk_ends_on_a_section_heading_it_could_leave_to_the_next(size, overlap):
    """Only a chunk that is the heading alone (the next sentence does not fit with it) or the last one may."""
    for name, text in texts():
        windows = chunk_text(text, size, overlap)
        ends = heading_ends(text, size)
        wrong = [(a, b) for a, b in windows[:-1] if b in ends and text[a:b].strip() != text[a:b].splitlines()[-1]]
        assert not wrong, (name, [text[a:b][-60:] for a, b in wrong])


def test_a_sample_articles_section_headings_open_passages():
    article = read_article(ARTICLES / "003_e5eb417d42e88fd9.txt", "articles", "003.txt", 10**7)
    starts = [c.text.splitlines()[0] for c in chunk_article(article, 700, 150)]
    headings = [line for line in article.text.splitlines()[1:] if line.startswith("#")]
    assert headings and all(h in starts for h in headings)
    assert [is_heading(h) for h in headings] == [True] * len(headings)


# --- what read.py takes from the header ------------------------------------------------------------

SAMPLES = {  # file: (title, date, outlet, url starts with): five different header forms
    "000_e58004681a8f09c0.txt": ("No Agreement with U.S. Over Joint Approach for IS – Russian Foreign Minister",
                                 "2015-08-05", "The Moscow Times", "https://www.themoscowtimes.com/2015/08/05/"),
    "001_ed3b50a90a3882e0.txt": ("US, Russia to work together against Daesh", "2015-08-06", "", ""),
    "002_1a1649f577231cd8.txt": ("US, Russia Both Have the Will to Counter ISIL Together", "2015-09-27", "", ""),
    "003_e5eb417d42e88fd9.txt": ("Lavrov Says U.S. Should Cooperate with Syria Over Islamic State",
                                 "2015-08-10", "The Moscow Times", "https://www.themoscowtimes.com/2015/08/10/"),
    "004_5ea01524ddc3fb62.txt": ("Russia Urges U.S. to Enlist Syria’s Assad to Fight Islamic State",
                                 "2015-05-30", "Henry Meyer", ""),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_sample_articles_headers(name):
    """A heading after blank lines (000), a tagline above the title (001), the date first (002), a markdown
    heading and a linked byline (003), a forum header with an older date above the byline's (004)."""
    title, date, outlet, url = SAMPLES[name]
    article = read_article(ARTICLES / name, "articles", name, 10**7)
    assert (article.title, article.date, article.outlet) == (title, date, outlet)
    assert article.url.startswith(url) and bool(article.url) == bool(url)


@needs_bbc
def test_every_bbc_article_has_its_first_line_as_title_and_no_invented_date_or_outlet():
    wrong = []
    for f in BBC_FILES:
        article = read_article(f, "bbc", f.name, 10**7)
        first = article.text.splitlines()[0].strip()
        if (article.title, article.date, article.outlet) != (first, "", ""):
            wrong.append((str(f.relative_to(BBC)), article.title, article.date, article.outlet))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    "header, expected",
    [
        ("Title of the story here\nBy Jane Doe\nMarch 3, 2015\n\nBody.", ("Title of the story here", "2015-03-03", "Jane Doe")),
        ("Posted by Reuters\n3rd March 2015\nMarkets fall on rate fears\n\nBody.", ("Markets fall on rate fears", "2015-03-03", "Reuters")),
        ("Author: **Ann Lee**\n2015-03-04\n\n# Heading wins over lines\n\nBody.", ("Heading wins over lines", "2015-03-04", "Ann Lee")),
        ("Sunday, 31 February 2015\nNo such day in any year\n\nBody.", ("Sunday, 31 February 2015", "", "")),
        ("Short\n\nOnly a body line that is long enough to be a title.", ("Only a body line that is long enough to be a title.", "", "")),
    ],
)  # fmt: skip
def test_header_forms(header, expected):
    meta = extract_metadata(header)
    assert (meta["title"], meta["date"], meta["outlet"]) == expected


def test_a_date_deep_in_the_body_is_not_the_articles_date():
    text = "Talks continue in Geneva\n\n" + "Filler sentence about talks.\n\n" * 20 + "On March 3, 2015 they met."
    assert extract_metadata(text)["date"] == "" and extract_metadata(text)["title"] == "Talks continue in Geneva"


def test_a_url_line_is_found_wherever_it_is():
    text = "Title of the story here\n\nBody.\n\nOriginal url:\nhttps://example.com/a b/story\n"
    assert extract_metadata(text)["url"] == "https://example.com/ab/story"
    assert Path(extract_metadata("Title only here\n\nsource: ftp://nope")["url"] or "none") == Path("none")
