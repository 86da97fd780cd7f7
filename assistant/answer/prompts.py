"""Render the prompt templates in prompts/ strictly, and build the chat messages.

Templates are plain text files using `${name}` placeholders. Rendering fails
with a ConfigError when a placeholder has no value or a value has no
placeholder, so a renamed variable cannot silently vanish from a prompt.
The evidence sentences are numbered [1]..[k] under their article's title, one
to a line, with brackets in them turned into parentheses so that quoted text
cannot forge a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from string import Template

from ..errors import ConfigError
from ..records import Evidence, Hit


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
    title = c.title if c.title and len(c.title) <= 120 else c.source  # a snippet's "title" is its whole text
    return f"{title} ({details})" if details else title


def render_evidence(prompts_dir: Path, evidence: Sequence[Evidence]) -> str:
    """The numbered evidence sentences, grouped by article under its title, outlet and date."""
    groups: dict[str, list[Evidence]] = {}
    for item in evidence:
        groups.setdefault(item.hit.chunk.article_id, []).append(item)
    return "\n\n".join(
        render(prompts_dir, "evidence", heading=defuse(passage_heading(items[0].hit)),
               sentences="\n".join(f"[{e.n}] {defuse(e.text)}" for e in items))
        for items in groups.values()
    )  # fmt: skip


def defuse(text: str) -> str:
    """Keep quoted text on its line: it may not start a line, forge an evidence number or a bracket."""
    return " ".join(text.split()).replace("[", "(").replace("]", ")")


def answer_messages(prompts_dir: Path, question: str, evidence: Sequence[Evidence]) -> list[dict]:
    """The system prompt (the same for every question, so the model's cache keeps it), then evidence and question."""
    not_found = not_found_sentence(prompts_dir)
    system = render(prompts_dir, "system", not_found=not_found)
    user = render(prompts_dir, "answer", evidence=render_evidence(prompts_dir, evidence), question=question)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
