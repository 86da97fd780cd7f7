"""Bad input, tried for real: a messy folder the test makes, and every good file beside it indexed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.ingest.sync import read_articles
from assistant.pipeline import Assistant
from tests.fakes import SHARED, FakeEmbedder

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa" * 20
GOOD = "A good article about {0}\n\nBy Test Wire\n\nMarch 3, 2015\n\nThe {0} story is told here in full sentences. It has facts about {0}."
HTML = """<html><head><title>Page title</title><style>.x { color: red }</style>
<script>var tracker = "SCRIPT-TEXT";</script></head>
<body><nav>Home | World | NAV-TEXT</nav><header>HEADER-TEXT</header>
<article><h1>Ferry timetable changes</h1><p>The river ferry will run every twenty minutes.</p>
<p>Commuters welcomed the change &amp; the new boats.</p></article>
<footer>FOOTER-TEXT</footer></body></html>"""


@pytest.fixture
def messy(tmp_path) -> Path:
    root = tmp_path / "messy"
    root.mkdir()
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_text("  \n\t \n")
    (root / "image.txt").write_bytes(PNG)
    (root / "latin1.txt").write_bytes(GOOD.format("café in Montréal").encode("latin-1"))
    (root / "cp1252.txt").write_bytes((GOOD.format("quotes") + " \u201cQuoted\u201d \u2013 dash.").encode("cp1252"))
    with open(root / "huge.txt", "wb") as fh:  # 50 MB, written sparsely
        fh.seek(50 * 1024 * 1024 - 1)
        fh.write(b"x")
    (root / "page.html").write_text(HTML)
    (root / "dup_a.txt").write_text(GOOD.format("twins"))
    (root / "dup b.txt").write_text(GOOD.format("twins"))
    (root / "Привет мир.txt").write_text(GOOD.format("Moscow"))
    (root / "no access.txt").write_text(GOOD.format("secrets"))
    os.chmod(root / "no access.txt", 0)
    (root / "sub").mkdir()
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    (root / "sub" / "nested ok.md").write_text("# Nested heading\n\n" + GOOD.format("nesting"))
    yield root
    os.chmod(root / "no access.txt", 0o644)


def unreadable_as_root(monkeypatch, name):
    """Root reads chmod-000 files; simulate the permission error a normal user gets when opening it."""
    if os.geteuid() != 0:
        return
    real = os.open

    def open_file(path, flags, *args, **kwargs):
        if os.path.basename(path) == name:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_file)


def test_every_bad_file_has_a_reason_and_every_good_file_is_indexed(messy, settings, monkeypatch):
    unreadable_as_root(monkeypatch, "no access.txt")
    app = Assistant(settings, embedder=FakeEmbedder())
    report = app.ingest([messy])
    reasons = {s.source: s.reason for s in report.skipped}
    assert reasons == {
        "empty.txt": "empty (no text)",
        "blank.txt": "empty (no text)",
        "image.txt": "binary, not text",
        "huge.txt": "too large (52.4 MB > 10 MB); raise ASSISTANT_MAX_FILE_MB",
        "no access.txt": "cannot be read (permission denied)",
    }
    assert all("\n" not in r for r in reasons.values())
    assert sorted(report.added) == sorted(
        ["latin1.txt", "cp1252.txt", "page.html", "dup b.txt", "Привет мир.txt", "sub/nested ok.md"]
    )
    assert report.duplicates == [("dup_a.txt", "dup b.txt")]
    articles = app.index.store.articles()
    twins = next(a for a in articles.values() if a.source == "dup b.txt")
    assert twins.also == "dup_a.txt"  # both paths known


def test_text_is_decoded_and_html_reduced_to_the_article(messy, settings):
    articles, _ = read_articles([messy], max_bytes=10**7)
    by = {a.source: a for a in articles}
    assert "café in Montréal" in by["latin1.txt"].text
    assert "\u201cQuoted\u201d \u2013 dash" in by["cp1252.txt"].text
    page = by["page.html"]
    assert page.title == "Ferry timetable changes"
    assert "every twenty minutes" in page.text and "Commuters welcomed the change & the new boats." in page.text
    for junk in ("SCRIPT-TEXT", "NAV-TEXT", "HEADER-TEXT", "FOOTER-TEXT", "color: red"):
        assert junk not in page.text
    assert by["Привет мир.txt"].date == "2015-03-03" and by["Привет мир.txt"].outlet == "Test Wire"


def test_the_size_limit_is_a_setting(tmp_path, settings):
    folder = tmp_path / "sized"
    folder.mkdir()
    (folder / "long.txt").write_text(GOOD.format("length") + " More text." * 150_000)  # ~1.6 MB
    small = Assistant(settings.replace(max_file_mb=1.0), embedder=FakeEmbedder())
    assert [s.source for s in small.ingest([folder]).skipped] == ["long.txt"]
    big = Assistant(settings.replace(max_file_mb=5.0), embedder=FakeEmbedder())
    assert big.ingest([folder]).added == ["long.txt"]


def test_a_file_that_turns_bad_keeps_what_was_stored(corpus, settings):
    app = Assistant(settings, embedder=FakeEmbedder())
    app.ingest([corpus])
    before = app.index.store.count()
    (corpus / "000_e58004681a8f09c0.txt").write_bytes(PNG)
    report = app.ingest([corpus])
    assert [s.source for s in report.skipped] == ["000_e58004681a8f09c0.txt"] and report.removed == []
    assert app.index.store.count() == before


@pytest.mark.skipif(not (SHARED / "corpus/bbc/sport/199.txt").exists(), reason="BBC corpus not present")
def test_the_real_non_utf8_bbc_file_is_read():
    from assistant.ingest.read import read_article

    article = read_article(SHARED / "corpus/bbc/sport/199.txt", "bbc", "sport/199.txt", 10**7)
    assert article.title and len(article.text) > 200
