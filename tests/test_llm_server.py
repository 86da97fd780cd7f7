"""The OpenAI-compatible model backend (ASSISTANT_LLM_URL) against small real HTTP servers on loopback.

A tiny scripted server plays each way a server can behave: answer, refuse, go quiet, die mid-answer.
The test against llama-cpp-python's own server with the real default model is in test_servers.py.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from assistant.errors import ModelError
from assistant.models.generate import OpenAIGenerator
from assistant.pipeline import Assistant
from assistant.ui import cli, web
from tests.fakes import FakeEmbedder, free_port

REPLY = ["Kerry met ", "Cavusoglu ", "in Kuala Lumpur [1]."]


class Handler(BaseHTTPRequestHandler):
    """POST /<mode>/v1/chat/completions; the mode scripts the server's behaviour."""

    requests: list[dict] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        mode = self.path.split("/")[1]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Handler.requests.append({"mode": mode, "body": body, "auth": self.headers.get("Authorization")})
        if mode == "refuse":
            return self._send(404, b'{"error": {"message": "model qwen not found"}}')
        if mode == "strict" and "grammar" in body:  # an OpenAI-like server that knows no grammar field
            return self._send(400, b'{"error": {"message": "Unrecognized request argument supplied: grammar"}}')
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        reply = REPLY
        if body.get("grammar", "").startswith('root ::= "'):  # a choice among options (reading.py): one naming him
            options = json.loads("[" + body["grammar"][len("root ::= ") :].replace(" | ", ", ") + "]")
            reply = [next((o for o in options if "Cavusoglu" in o), options[-1])]
        for i, text in enumerate(reply):
            if mode == "hang" and i == 1:
                time.sleep(3)
            if mode == "error" and i == 2:
                return self._event({"error": {"message": "out of memory\nin slot 0"}})
            if mode == "cut" and i == 2:
                return  # the connection closes without [DONE]
            self._event({"choices": [{"delta": {"content": text}, "finish_reason": None}]})
        self._event({"choices": [{"delta": {}, "finish_reason": "stop"}]})
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, obj):
        self.wfile.write(b": keep-alive\n\ndata: " + json.dumps(obj).encode() + b"\n\n")
        self.wfile.flush()

    def _send(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def generate(url, **kw):
    return "".join(OpenAIGenerator(url, **kw).stream([{"role": "user", "content": "hi"}], 50, 0.1))


def test_streams_the_answer_and_sends_model_key_and_limits(server):
    assert generate(f"{server}/ok/v1", model="qwen", api_key="k3y") == "".join(REPLY)
    sent = Handler.requests[-1]
    assert sent["auth"] == "Bearer k3y"
    assert sent["body"] == {
        "messages": [{"role": "user", "content": "hi"}], "max_tokens": 50, "temperature": 0.1, "stream": True,
        "model": "qwen",
    }  # fmt: skip


@pytest.mark.parametrize(
    "mode, message",
    [
        ("refuse", "answered HTTP 404 (model qwen not found); check ASSISTANT_LLM_URL"),
        ("error", "failed mid-answer: out of memory in slot 0"),
        ("cut", "ended the answer before it was finished"),
        ("hang", "sent nothing for 1 s"),
    ],
)
def test_a_misbehaving_server_is_a_one_line_error(server, mode, message):
    started = time.perf_counter()
    with pytest.raises(ModelError, match="the model server at") as caught:
        generate(f"{server}/{mode}/v1", timeout=1)
    assert message.split("(")[0] in str(caught.value) and "\n" not in str(caught.value)
    assert time.perf_counter() - started < 2.5  # the hang is cut at the timeout, not waited out


def test_a_server_that_refuses_the_grammar_is_asked_again_without_it(server):
    generator = OpenAIGenerator(f"{server}/strict/v1")
    text = "".join(generator.stream([{"role": "user", "content": "hi"}], 50, 0.0, grammar="root ::= [a-z]+"))
    assert text == "".join(REPLY) and not generator.takes_grammar
    assert ["grammar" in r["body"] for r in Handler.requests[-2:]] == [True, False]


def test_a_server_that_is_down_is_a_one_line_error():
    with pytest.raises(
        ModelError, match=r"cannot reach the model server at http://127\.0\.0\.1:\d+/v1 .*is it running"
    ):
        generate(f"http://127.0.0.1:{free_port()}/v1")


def test_a_bad_url_is_refused():
    with pytest.raises(ModelError, match="not an http"):
        OpenAIGenerator("localhost:8001")


@pytest.fixture
def served_app(settings, corpus, server):
    def make(mode):
        s = settings.replace(corpus_path=corpus, llm_url=f"{server}/{mode}/v1", llm_timeout=1)
        app = Assistant(s, embedder=FakeEmbedder())
        app.ingest()
        return app

    return make


def test_the_pipeline_reads_through_the_server_choosing_a_span(served_app):
    answer = served_app("ok").ask("Which Turkish foreign minister met Kerry in Kuala Lumpur?")
    assert "Cavusoglu" in answer.text and answer.citations and answer.citations[0].answer in answer.citations[0].quote
    body = Handler.requests[-1]["body"]
    assert body["grammar"].endswith('| "No answer."')  # the server may reply only with an option


def test_the_pipeline_answers_through_the_server_with_citations(served_app):
    answer = served_app("ok").ask("Did Kerry meet Cavusoglu in Kuala Lumpur?")
    assert answer.text.startswith("Kerry met Cavusoglu in Kuala Lumpur") and answer.citations
    assert answer.timings["first_token_s"] > 0
    body = Handler.requests[-1]["body"]
    assert body["messages"][0]["role"] == "system"
    assert body["grammar"].startswith("root ::= notfound | claim")  # llama.cpp's servers constrain the reply


def test_the_page_shows_a_server_failure_as_one_line_and_keeps_what_was_written(served_app):
    *_, (history, sources) = web.respond(served_app("error"), "Did Cavusoglu meet Kerry?", [])
    assert history[-1]["content"].startswith("Kerry met Cavusoglu")
    assert "⚠ the model server at" in history[-1]["content"] and "failed mid-answer" in history[-1]["content"]


def test_the_cli_shows_a_server_that_is_down_as_one_line(settings, corpus, monkeypatch):
    Assistant(settings.replace(corpus_path=corpus), embedder=FakeEmbedder()).ingest()
    monkeypatch.setattr(cli, "assistant_from", lambda ctx: Assistant(ctx.obj["settings"], embedder=FakeEmbedder()))
    down = f"http://127.0.0.1:{free_port()}/v1"
    args = ["--store-path", str(settings.store_path), "--min-score", "-1", "--llm-url", down, "ask", "Who met Kerry?"]
    result = CliRunner().invoke(cli.cli, args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: cannot reach the model server at")
