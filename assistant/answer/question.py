"""The question as asked: checked, cut to its core, and a follow-up made to stand alone.

`check_question` turns what the reader typed into plain text or a one-line
InputError; `question_core` finds what a long pasted question asks; and
`standalone` has the chat model rewrite a follow-up ("And Kerry?") from the
last turns of the chat, and distrusts a rewrite that loses the names.
Nothing here retrieves or answers.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..check.cite import is_abstention
from ..errors import InputError
from ..ingest.read import html_to_text
from ..text.facts import facts
from . import prompts

MAX_QUESTION_CHARS = 2000
CORE_CHARS = 300  # a longer question is searched by its core


def check_question(question: str) -> str:
    """The question as plain text (markup pasted with it dropped), or a one-line InputError."""
    question = question or ""
    if re.search(r"<[a-zA-Z/!][^>]*>", question):
        question = html_to_text(question)[1]
    question = " ".join(question.split())
    if not question:
        raise InputError("the question is empty; type a question about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is {len(question)} characters long; keep it under {MAX_QUESTION_CHARS}")
    if not any(ch.isalnum() for ch in question):
        raise InputError("the question has no words in it; ask about something in the articles")
    return question


def question_core(question: str) -> str:
    """What a long question asks: its last sentence that ends in "?" (else its first CORE_CHARS characters).

    A pasted paragraph ahead of the question would otherwise drown it in retrieval and evidence selection.
    >>> question_core("Some background here. " * 20 + "So what did Lavrov propose? Thanks.")
    'So what did Lavrov propose?'
    """
    if len(question) <= CORE_CHARS:
        return question
    asks = [s for s in re.split(r"(?<=[.!?])\s+", question) if s.endswith("?") and len(s.split()) >= 3]
    if asks:
        return asks[-1] if len(asks[-1]) <= CORE_CHARS else asks[-1][-CORE_CHARS:].split(" ", 1)[-1]
    return question[:CORE_CHARS].rsplit(" ", 1)[0]


PRONOUN = re.compile(r"\b(?:they|them|their|he|him|his|she|her|it|its)\b", re.IGNORECASE)


def _says_nothing(content: str, not_found: str) -> bool:
    """A turn that adds nothing to a rewrite: the not-found reply or an error line."""
    text = " ".join(str(content).split())
    return text.startswith("⚠") or is_abstention(text, not_found)


def standalone(question: str, history: list[dict], prompts_dir: Path, generator) -> str:
    """A follow-up rewritten by the model into a question that stands alone.

    It reads the last 4 turns that say something (not-found replies and errors are skipped), 300
    characters of each, however long the conversation. A rewrite that still says "they" or "he" but
    names no one the follow-up or the last question named is not trusted: the follow-up is then asked
    with the last question beside it, so the names reach retrieval either way.
    """
    not_found = prompts.not_found_sentence(prompts_dir)
    turns = [t for t in history if t.get("content") and not _says_nothing(t["content"], not_found)][-4:]
    if not turns:
        return question
    lines = [f"{t['role'].capitalize()}: {' '.join(t['content'].split())[:300]}" for t in turns]
    messages = [{"role": "user", "content": prompts.render(
        prompts_dir, "rewrite", history="\n".join(lines), question=question)}]  # fmt: skip
    text = "".join(generator.stream(messages, max_tokens=60, temperature=0.0)).strip()
    text = text.splitlines()[0].strip().strip('"') if text else ""
    last_asked = next((t["content"] for t in reversed(turns) if t["role"] == "user"), "")
    named = facts(f"{question} {last_asked}").names
    if not 8 <= len(text) <= 400 or (PRONOUN.search(text) and named and not facts(text).names & named):
        return f"{question} (after: {' '.join(last_asked.split())[:300]})" if last_asked else question
    return text
