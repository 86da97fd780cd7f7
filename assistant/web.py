"""The chat page: a Gradio Blocks app over an Assistant, built apart from serving it.

`build_ui(app)` returns the Blocks (tests build it without a server);
`serve(app, ...)` launches it on 127.0.0.1 by default, never with a share
link, with system fonts only. Answers stream into the chat; the sources of the
latest answer show beside it as cards. Every piece of article text is
HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import html
import re

from .cite import MARKER
from .errors import AssistantError
from .records import Answer, Citation
from .retrieve import Filters, check_filters

EXAMPLES = [
    "What did Lavrov propose?",
    "What did Lavrov and Kerry agree on in Kuala Lumpur?",
    "Which ancient city did Islamic State occupy in May 2015?",
]

CSS = """
.source-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px; margin: 8px 0; }
.source-card summary { cursor: pointer; font-weight: 600; }
.source-card .meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.source-card .passage { white-space: pre-wrap; margin-top: 6px; }
.source-card mark { background: #fff3a3; color: inherit; }
.source-card.unsupported { border-color: #d9822b; }
.notice { padding: 8px 12px; border-radius: 8px; background: #fff4e5; color: #6b3d00; }
"""

HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='#src-']");
  if (!link) return;
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (card) { event.preventDefault(); card.open = true; card.scrollIntoView({behavior: "smooth", block: "nearest"}); }
});
</script>
"""


def link_markers(text: str, turn: int) -> str:
    """'[2]' -> a link to source card 2 of this turn."""
    return MARKER.sub(lambda m: "".join(f"[[{n}]](#src-{turn}-{n})" for n in re.findall(r"\d+", m.group(1))), text)


def source_card(c: Citation, turn: int) -> str:
    ch = c.hit.chunk
    details = " · ".join(html.escape(x) for x in (ch.outlet, ch.date, ch.source) if x)
    passage = html.escape(ch.text)
    if c.quote and c.quote in ch.text:
        passage = passage.replace(html.escape(c.quote), f"<mark>{html.escape(c.quote)}</mark>", 1)
    support = ""
    if c.supported is not None:
        verdict = "supports the answer" if c.supported else "does not clearly support the answer"
        support = f'<div class="meta">Support score {c.support:.2f}: this passage {verdict}.</div>'
    return (
        f'<details class="source-card{"" if c.supported is not False else " unsupported"}" id="src-{turn}-{c.n}" open>'
        f"<summary>[{c.n}] {html.escape(ch.title)}</summary>"
        f'<div class="meta">{details}</div>{support}<div class="passage">{passage}</div></details>'
    )


def sources_html(answer: Answer | None, turn: int) -> str:
    if answer is None:
        return "<p>Sources of the answer appear here.</p>"
    parts = []
    if answer.standalone_question != answer.question:
        parts.append(f"<p><b>Searched for:</b> {html.escape(answer.standalone_question)}</p>")
    if answer.abstained:
        parts.append("<p>No passage answers this question. Closest passages found:</p>")
        parts += [
            f"<p>• {html.escape(h.chunk.title)} <span class='meta'>({html.escape(h.chunk.source)})</span></p>"
            for h in answer.hits[:3]
        ]
    parts += [source_card(c, turn) for c in answer.citations]
    return "\n".join(parts) or "<p>No sources.</p>"


def status_html(app) -> str:
    """A one-line notice when the page cannot answer yet; empty when all is well."""
    from . import models

    try:
        if app.store.count() == 0:
            return "<div class='notice'>The index is empty: run <code>assistant ingest</code> to add articles.</div>"
        spec = app.chat_spec()
        if app._generator is None and not models.is_installed(spec):
            return f"<div class='notice'>Chat model {html.escape(spec.name)} is not installed: {html.escape(spec.install_hint())}</div>"
    except AssistantError as exc:
        return f"<div class='notice'>{html.escape(str(exc))}</div>"
    return ""


def respond(app, message: str, history: list, date_from="", date_to="", outlet="", folder=""):
    """Stream (chat history, sources panel, cited articles or None while unsettled) for one question."""
    history = list(history or [])
    turn = sum(1 for m in history if m["role"] == "user") + 1
    earlier = [{"role": m["role"], "content": _plain(m["content"])} for m in history]
    history.append({"role": "user", "content": message})
    history.append({"role": "assistant", "content": "…"})
    generator = app._generator
    if generator is not None and getattr(generator, "lock", None) is not None and generator.lock.locked():
        history[-1]["content"] = "⏳ Waiting for the model: another question is being answered…"
    yield history, "", None
    try:
        filters = check_filters(Filters(*((value or "").strip() for value in (date_from, date_to, outlet, folder))))
        streamed = ""
        for item in app.ask_stream(message, filters=filters, history=earlier):
            if isinstance(item, Answer):
                history[-1]["content"] = _final_text(item, turn)
                yield history, sources_html(item, turn), cited_articles(item)
                return
            streamed += item
            history[-1]["content"] = html.escape(streamed)
            yield history, "", None
    except AssistantError as exc:
        history[-1]["content"] = f"⚠ {html.escape(str(exc))}"
        yield history, "", []


def cited_articles(answer: Answer) -> list[tuple[str, str]]:
    """(label, article id) of each article the answer cites, for the article opener."""
    seen = {}
    for c in answer.citations:
        seen.setdefault(c.hit.chunk.article_id, f"[{c.n}] {c.hit.chunk.title} ({c.hit.chunk.source})")
    return [(label, aid) for aid, label in seen.items()]


def article_html(app, article_id: str | None) -> str:
    """The whole article, from the index only, escaped; anything else is refused."""
    if not article_id:
        return ""
    try:
        a = app.article(article_id)
    except AssistantError as exc:
        return f"<div class='notice'>{html.escape(str(exc))}</div>"
    details = " · ".join(html.escape(x) for x in (a["outlet"], a["date"], a["source"], a["url"]) if x)
    return (
        f"<div class='source-card'><b>{html.escape(a['title'])}</b><div class='meta'>{details}</div>"
        f"<div class='passage'>{html.escape(a['text'])}</div></div>"
    )


def _final_text(answer: Answer, turn: int) -> str:
    text = html.escape(answer.text, quote=False)
    if answer.abstained:
        return text
    warnings = "".join(f"\n\n⚠ {html.escape(w)}" for w in answer.warnings)
    return link_markers(text, turn) + warnings


def _plain(content) -> str:
    if isinstance(content, list):  # gradio may hand back [{"type": "text", "text": ...}]
        content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    text = html.unescape(re.sub(r"\]\(#src-[\d-]+\)", "]", str(content)))
    return text.replace("[[", "[").replace("]]", "]")


def build_ui(app):
    import gradio as gr

    with gr.Blocks(title="assistant: ask the articles") as demo:
        gr.Markdown("## Ask the articles\nAnswers come only from the indexed articles, with numbered sources.")
        notice = gr.HTML(status_html(app), elem_id="notice")
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
                sources = gr.HTML(sources_html(None, 0), label="Sources", elem_id="sources")
                opener = gr.Dropdown(label="Open a cited article", choices=[], elem_id="open-article")
                article = gr.HTML("", elem_id="article")

        inputs = [box, chat, date_from, date_to, outlet, folder]

        def ask(message, history, *filters):
            for chat_value, sources_value, cited in respond(app, message, history, *filters):
                choices = gr.update(choices=cited, value=None) if cited is not None else gr.update()
                yield chat_value, sources_value, choices

        for trigger in (box.submit, send.click):
            trigger(ask, inputs, [chat, sources, opener], api_name="ask" if trigger == box.submit else False,
                    concurrency_limit=8).then(lambda: "", None, box)  # fmt: skip
        opener.change(lambda aid: article_html(app, aid), opener, article, api_name="article")
        clear.click(lambda: ([], sources_html(None, 0), status_html(app)), None, [chat, sources, notice])
        demo.load(lambda: status_html(app), None, notice)
    return demo


def serve(app, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, warn=print, block: bool = True):
    """Launch the page. Beyond loopback without --auth, warn loudly; never a share link."""
    credentials = None
    if auth:
        if ":" not in auth:
            raise AssistantError("--auth must look like USER:PASSWORD")
        credentials = tuple(auth.split(":", 1))
    if host not in ("127.0.0.1", "localhost", "::1") and not credentials:
        warn(f"Warning: serving on {host} without --auth: anyone who can reach this machine can read the articles.")
    demo = build_ui(app)
    demo.queue(default_concurrency_limit=8)
    warn(f"Serving the chat page on http://{host}:{port} (Ctrl+C stops it)")
    demo.launch(
        server_name=host, server_port=port, share=False, auth=credentials, css=CSS, head=HEAD,
        prevent_thread_lock=not block, show_error=False, quiet=True, footer_links=[],
    )  # fmt: skip
    return demo  # still serving when block=False: demo.close() stops it
