"""Render the prompt templates in prompts/ strictly, and build the chat messages.

Templates are plain text files using `${name}` placeholders. Rendering fails
with a ConfigError when a placeholder has no value or a value has no
placeholder, so a renamed variable cannot silently vanish from a prompt.
The passages are numbered [1]..[k] and fenced as quoted material.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from string import Template

from .errors import ConfigError
from .records import Hit


@lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> Template:
    return Template(path.read_text(encoding="utf-8").strip())


def load(prompts_dir: Path, name: str, /) -> Template:
    path = Path(prompts_dir) / f"{name}.txt"
    try:
        return _read(path, path.stat().st_mtime)
    except OSError:
        raise ConfigError(f"prompt template {path} is missing; restore it from the repository") from None


def render(prompts_dir: Path, name: str, /, **values: str) -> str:
    template = load(prompts_dir, name)
    wanted = set(template.get_identifiers())
    missing, extra = wanted - set(values), set(values) - wanted
    if missing or extra or not template.is_valid():
        raise ConfigError(
            f"prompt {name}.txt does not match its variables (missing: {sorted(missing)}, unused: {sorted(extra)})"
        )
    return template.substitute(values)


def not_found_sentence(prompts_dir: Path) -> str:
    return render(prompts_dir, "not_found")


def passage_heading(hit: Hit) -> str:
    c = hit.chunk
    details = ", ".join(x for x in (c.outlet, c.date) if x)
    return f"{c.title} ({details})" if details else c.title


def render_passages(prompts_dir: Path, hits: list[Hit]) -> str:
    return "\n\n".join(
        render(prompts_dir, "passage", n=str(n), heading=passage_heading(h), text=_defuse(h.chunk.text))
        for n, h in enumerate(hits, 1)
    )


def _defuse(text: str) -> str:
    """Keep a passage inside its fence: it may not close the fence or forge a passage number."""
    text = re.sub(r"\s*\n\s*", "\n", text.replace('"""', "''"))  # blank lines cost tokens, say nothing
    return re.sub(r"(?m)^\[(\d+)\]", r"(\1)", text)


def answer_messages(prompts_dir: Path, question: str, hits: list[Hit]) -> list[dict]:
    system = render(prompts_dir, "system", not_found=not_found_sentence(prompts_dir))
    user = render(
        prompts_dir, "answer", passages=render_passages(prompts_dir, hits), question=question,
        not_found=not_found_sentence(prompts_dir),
    )  # fmt: skip
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
