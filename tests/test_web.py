"""The chat page's pieces without a browser: markers, source cards, streaming, errors, article viewer, access.

The pure helpers are tested directly; the page is built (and, for the access tests, served on a free
loopback port) over an Assistant with the fakes from conftest.
"""

from __future__ import annotations

import re
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from assistant import web
from assistant.errors import ConfigError, ModelError
from assistant.pipeline import Assistant
from tests.fakes import FakeEmbedder, ScriptedGenerator, citing, free_port

# --- respond(): the chat's stream ---------------------------------------------------------------


def test_respond_shows_the_evidence_first_then_streams_the_answer_and_marks_what_it_cites(app, generator):
    generator.enqueue(citing("Russia-proposed coalition", suffix=" <b>now</b>"))
    states = [
        (history[-1]["content"], sources) for history, sources in web.respond(app, "What did Lavrov propose?", [])
    ]
    assert states[0] == ("…", "")  # the model is loaded and free: nothing to wait for
    evidence = states[1][1]
    assert evidence.startswith("<p>Evidence found") and 'id="src-1-1"' in evidence  # before the first word
    partial = [text for text, sources in states[2:-1]]
    assert len(partial) >= 5 and all(sources == evidence for _, sources in states[1:-1])
    assert all(b.startswith(a) for a, b in zip(partial, partial[1:]))
    final, sources = states[-1]
    n = re.search(r"\[\[(\d+)\]\]\(#src-1-\1\)", final).group(1)
    assert (
        final.startswith("The Russia-proposed coalition") and "&lt;b&gt;now&lt;/b&gt;" in final and "<b>" not in final
    )
    assert f'<p class="sentence cited" id="src-1-{n}">' in sources and "003_e5eb417d42e88fd9.txt" in sources


def test_respond_says_how_many_answers_are_ahead_while_the_model_is_busy(app, generator):
    generator.pause = 0.05
    generator.enqueue("Lavrov spoke at length. " * 6, *[citing("Russia-proposed coalition")] * 3)
    first = threading.Thread(target=lambda: list(web.respond(app, "What did Lavrov say?", [])))
    first.start()
    wait_for(lambda: generator.ahead() == 1)  # another user's answer is being written
    history, _ = next(web.respond(app, "What did Lavrov propose?", []))
    assert history[-1]["content"] == "⏳ Waiting for the model: 1 question ahead of yours…"
    queued = threading.Thread(target=lambda: list(generator.stream([{"role": "user", "content": "x"}])))
    queued.start()
    wait_for(lambda: generator.ahead() == 2)
    states = web.respond(app, "What did Lavrov propose?", [])
    history, _ = next(states)
    assert history[-1]["content"] == "⏳ Waiting for the model: 2 questions ahead of yours…"
    *_, (history, sources) = states
    assert history[-1]["content"].startswith("The Russia-proposed coalition") and sources
    first.join(), queued.join()
    assert web.waiting_note(app) == "" and generator.calls == 3


def test_before_the_first_answer_the_page_says_the_model_is_loading(app, settings, monkeypatch):
    from assistant import models

    monkeypatch.setattr(models, "chat_model_path", lambda spec, cache_dir, progress=None: 1 / 0)
    cold = Assistant(app.settings, embedder=FakeEmbedder())
    states = web.respond(cold, "What did Lavrov propose?", [])
    assert next(states)[0][-1]["content"] == web.LOADING == "⏳ Loading the model (first question only)…"
    assert "ZeroDivisionError" in last_reply(states)  # the loading was tried, in the answer, not before
    served = Assistant(app.settings.replace(llm_url="http://127.0.0.1:9/v1"), embedder=FakeEmbedder())
    assert web.waiting_note(served) == ""  # a model server has nothing to load here


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def last_reply(states) -> str:
    *_, (history, sources) = states
    return history[-1]["content"]


def test_errors_end_the_answer_as_one_line(app, tmp_path):
    for question in ("", "   ", "?!?!"):
        reply = last_reply(web.respond(app, question, []))
        assert reply.startswith("⚠") and "\n" not in reply and "Traceback" not in reply
    reply = last_reply(web.respond(app, "What did Lavrov propose?", [], date_from="yesterday"))
    assert reply.startswith("⚠") and "yesterday" in reply and "\n" not in reply


def test_an_empty_index_and_a_broken_model_are_one_line_messages(app, settings, tmp_path):
    empty = Assistant(settings.replace(store_path=tmp_path / "empty"), embedder=FakeEmbedder())
    reply = last_reply(web.respond(empty, "What did Lavrov propose?", []))
    assert reply.startswith("⚠") and "index is empty" in reply and "assistant ingest" in reply
    assert "index is empty" in web.status_html(empty)

    class Broken(ScriptedGenerator):
        def stream(self, messages, max_tokens, temperature, **kwargs):
            yield "Lavrov "
            raise ModelError("the model server\nwent away; restart it")

    app.generator = Broken()
    reply = last_reply(web.respond(app, "What did Lavrov propose?", []))  # what was written stays, then the error
    assert reply == "Lavrov \n\n⚠ the model server went away; restart it"

    class Buggy(Broken):
        def stream(self, messages, max_tokens, temperature, **kwargs):
            raise KeyError("choices")
            yield

    app.generator = Buggy()
    assert last_reply(web.respond(app, "What did Lavrov propose?", [])) == "⚠ Internal error (KeyError: 'choices')"


# --- the article viewer ---------------------------------------------------------------------------


def test_an_indexed_article_opens_whole_and_escaped_with_its_evidence_marked(app, corpus):
    (corpus / "hostile.txt").write_text("A hostile page\n\nIt says <script>alert(1)</script> here.\n", encoding="utf-8")
    app.ingest()
    ids = {c.source: c.article_id for h in app.retrieve("hostile page script") for c in [h.chunk]}
    shown = web.open_article(app, ids["hostile.txt"])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "<script" not in shown
    answer = app.ask("Which ancient city did Islamic State occupy in May 2015?")
    palmyra = next(e for e in answer.evidence if "Palmyra" in e.text)
    whole = web.open_article(app, palmyra.hit.chunk.article_id, f"{palmyra.start}-{palmyra.end}")
    article = (corpus / "004_5ea01524ddc3fb62.txt").read_text(encoding="utf-8")
    last_line = [line for line in article.splitlines() if line.strip()][-1]
    assert f"<mark>{web.html.escape(palmyra.text)}</mark>" in whole and web.html.escape(last_line.strip()) in whole


@pytest.mark.parametrize(
    "bad",
    ["../../etc/passwd", "/etc/passwd", "003_e5eb417d42e88fd9.txt", "0123456789abcdef", "C84C749E2A4369FD", "x" * 5000],
)
def test_anything_outside_the_index_is_refused(app, bad):
    shown = web.open_article(app, bad)
    assert "no indexed article has id" in shown and "root:" not in shown and "\n" not in shown
    assert web.open_article(app, "") == "" and web.open_article(app, None) == ""


# --- the page and who may reach it ----------------------------------------------------------------


def test_the_page_builds_without_a_server_and_offers_no_upload(app):
    import gradio as gr

    demo = web.build_ui(app)
    assert isinstance(demo, gr.Blocks)
    kinds = {type(b).__name__ for b in demo.blocks.values()}
    assert {"Chatbot", "Textbox", "HTML"} <= kinds
    assert not kinds & {"File", "Files", "UploadButton", "Image", "Audio", "Video", "MultimodalTextbox"}
    public = [d for d in demo.fns.values() if d.api_visibility == "public"]
    assert [d.api_name for d in public] == ["ask"]


def test_access_warns_beyond_loopback_without_a_login():
    assert web.access("127.0.0.1", None) == (None, "")
    assert web.access("localhost", None) == (None, "")
    login, warning = web.access("0.0.0.0", None)
    assert login is None and "without --auth" in warning and "0.0.0.0" in warning
    assert web.access("192.168.1.5", "ann:pa:ss") == (("ann", "pa:ss"), "")
    for bad in ("annpass", ":pass", "ann:"):
        with pytest.raises(ConfigError, match="USER:PASSWORD"):
            web.access("0.0.0.0", bad)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_login_is_required_when_auth_is_given_and_share_is_never_on(app, monkeypatch):
    from gradio_client import Client

    monkeypatch.setenv("GRADIO_SHARE", "True")
    said = []
    port = free_port()
    demo = web.serve(app, port=port, auth="ann:s3cret", block=False, warn=said.append)
    try:
        assert demo.share is False and demo.share_url is None
        assert said == [f"Serving the chat page on http://127.0.0.1:{port} (Ctrl+C stops it)"]
        base = f"http://127.0.0.1:{port}"
        for path in ("/config", "/gradio_api/info", "/gradio_api/file=/etc/passwd"):
            assert get(base + path) == 401, path
        with pytest.raises(Exception, match="credentials"):
            Client(base, verbose=False)
        history, _ = Client(base, auth=("ann", "s3cret"), verbose=False).predict(
            "What did Lavrov propose?", [], "", "", "", "", api_name="/ask"
        )
        assert history[-1]["content"][0]["text"]
    finally:
        demo.close()


def test_the_open_page_serves_no_file_outside_its_own_assets(app, corpus):
    port = free_port()
    demo = web.serve(app, port=port, block=False, warn=lambda m: None)
    try:
        base = f"http://127.0.0.1:{port}"
        assert get(base + "/config") == 200
        article = corpus / "003_e5eb417d42e88fd9.txt"
        for path in ("/etc/passwd", "../../etc/passwd", str(article), "articles/003_e5eb417d42e88fd9.txt"):
            assert get(f"{base}/gradio_api/file={path}") in (403, 404), path
    finally:
        demo.close()


def test_a_busy_port_is_a_one_line_error(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(ConfigError, match=r"cannot serve on 127\.0\.0\.1:\d+ .*choose another --port"):
            web.serve(app, port=s.getsockname()[1], block=False, warn=lambda m: None)


def test_serve_from_the_command_line_warns_beyond_loopback_and_never_shares(app, monkeypatch):
    import gradio as gr
    from click.testing import CliRunner

    from assistant import cli

    launched = []
    monkeypatch.setattr(cli, "assistant_from", lambda ctx: app)
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: launched.append(kw))
    result = CliRunner().invoke(cli.cli, ["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert result.exit_code == 0 and "0.0.0.0 without --auth" in result.output
    assert launched[-1]["server_name"] == "0.0.0.0" and launched[-1]["server_port"] == 8123
    assert launched[-1]["share"] is False and launched[-1]["auth"] is None
    result = CliRunner().invoke(cli.cli, ["serve", "--host", "0.0.0.0", "--auth", "ann:s3cret"])
    assert result.exit_code == 0 and "without --auth" not in result.output
    assert launched[-1]["auth"] == ("ann", "s3cret") and launched[-1]["share"] is False
    result = CliRunner().invoke(cli.cli, ["serve"], env={"ASSISTANT_AUTH": "ann:pw"})
    assert launched[-1]["server_name"] == "127.0.0.1" and launched[-1]["auth"] == ("ann", "pw")
    result = CliRunner().invoke(cli.cli, ["--auth", "bob:pw", "serve"])
    assert launched[-1]["auth"] == ("bob", "pw")
    result = CliRunner().invoke(cli.cli, ["serve", "--auth", "no-colon"])
    assert result.exit_code == 1 and "(--auth, ASSISTANT_AUTH) must look like USER:PASSWORD" in result.output
    assert "Traceback" not in result.output and "no-colon" not in result.output and len(launched) == 4


def test_the_page_filters_restrict_the_sources(app, generator):
    *_, (history, sources) = web.respond(app, "What did Lavrov say?", [], date_from="2015-08-01", outlet="Moscow Times")
    shown = set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", sources))
    assert shown and shown <= {"000_e58004681a8f09c0.txt", "003_e5eb417d42e88fd9.txt"}  # Moscow Times, August on
