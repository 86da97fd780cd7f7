"""The chat page: a Gradio Blocks app over an Assistant, built apart from serving it.

`build_ui(app)` returns the Blocks (tests build it without a server);
`serve(app, ...)` launches it on 127.0.0.1 by default, never with a share
link, and loads nothing from other hosts (Gradio's own fonts are served by the
page). The evidence shows beside the chat as soon as it is chosen, then the
answer streams in and its cited sentences are marked with their verdicts
(cards.py makes that HTML); a card opens its whole article, read from the
index only. Every piece of article and answer text is HTML-escaped before it
reaches the page. The page offers no uploads, and its server takes none
(guard.py says what else of Gradio's it refuses).
"""

from __future__ import annotations

import errno
import html
import logging
import re
import socket

from ..answer.retrieve import Filters, check_filters
from ..config import checked, env_name, flag_name
from ..errors import AssistantError, ConfigError
from ..records import Answer
from .cards import answer_text, article_html, chat_text, sources_html, timeline_html

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
EXAMPLES = [
    "What did Lavrov propose?",
    "What did Lavrov and Kerry agree on in Kuala Lumpur?",
    "Which ancient city did Islamic State occupy in May 2015?",
    "How did the reports differ on whether Russia and the US agreed to fight Islamic State together?",
]

CSS = """
.source-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
.source-card summary { cursor: pointer; font-weight: 600; }
.source-card .meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.source-card .passage { white-space: pre-wrap; margin-top: 6px; }
.source-card .sentence { margin: 4px 0; }
.source-card mark { background: #fff3a3; color: inherit; }
.source-card .sentence.unsupported { border-left: 3px solid #d9822b; padding-left: 6px; }
.source-card .verdict { color: var(--body-text-color-subdued); font-size: 0.85em; }
.source-card button.open-article { margin-top: 6px; text-decoration: underline; cursor: pointer; }
.notice { padding: 8px 12px; border-radius: 8px; background: #fff4e5; color: #6b3d00; }
"""

# A click on [n] in the answer opens source card n and scrolls it into view.
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='#src-']");
  if (!link) return;
  const target = document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  const card = target.closest("details");
  if (card) card.open = true;
  target.scrollIntoView({behavior: "smooth", block: "nearest"});
});
</script>
"""

# Runs once on the sources panel: a card's "Open the full article" button asks the server for that article.
OPEN_ARTICLE_JS = """
element.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-article]");
  if (button) trigger("open_article", {article: button.dataset.article, spans: button.dataset.spans});
});
"""


def status_html(app) -> str:
    """A one-line notice when the page cannot answer yet; empty when all is well."""
    from ..models import catalogue

    try:
        if app.index.store.count() == 0:
            return "<div class='notice'>The index is empty: run <code>assistant ingest</code> to add articles.</div>"
        spec = app.chat_spec()
        if app.loaded_generator is None and not app.settings.llm_url and not catalogue.is_installed(spec):
            hint = html.escape(spec.install_hint())
            return f"<div class='notice'>Chat model {html.escape(spec.name)} is not installed: {hint}</div>"
    except AssistantError as exc:
        return f"<div class='notice'>{html.escape(str(exc))}</div>"
    return ""


LOADING = "⏳ Loading the model (first question only)…"


def waiting_note(app) -> str:
    """What the answer shows before its first words: that the model is loading, or how many questions are
    ahead in its queue; '' when it is free."""
    generator = app.loaded_generator
    if generator is None:
        return "" if app.settings.llm_url else LOADING
    ahead = generator.ahead()
    return f"⏳ Waiting for the model: {ahead} question{'s' if ahead > 1 else ''} ahead of yours…" if ahead else ""


def respond(app, message: str, history: list, date_from="", date_to="", outlet="", folder=""):
    """Stream (chat history, sources panel) for one question; errors end the answer as one line."""
    history = list(history or [])
    turn = sum(1 for m in history if m["role"] == "user") + 1
    earlier = [{"role": m["role"], "content": _plain(m["content"])} for m in history]
    history += [{"role": "user", "content": chat_text(message or "")}]
    history.append({"role": "assistant", "content": waiting_note(app) or "…"})
    yield history, ""
    try:
        streamed, evidence = "", ""
        filters = page_filters(date_from, date_to, outlet, folder)
        for item in app.ask_stream(message, filters=filters, history=earlier):
            if isinstance(item, Answer):
                history[-1]["content"] = answer_text(item, turn)
                yield history, sources_html(item, turn)
                return
            if isinstance(item, list):  # the evidence, before the model writes: quotes first
                evidence = sources_html(None, turn, item)
                yield history, evidence
                continue
            streamed += item
            history[-1]["content"] = chat_text(streamed)
            yield history, evidence
    except AssistantError as exc:  # keep what the model already wrote: the warning says it is cut short
        history[-1]["content"] = (chat_text(streamed) + "\n\n" if streamed else "") + f"⚠ {chat_text(_one_line(exc))}"
        yield history, evidence
    except Exception as exc:  # a bug or a broken model: say so in the chat, keep the page alive
        log.exception("answering %r failed", message)
        history[-1]["content"] = f"⚠ Internal error ({type(exc).__name__}: {chat_text(_one_line(exc))})"
        yield history, ""


def page_filters(*values: str) -> Filters:
    """The Filters panel's boxes (dates, outlet, folder) as checked Filters."""
    return check_filters(Filters(*((value or "").strip() for value in values)))


def show_timeline(app, topic: str, date_from="", date_to="", outlet="", folder="") -> str:
    """The Timeline tab's cards for a topic; an error is one line in the tab."""
    if not (topic or "").strip():
        return timeline_html([])
    try:
        filters = page_filters(date_from, date_to, outlet, folder)
        lines, dates = app.timeline(topic, filters)
        return timeline_html(lines, dates, topic)
    except AssistantError as exc:
        return f"<div class='notice'>{html.escape(_one_line(exc))}</div>"
    except Exception as exc:  # a bug: say so in the tab, keep the page alive
        log.exception("timeline of %r failed", topic)
        return f"<div class='notice'>Internal error ({type(exc).__name__}: {html.escape(_one_line(exc))})</div>"


def open_article(app, article_id: str | None, spans: str = "") -> str:
    """The whole article, from the index only, its evidence marked; anything else is refused in one line."""
    if not article_id:
        return ""
    try:
        return article_html(app.index.article(str(article_id)), spans)
    except AssistantError as exc:
        return f"<div class='notice'>{html.escape(_one_line(exc))}</div>"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _plain(content) -> str:
    if isinstance(content, list):  # gradio may hand back [{"type": "text", "text": ...}]
        content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    text = html.unescape(re.sub(r"\]\(#src-[\d-]+\)", "]", str(content)))
    return text.replace("[[", "[").replace("]]", "]")


def build_ui(app):
    import gradio as gr

    from .guard import Page

    with Page(title="assistant: ask the articles") as demo:
        gr.Markdown("## Ask the articles\nAnswers come only from the indexed articles, with numbered sources.")
        notice = gr.HTML(status_html(app), elem_id="notice")
        with gr.Tab("Ask", id="ask"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(
                        label="Chat",
                        elem_id="chat",
                        height=520,
                        sanitize_html=True,
                        feedback_options=None,
                        buttons=["copy"],
                    )
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False, scale=5)
                        send = gr.Button("Ask", variant="primary", scale=1)
                    gr.Examples(EXAMPLES, inputs=box)
                    with gr.Accordion("Filters", open=False):
                        with gr.Row():
                            date_from = gr.Textbox(label="From date", placeholder="2015-08-01")
                            date_to = gr.Textbox(label="To date", placeholder="2015-08-31")
                            outlet = gr.Textbox(label="Outlet or byline", placeholder="Moscow Times")
                            folder = gr.Textbox(label="Folder", placeholder="articles")
                    clear = gr.Button("New conversation", size="sm")
                with gr.Column(scale=2):
                    sources = gr.HTML(sources_html(None, 0), elem_id="sources", js_on_load=OPEN_ARTICLE_JS)
                    article = gr.HTML("", elem_id="article")
        with gr.Tab("Timeline", id="timeline"):
            gr.Markdown("The articles that bear on a topic, in date order, each with its sentences about it "
                        "(quoted from the articles; no chat model). The *Filters* of the Ask tab apply.")  # fmt: skip
            with gr.Row():
                topic = gr.Textbox(placeholder="A topic, such as Lavrov", show_label=False, scale=5, elem_id="topic")
                show = gr.Button("Show the timeline", variant="primary", scale=1, elem_id="show-timeline")
            story = gr.HTML(timeline_html([]), elem_id="timeline", js_on_load=OPEN_ARTICLE_JS)
            story_article = gr.HTML("", elem_id="timeline-article")

        def ask(message, history, *filters):
            yield from respond(app, message, history, *filters)

        def show_article(evt):
            data = evt._data if isinstance(evt._data, dict) else {}  # sent by the browser: checked on use
            return open_article(app, data.get("article"), data.get("spans", ""))

        show_article.__annotations__["evt"] = gr.EventData  # a real class: gradio passes the event's data

        inputs, private = [box, chat, date_from, date_to, outlet, folder], {"api_visibility": "private"}
        # At most 8 questions in flight, the rest wait in Gradio's queue; the model itself answers one at a time.
        queued = {"concurrency_limit": 8, "concurrency_id": "answer"}
        box.submit(ask, inputs, [chat, sources], api_name="ask", **queued).then(lambda: "", None, box, **private)
        send.click(ask, inputs, [chat, sources], **queued, **private).then(lambda: "", None, box, **private)
        sources.open_article(show_article, None, article, **private)
        story.open_article(show_article, None, story_article, **private)
        timeline_inputs = [topic, date_from, date_to, outlet, folder]
        for start in (topic.submit, show.click):
            start(lambda *a: show_timeline(app, *a), timeline_inputs, story, **private)
        clear.click(
            lambda: ([], sources_html(None, 0), "", status_html(app)), None, [chat, sources, article, notice], **private
        )
        demo.load(lambda: status_html(app), None, notice, **private)
    return demo


def access(host: str, auth: str | None) -> tuple[tuple[str, str] | None, str]:
    """(login or None, warning or '') for serving on host; auth is checked as the `auth` setting is.

    >>> access("127.0.0.1", None)
    (None, '')
    >>> access("0.0.0.0", "ann:s3cret:x")
    (('ann', 's3cret:x'), '')
    """
    auth = checked("auth", auth)
    credentials = tuple(auth.split(":", 1)) if auth else None
    warning = ""
    if host not in LOOPBACK and not credentials:
        warning = (
            f"Warning: serving on {host} without {flag_name('auth')}: anyone who can reach this machine can ask the "
            "chat model questions (on this machine's CPU), read the articles' text through the answers, their "
            "source cards and the article viewer (whole articles), see their titles, outlets, dates, file names "
            "and folders, call the page's /ask API, and read error messages that say where the index lives; "
            f"set {flag_name('auth')} USER:PASSWORD or {env_name('auth')} to ask for a login"
        )
    return credentials, warning


def check_address(host: str, port: int) -> None:
    """Refuse, in one line, an address this machine cannot listen on (before anything says it is serving)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as the server (uvicorn) binds
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except socket.gaierror as exc:
            raise ConfigError(f"cannot serve on {host}:{port} ({exc.strerror}); choose another --host") from None
        except OSError as exc:
            reason, advice = {
                errno.EADDRNOTAVAIL: (
                    "no network interface of this machine has that address",
                    "--host, such as 127.0.0.1 or 0.0.0.0",
                ),
                errno.EADDRINUSE: ("the port is in use", "--port"),
                errno.EACCES: ("not allowed: ports below 1024 need root", "--port"),
            }.get(exc.errno, (exc.strerror or str(exc), "--port or --host"))
            raise ConfigError(f"cannot serve on {host}:{port} ({reason}); choose another {advice}") from None


def serve(app, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, warn=print, block: bool = True):
    """Launch the page. Beyond loopback without --auth, warn loudly; never a share link, never uploads.

    Gradio's routes the page does not use are off or refused (guard.py): uploads (also `max_file_size` 0),
    the run history kept in the browser, the traffic dashboard, the MCP server; with a login, no route answers
    before it."""
    from . import guard

    credentials, warning = access(host, auth)
    check_address(host, port)
    if warning:
        warn(warning)
    demo = build_ui(app)
    demo.queue(default_concurrency_limit=8)
    try:
        demo.launch(
            server_name=host, server_port=port, share=False, auth=credentials, css=CSS, head=HEAD,
            prevent_thread_lock=True, show_error=False, quiet=True, footer_links=[], max_file_size=0,
            run_history=False, enable_monitoring=False, mcp_server=False, ssr_mode=False, pwa=False,
            app_kwargs={"middleware": [guard.middleware()]},
        )  # fmt: skip
    except OSError as exc:
        raise ConfigError(
            f"cannot serve on {host}:{port} ({_one_line(exc)}); choose another --port or --host"
        ) from None
    warn(f"Serving the chat page on http://{host}:{port} (Ctrl+C stops it)")
    if block:
        demo.block_thread()
    return demo  # still serving when block=False: demo.close() stops it
