"""The chat page's pieces without a browser: markers, source cards, streaming, errors, article viewer, access.

The pure helpers are tested directly; the page is built (and, for the access tests, served on a free
loopback port) over an Assistant with the fakes from conftest.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request

import httpx
import pytest

from assistant.errors import ConfigError, ModelError
from assistant.pipeline import Assistant
from assistant.ui import web
from tests.fakes import FakeEmbedder, ScriptedGenerator, citing, free_port

# --- respond(): the chat's stream ---------------------------------------------------------------


YES_NO = "Did Lavrov propose a coalition?"  # answered in the model's words (a question of another kind is read)


def test_a_read_answer_shows_its_span_marked_in_the_cited_sentence(app, generator):
    generator.enqueue(citing("Palmyra"))
    *_, (history, sources) = web.respond(app, "Which ancient city did Islamic State occupy in May 2015?", [])
    n = re.search(r"Palmyra \[\[(\d+)\]\]\(#src-1-\1\)", history[-1]["content"]).group(1)
    cited = re.search(rf'<p class="sentence cited" id="src-1-{n}">(.*?)</p>', sources, re.S).group(1)
    assert "<mark>Palmyra</mark>" in cited and cited.count("<mark>") == 1


def test_respond_shows_the_evidence_first_then_streams_the_answer_and_marks_what_it_cites(app, generator):
    generator.enqueue(citing("Russia-proposed coalition", prefix="Yes: ", suffix=" <b>now</b>"))
    states = [(history[-1]["content"], sources) for history, sources in web.respond(app, YES_NO, [])]
    assert states[0] == ("…", "")  # the model is loaded and free: nothing to wait for
    evidence = states[1][1]
    assert evidence.startswith("<p>Evidence found") and 'id="src-1-1"' in evidence  # before the first word
    partial = [text for text, sources in states[2:-1]]
    assert len(partial) >= 5 and all(sources == evidence for _, sources in states[1:-1])
    assert all(b.startswith(a) for a, b in zip(partial, partial[1:]))
    final, sources = states[-1]
    n = re.search(r"\[\[(\d+)\]\]\(#src-1-\1\)", final).group(1)
    assert (
        final.startswith("Yes: The Russia-proposed coalition")
        and "&lt;b&gt;now&lt;/b&gt;" in final
        and "<b>" not in final
    )
    assert f'<p class="sentence cited" id="src-1-{n}">' in sources and "003_e5eb417d42e88fd9.txt" in sources


def test_respond_says_how_many_answers_are_ahead_while_the_model_is_busy(app, generator):
    generator.pause = 0.05
    coalition = citing("Russia-proposed coalition")
    generator.enqueue(lambda messages: " ".join([coalition(messages)] * 4), coalition, coalition)  # a long one first
    first = threading.Thread(target=lambda: list(web.respond(app, YES_NO, [])))
    first.start()
    wait_for(lambda: generator.ahead() == 1)  # another user's answer is being written
    history, _ = next(web.respond(app, YES_NO, []))
    assert history[-1]["content"] == "⏳ Waiting for the model: 1 question ahead of yours…"
    reading = [{"role": "user", "content": "Sentence: The Russia-proposed coalition.\nQuestion: x"}]
    queued = threading.Thread(target=lambda: list(generator.stream(reading)))  # any call: it pops a reply
    queued.start()
    wait_for(lambda: generator.ahead() == 2)
    states = web.respond(app, YES_NO, [])
    history, _ = next(states)
    assert history[-1]["content"] == "⏳ Waiting for the model: 2 questions ahead of yours…"
    *_, (history, sources) = states
    assert history[-1]["content"].startswith("The Russia-proposed coalition") and sources
    first.join(), queued.join()
    assert web.waiting_note(app) == "" and generator.calls == 3


def test_before_the_first_answer_the_page_says_the_model_is_loading(app, settings, monkeypatch):
    from assistant.models import catalogue

    monkeypatch.setattr(catalogue, "chat_model_path", lambda spec, cache_dir, progress=None: 1 / 0)
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
    reply = last_reply(web.respond(app, YES_NO, []))  # what was written stays, then the error
    assert reply == "Lavrov \n\n⚠ the model server went away; restart it"

    class Buggy(Broken):
        def stream(self, messages, max_tokens, temperature, **kwargs):
            raise KeyError("choices")
            yield

    app.generator = Buggy()
    assert last_reply(web.respond(app, YES_NO, [])) == "⚠ Internal error (KeyError: 'choices')"


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


def test_access_warns_beyond_loopback_without_a_login_and_names_what_is_open():
    assert web.access("127.0.0.1", None) == (None, "")
    assert web.access("localhost", None) == (None, "")
    login, warning = web.access("0.0.0.0", None)
    assert login is None and "without --auth" in warning and "0.0.0.0" in warning and "\n" not in warning
    for exposed in ("ask the chat model", "answers", "source cards", "article viewer", "whole articles",
                    "titles, outlets, dates", "file names and folders", "/ask API", "where the index lives",
                    "--auth USER:PASSWORD", "ASSISTANT_AUTH"):  # fmt: skip
        assert exposed in warning, exposed
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


def logged_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    assert client.post("/login", data={"username": "ann", "password": "s3cret"}).status_code == 200
    return client


@pytest.mark.parametrize("auth", [None, "ann:s3cret"])
def test_uploads_are_refused_with_and_without_a_login(app, auth, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))  # where Gradio writes what it is sent
    monkeypatch.setenv("GRADIO_RUN_HISTORY", "True")  # Gradio's variable cannot turn on what serve() turns off
    port = free_port()
    demo = web.serve(app, port=port, auth=auth, block=False, warn=lambda m: None)
    try:
        base = f"http://127.0.0.1:{port}"
        client = logged_in(base) if auth else httpx.Client(base_url=base, timeout=10)
        files = {"files": ("big.bin", b"x" * 1_000_000), "video": ("v.mp4", b"x" * 1000)}
        for route in ("/gradio_api/upload", "/gradio_api/upload?upload_id=abc", "/gradio_api/process_recording"):
            refused = client.post(route, files=files)
            assert refused.status_code == 403 and refused.json() == {"detail": "this page takes no files"}, route
        assert client.get("/gradio_api/upload_progress", params={"upload_id": "abc"}).status_code == 403
        refused = client.get("/gradio_api/deep_link", params={"session_hash": "abc"})  # it would write the state
        assert refused.status_code == 403 and refused.json() == {"detail": "this page makes no deep links"}
        assert not [p for p in (tmp_path / "gradio").rglob("*") if p.is_file()]  # nothing written
        config = client.get("/config").json()
        assert config["max_file_size"] == 0 and config["run_history"] is False  # nor kept in the browser
        assert client.get("/monitoring/summary").status_code == 403  # Gradio's traffic dashboard is off
        if auth:
            assert httpx.post(base + "/gradio_api/upload", files=files).status_code == 403  # logged in or not
    finally:
        demo.close()


def test_with_a_login_gradio_routes_answer_only_after_it(app):
    port = free_port()
    demo = web.serve(app, port=port, auth="ann:s3cret", block=False, warn=lambda m: None)
    try:
        base = f"http://127.0.0.1:{port}"
        anonymous = httpx.Client(base_url=base, timeout=10)
        for method, path in [("GET", "/gradio_api/heartbeat/anything"), ("GET", "/gradio_api/heartbeat/x%2F..%2Fy"),
                             ("GET", "/gradio_api/info"), ("POST", "/gradio_api/cancel"),
                             ("POST", "/gradio_api/reset"), ("POST", "/gradio_api/stream/1/close")]:  # fmt: skip
            with anonymous.stream(method, path, json={"session_hash": "s", "fn_index": 0, "event_id": "e"}) as r:
                assert r.status_code == 401 and "event-stream" not in r.headers.get("content-type", ""), path
        assert anonymous.get("/").status_code == 200  # the login page itself
        assert anonymous.get("/gradio_api/startup-events").json() is False  # launch() ran it; now it does nothing
        with logged_in(base).stream("GET", "/gradio_api/heartbeat/anything") as r:
            assert r.status_code == 200 and next(r.iter_lines()) == "data: ALIVE"
    finally:
        demo.close()


def call_ask(client: httpx.Client, data: list) -> tuple[str, object]:
    """(last event, its data) of one call of the page's /ask API."""
    event_id = client.post("/gradio_api/call/ask", json={"data": data}).json()["event_id"]
    lines = client.get(f"/gradio_api/call/ask/{event_id}").text.splitlines()
    event = [line[len("event: ") :] for line in lines if line.startswith("event: ")][-1]
    return event, json.loads([line[len("data: ") :] for line in lines if line.startswith("data: ")][-1])


FILE = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}


@pytest.mark.parametrize(
    "history, said",
    [
        ("not a list", "the chat history must be a list of messages"),
        ([1, 2], "message 1 of the chat history is not"),
        ([{"foo": 1}], "message 1 of the chat history has no role"),
        ([{"role": "user", "content": "hi"}, {"role": "robot", "content": "x"}], "message 2 of the chat history has"),
        ([{"role": "user", "content": {"path": "/etc/passwd"}}], "message 1 of the chat history is not text"),
        ([{"role": "user", "content": [{"type": "file", "file": FILE}]}], "message 1 of the chat history is not text"),
        ([{"role": "user", "content": [{"type": "text"}]}], "message 1 of the chat history is not text"),
    ],
)
def test_a_malformed_history_sent_to_the_api_gets_one_line_back_and_logs_nothing(app, capfd, history, said):
    port = free_port()
    demo = web.serve(app, port=port, block=False, warn=lambda m: None)
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
        event, data = call_ask(client, ["What did Lavrov propose?", history, "", "", "", ""])
        assert event == "error" and said in data["error"] and "\n" not in data["error"]
        event, data = call_ask(client, ["What did Lavrov propose?"])
        assert event == "error" and data["error"].startswith("/ask takes 6 values") and "\n" not in data["error"]
        good = [
            {"role": "user", "content": "Who?"},
            {"role": "assistant", "content": [{"type": "text", "text": "Him."}]},
        ]
        assert call_ask(client, ["What did Lavrov propose?", good, "", "", "", ""])[0] == "complete"
    finally:
        demo.close()
    logged = capfd.readouterr()
    assert "Traceback" not in logged.err + logged.out and "ValidationError" not in logged.err + logged.out


def test_an_address_this_machine_lacks_or_a_busy_port_is_said_in_one_line_before_anything_else(app, monkeypatch):
    from click.testing import CliRunner

    from assistant.ui import cli

    monkeypatch.setattr(cli, "assistant_from", lambda ctx: app)
    port = free_port()
    for auth in ([], ["--auth", "ann:s3cret"]):
        result = CliRunner().invoke(cli.cli, ["serve", "--host", "8.8.8.8", "--port", str(port), *auth])
        assert result.exit_code == 1 and result.output.splitlines() == [
            f"Error: cannot serve on 8.8.8.8:{port} (no network interface of this machine has that address); "
            "choose another --host, such as 127.0.0.1 or 0.0.0.0"
        ]
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        busy = s.getsockname()[1]
        result = CliRunner().invoke(cli.cli, ["serve", "--host", "0.0.0.0", "--port", str(busy)])
    assert result.exit_code == 1 and result.output.splitlines() == [
        f"Error: cannot serve on 0.0.0.0:{busy} (the port is in use); choose another --port"
    ]


def test_the_open_page_serves_no_file_outside_its_own_assets(app, corpus):
    port = free_port()
    demo = web.serve(app, port=port, block=False, warn=lambda m: None)
    try:
        base = f"http://127.0.0.1:{port}"
        assert get(base + "/config") == 200
        article = corpus / "003_e5eb417d42e88fd9.txt"
        for path in ("/etc/passwd", "../../etc/passwd", str(article), "articles/003_e5eb417d42e88fd9.txt"):
            assert get(f"{base}/gradio_api/file={path}") in (403, 404), path
        for url in ("https://example.com/a.png", "http://93.184.215.14/", "https://example.com/x"):  # no proxy
            for route in ("/gradio_api/file=", "/gradio_api/file/"):
                fetched = httpx.get(base + route + url, timeout=10)
                assert fetched.status_code == 403, url
                assert fetched.json() == {"detail": "this page fetches nothing from other hosts"}, url
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

    from assistant.ui import cli

    launched, port = [], free_port()
    monkeypatch.setattr(cli, "assistant_from", lambda ctx: app)
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: launched.append(kw))
    result = CliRunner().invoke(cli.cli, ["serve", "--host", "0.0.0.0", "--port", str(port)])
    assert result.exit_code == 0 and "0.0.0.0 without --auth" in result.output
    assert launched[-1]["server_name"] == "0.0.0.0" and launched[-1]["server_port"] == port
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


@pytest.mark.parametrize(
    "filters, said",
    [
        ({"date_from": "2015-13-45"}, "⚠ --date-from '2015-13-45' is not a real date (month must be in 1..12)"),
        ({"date_to": " 2015-02-30 "}, "⚠ --date-to '2015-02-30' is not a real date (day is out of range for month)"),
        (
            {"date_from": "2015-09-01", "date_to": "2015-08-01"},
            "⚠ --date-from 2015-09-01 is after --date-to 2015-08-01",
        ),
        ({"outlet": "Reuters"}, "⚠ no passage matches these filters (outlet 'Reuters'); widen or clear them"),
        ({"folder": "sport", "date_to": "2015-06-01"}, "⚠ no passage matches these filters (to 2015-06-01, folder"),
    ],
)
def test_the_page_refuses_impossible_filters_and_says_when_none_matches(app, generator, filters, said):
    reply = last_reply(web.respond(app, "What did Lavrov say?", [], **filters))
    assert reply.startswith(web.chat_text(said)) and "\n" not in reply and generator.calls == 0
