"""Settings: every knob of the assistant, declared once.

Each setting is one dataclass field with its default, bounds and help text.
`Settings.load()` reads `ASSISTANT_<NAME>` environment variables and keyword
overrides (the CLI passes its flags here), checks bounds and returns a frozen
object that the rest of the code receives as an argument. No module reads the
environment on its own, and there is no global settings object.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assistant"


def setting(default, help: str, lo=None, hi=None, choices=None):
    """Declare one setting: a dataclass field carrying help and bounds."""
    meta = {"help": help, "lo": lo, "hi": hi, "choices": choices}
    if callable(default):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    # Where things live
    store_path: Path = setting(PROJECT_ROOT / "index", "Folder of the local index (Chroma and the lexical index).")
    corpus_path: Path = setting(PROJECT_ROOT / "articles", "Default folder of articles to ingest.")
    collection: str = setting("articles", "Name of the Chroma collection.")
    chroma_url: str = setting("", "URL of a Chroma server (http://host:8000); empty means the local store.")
    cache_dir: Path = setting(_default_cache, "Where assembled model files are cached.")
    catalogue: Path = setting(PROJECT_ROOT / "models.txt", "The models catalogue file.")
    prompts_dir: Path = setting(PROJECT_ROOT / "prompts", "Folder of prompt templates.")
    # Ingestion
    chunk_size: int = setting(700, "Target chunk length in characters.", 100, 4000)
    chunk_overlap: int = setting(150, "Characters of overlap between neighbouring chunks.", 0, 2000)
    max_file_mb: float = setting(10.0, "Files larger than this (MB) are skipped.", 0.001, 2000)
    # Retrieval
    top_k: int = setting(5, "Passages handed to the model.", 1, 20)
    per_article: int = setting(2, "At most this many passages from one article.", 1, 20)
    dense_weight: float = setting(1.0, "Weight of the dense (embedding) ranking in fusion.", 0.0, 10.0)
    lexical_weight: float = setting(3.0, "Weight of the lexical (BM25) ranking in fusion; 0 turns it off.", 0.0, 10.0)
    candidates: int = setting(40, "Passages each ranking (dense, BM25) offers to fusion.", 5, 500)
    rerank_model: str = setting("", "Folder of a local sentence-transformers CrossEncoder to rerank with; empty: off.")
    min_score: float = setting(0.45, "Abstain without calling the model when no passage is this similar.", -1.0, 1.0)
    support_threshold: float = setting(
        0.45, "A citation whose passage scores below this does not support its sentence.", 0.0, 1.0
    )
    # Models
    chat_model: str = setting("", "Chat model: a name from models.txt or a .gguf path; empty means the first.")
    embed_model: str = setting("", "Embedding model: a name from models.txt or a folder; empty means the first.")
    embed_precision: str = setting(
        "float32", "Embedding arithmetic: int8 embeds ~1.4x faster on CPU (re-ingest after changing it).",
        choices=("float32", "int8"),
    )  # fmt: skip
    llm_url: str = setting(
        "", "OpenAI-compatible server (http://host:8001/v1) to generate with; empty: the local model."
    )
    llm_model: str = setting("", "Model name sent to the model server; empty lets the server use its own.")
    llm_api_key: str = setting("", "Bearer key for the model server, if it wants one.")
    llm_timeout: float = setting(
        60.0, "Seconds to wait for the model server to connect or send the next piece.", 1, 3600
    )
    n_ctx: int = setting(4096, "Context window of the chat model, in tokens.", 512, 32768)
    threads: int = setting(lambda: os.cpu_count() or 2, "CPU threads for the chat model.", 1, 256)
    temperature: float = setting(0.1, "Sampling temperature of the chat model.", 0.0, 2.0)
    max_tokens: int = setting(300, "Most tokens in one answer.", 16, 4096)
    prompt_budget: int = setting(1200, "Most tokens of passages put in a prompt.", 100, 30000)

    @classmethod
    def load(cls, environ=None, **overrides) -> Settings:
        """Defaults, then ASSISTANT_* variables, then overrides (None = unset)."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            raw = environ.get(f"ASSISTANT_{f.name.upper()}")
            if overrides.get(f.name) is not None:
                raw = overrides[f.name]
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        unknown = set(overrides) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **{k: _coerce(FIELDS[k], v) for k, v in changes.items()})


def _coerce(f: dataclasses.Field, raw):
    kind = {"Path": Path, "int": int, "float": float, "str": str}[f.type]
    name = f"{f.name} (--{f.name.replace('_', '-')}, ASSISTANT_{f.name.upper()})"
    try:
        value = kind(raw) if not isinstance(raw, kind) else raw
    except (TypeError, ValueError):
        raise ConfigError(f"{name} = {raw!r} is not a valid {f.type}; {f.metadata['help']}") from None
    choices = f.metadata["choices"]
    if choices and value not in choices:
        raise ConfigError(f"{name} = {raw!r} is not one of {', '.join(choices)}; {f.metadata['help']}")
    lo, hi = f.metadata["lo"], f.metadata["hi"]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name} = {raw!r} is out of range [{lo}, {hi}]; {f.metadata['help']}")
    if kind is Path:
        value = value.expanduser()
    return value


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
