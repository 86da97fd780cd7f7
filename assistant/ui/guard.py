"""What the chat page's server refuses that Gradio would let through.

The page takes no files, yet Gradio 6 serves an upload route to every page (files
written to its temporary folder and served back by `/gradio_api/file=`) and a
screen-recording route that takes a video; it leaves the heartbeat stream and a
few other routes open before a login; and a history sent to the `/ask` API that
is not a list of messages fails inside Gradio's own validation, which logs a
traceback and answers `{"error": null}`. Here:

- `Guard`, an ASGI middleware in front of Gradio's routes, refuses to everyone
  (403) the upload routes, the deep-link route (it writes a session's state to
  disk for a link that reloads it) and `/gradio_api/file=<a web address>`
  (which has the server fetch that address for the caller), and when the page
  asks for a login, every `/gradio_api/` route to anyone not logged in (401);
- `Page`, the page's Blocks, checks each call's values before Gradio reads
  them: a malformed history gets one line back and nothing is logged (and a
  message's content may be plain text, as `assistant ask --history` takes it).

Imported only when the page is built (it imports Gradio); `web.py` builds and
serves the page.
"""

from __future__ import annotations

import gradio as gr
from gradio.route_utils import API_PREFIX
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..errors import InputError

NO_FILES = "this page takes no files"
REFUSED = {  # route -> why it is refused
    f"{API_PREFIX}/upload": NO_FILES,
    f"{API_PREFIX}/upload_progress": NO_FILES,
    f"{API_PREFIX}/process_recording": NO_FILES,
    f"{API_PREFIX}/deep_link": "this page makes no deep links",
}
FILES = tuple(API_PREFIX + route for route in ("/file=", "/file/"))  # given a web address, Gradio fetches it
# Open before a login: login_check answers 401 itself, and launch() itself calls startup-events (once it has
# run, a call does nothing).
OPEN = tuple(API_PREFIX + route for route in ("/login_check", "/startup-events"))


class Guard:
    """Refuses the Gradio routes the page does not use, and with a login, every route to anyone not logged in."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        path = scope["path"] if scope["type"] == "http" else ""  # Gradio serves no websockets
        if path.rstrip("/") in REFUSED:
            await JSONResponse({"detail": REFUSED[path.rstrip("/")]}, status_code=403)(scope, receive, send)
        elif path.startswith(FILES) and path[len(FILES[0]) :].startswith(("http://", "https://")):
            await JSONResponse({"detail": "this page fetches nothing from other hosts"}, 403)(scope, receive, send)
        elif path.startswith(API_PREFIX + "/") and path not in OPEN and not await logged_in(scope):
            await JSONResponse({"detail": "Not authenticated"}, status_code=401)(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def logged_in(scope) -> bool:
    """True when the page asks for no login, or the request carries the login cookie Gradio gave (read as
    Gradio's own `/user` route reads it)."""
    app = scope["app"]
    if app.auth is None:
        return True
    cookies = Request(scope).cookies
    token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    return app.tokens.get(token) is not None


def middleware() -> Middleware:
    return Middleware(Guard)


def history_payload(history) -> list:
    """The chat history Gradio's Chatbot takes, from a list of user and assistant messages whose content is
    text (a string, or Gradio's text parts); anything else is refused in one line.

    >>> history_payload([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": [{"type": "text", "text": "?"}]}])
    [{'role': 'user', 'content': [{'type': 'text', 'text': 'Hi'}]}, {'role': 'assistant', 'content': [{'type': 'text', 'text': '?'}]}]
    >>> history_payload([{"role": "user", "content": [{"type": "file", "file": {"path": "/etc/passwd"}}]}])
    Traceback (most recent call last):
    assistant.errors.InputError: message 1 of the chat history is not text; send [{"role": "user"|"assistant", "content": "..."}]
    """
    shape = 'send [{"role": "user"|"assistant", "content": "..."}]'
    if history is None:
        return []
    if not isinstance(history, list):
        raise InputError(f"the chat history must be a list of messages; {shape}")
    payload = []
    for n, message in enumerate(history, 1):
        if not isinstance(message, dict):
            raise InputError(f"message {n} of the chat history is not an object; {shape}")
        if message.get("role") not in ("user", "assistant"):
            raise InputError(f"message {n} of the chat history has no role user or assistant; {shape}")
        content = message.get("content")
        parts = content if isinstance(content, list) else [content]
        if not all(isinstance(p, str) or _text_part(p) for p in parts):
            raise InputError(f"message {n} of the chat history is not text; {shape}")
        parts = [{"type": "text", "text": p} if isinstance(p, str) else p for p in parts]
        payload.append(message | {"content": parts})
    return payload


def _text_part(part) -> bool:
    return isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)


class Page(gr.Blocks):
    """The page's Blocks: each call's values are checked before Gradio validates and reads them."""

    def validate_inputs(self, block_fn, inputs):
        name = f"/{block_fn.api_name}" if block_fn.api_name else "this event"
        if len(inputs) < len(block_fn.inputs):
            raise gr.Error(f"{name} takes {len(block_fn.inputs)} values; got {len(inputs)}", print_exception=False)
        for i, block in enumerate(block_fn.inputs):
            if isinstance(block, gr.Chatbot):
                try:
                    inputs[i] = history_payload(inputs[i])
                except InputError as exc:
                    raise gr.Error(str(exc), print_exception=False) from None
        super().validate_inputs(block_fn, inputs)
