"""Settings: every knob of the assistant, declared once.

Each setting is one dataclass field with its default, bounds and help text.
Everything else is derived from that declaration: the `ASSISTANT_<NAME>`
environment variable and the `--name` flag (`env_name`, `flag_name`, the names
every message uses), the CLI option (cli.py) and the README's configuration
table (`markdown_table`, kept equal by tests/test_config.py).
`Settings.load()` reads the environment variables and keyword overrides (the
CLI passes its flags here), checks types and bounds and returns a frozen object
that the rest of the code receives as an argument. No module reads the
environment on its own, and there is no global settings object.

Types: str, int, float, bool (true/false, yes/no, on/off, 1/0), Path, and any
of them `| None` (an empty value means None).
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED = Path(str(files("assistant") / "data"))  # prompts/ and models.txt, as the wheel carries them
TYPES = {"str": str, "int": int, "float": float, "bool": bool, "Path": Path}
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def default_cache() -> Path:
    """~/.cache/assistant (or under $XDG_CACHE_HOME)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assistant"


def checkout() -> Path | None:
    """The source checkout this package runs from (an editable install), or None for an installed tool."""
    return PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "prompts").is_dir() else None


def default_store() -> Path:
    """index/ in a checkout; an installed tool's in the user's data folder: ~/.local/share/assistant/index
    (or under $XDG_DATA_HOME), never beside its code in site-packages."""
    if checkout():
        return PROJECT_ROOT / "index"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "assistant" / "index"


def default_corpus() -> Path:
    """articles/ of the checkout; for an installed tool, articles/ in the folder it runs in."""
    return PROJECT_ROOT / "articles" if checkout() else Path("articles")


def setting(default, help: str, lo=None, hi=None, choices=None, form=None, shown=None):
    """Declare one setting: a dataclass field carrying its help, bounds, choices or form (a regex and how it
    reads, e.g. (r"[^:]+:.+", "USER:PASSWORD")), and how its default reads in the docs when that differs."""
    meta = {"help": help, "lo": lo, "hi": hi, "choices": choices, "form": form, "shown": shown}
    if callable(default):
        return field(default_factory=default, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    # Where things live
    store_path: Path = setting(
        default_store, "Where the Chroma store and the lexical index live.",
        shown="`index/` in a checkout, else `~/.local/share/assistant/index`",
    )  # fmt: skip
    corpus_path: Path = setting(
        default_corpus, "What `assistant ingest` reads when given no folder.",
        shown="`articles/` of the checkout (installed: of the current folder)",
    )  # fmt: skip
    collection: str = setting("articles", "Name of the Chroma collection.")
    chroma_url: str = setting("", "A Chroma server (http://host:8000) instead of the local store.")
    cache_dir: Path = setting(
        default_cache, "Where split model parts are joined into one GGUF file.", shown="`~/.cache/assistant`"
    )
    catalogue: Path = setting(SHIPPED / "models.txt", "The models catalogue.", shown="`models.txt`")
    prompts_dir: Path = setting(SHIPPED / "prompts", "Folder of the prompt templates.", shown="`prompts/`")
    # Ingestion
    chunk_size: int = setting(
        700, "Passage length in characters (sentence-aligned; a section heading opens a new passage).", 100, 4000
    )
    chunk_overlap: int = setting(150, "Characters of overlap between neighbouring passages.", 0, 2000)
    max_file_mb: float = setting(10.0, "Larger files (in MB) are skipped.", 0.001, 2000)
    # Retrieval
    top_k: int = setting(10, "Passages retrieved; the evidence sentences are chosen from their articles.", 1, 40)
    per_article: int = setting(2, "At most this many of them from one article.", 1, 20)
    dense_weight: float = setting(1.0, "Weight of the embedding ranking in fusion.", 0.0, 10.0)
    lexical_weight: float = setting(3.0, "Weight of the BM25 ranking in fusion; 0 turns BM25 off.", 0.0, 10.0)
    candidates: int = setting(40, "Passages each ranking offers to fusion.", 5, 500)
    story_articles: int = setting(
        8, 'Most articles a timeline, or an answer across articles ("how did ... change"), quotes.', 1, 100
    )
    rerank_model: str = setting(
        "", "Folder of a local sentence-transformers CrossEncoder to rerank with (none ships on PyPI); empty: off."
    )
    min_score: float = setting(
        0.3, "Below this cosine similarity for every passage, answer 'not in the articles' without the model.",
        -1.0, 1.0,
    )  # fmt: skip
    support_threshold: float = setting(0.45, "A citation scoring below this is marked unsupported.", 0.0, 1.0)
    # Models
    chat_model: str = setting("", "Chat model: a name from models.txt or a .gguf path; empty: the first listed.")
    embed_model: str = setting("", "Embedding model: a name from models.txt or a folder; empty: the first listed.")
    embed_precision: str = setting(
        "int8", "int8: the OpenVINO network quantized by NNCF (made once into cache_dir, ~15 s), about 2x "
        "float32 on CPUs with int8 instructions, vectors within cosine ~0.99 of float32's (the same dev-set "
        "recall@5 and answers on validation); float32: the model's own vectors. An index keeps the precision it "
        "was built with: `assistant ingest --rebuild` re-embeds it.", choices=("float32", "int8"),
    )  # fmt: skip
    llm_url: str = setting("", "An OpenAI-compatible model server (http://host:8001/v1) instead of the local GGUF.")
    llm_model: str = setting("", "Model name sent to the model server; empty lets the server use its own.")
    llm_api_key: str = setting("", "Bearer key for the model server, if it wants one.")
    llm_timeout: float = setting(
        60.0, "Seconds to wait for the model server to connect or send the next piece.", 1, 3600
    )
    n_ctx: int = setting(4096, "Context window of the chat model, in tokens.", 512, 32768)
    threads: int = setting(lambda: os.cpu_count() or 2, "CPU threads for the chat model.", 1, 256, shown="cores")
    temperature: float = setting(
        0.0, "Sampling temperature of the chat model; 0: the same answer every time.", 0.0, 2.0
    )
    max_tokens: int = setting(300, "Most tokens in one answer.", 16, 4096)
    evidence_budget: int = setting(300, "Most tokens of evidence sentences in one prompt.", 50, 30000)
    reads: int = setting(3, "Evidence sentences the chat model reads, best first, to pick the answer from.", 1, 20)
    # The page
    auth: str | None = setting(
        None, "Login the chat page asks for; needed to serve beyond this machine.", form=(r"[^:]+:.+", "USER:PASSWORD")
    )

    @classmethod
    def load(cls, environ=None, **overrides) -> Settings:
        """Defaults, then ASSISTANT_* variables, then overrides (None = unset)."""
        environ = os.environ if environ is None else environ
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(overrides) - set(fields)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values = {}
        for name, f in fields.items():
            raw = overrides[name] if overrides.get(name) is not None else environ.get(env_name(name))
            if raw is not None:
                values[name] = _coerce(f, raw)
        return cls(**values)

    def replace(self, **changes) -> Settings:
        fields = {f.name: f for f in dataclasses.fields(self)}
        return dataclasses.replace(self, **{k: _coerce(fields[k], v) for k, v in changes.items()})


def env_name(name: str) -> str:
    """The environment variable of a setting: env_name("top_k") == "ASSISTANT_TOP_K". (tests/test_config.py
    checks that every name the code passes here is declared.)"""
    return f"ASSISTANT_{name.upper()}"


def flag_name(name: str) -> str:
    """The command-line flag of a setting: flag_name("top_k") == "--top-k"."""
    return "--" + name.replace("_", "-")


def checked(name: str, value):
    """value as the setting `name` takes it, or a ConfigError saying what is wrong with it."""
    return _coerce(FIELDS[name], value)


def value_type(f: dataclasses.Field) -> tuple[type, bool]:
    """(type, whether None is allowed) of a setting, from its annotation ("int", "Path | None", ...)."""
    annotation = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", None) or str(f.type)
    name, optional = re.subn(r"\s*\|\s*None$", "", annotation.replace("pathlib.", ""))
    if name not in TYPES:
        raise TypeError(f"setting {f.name} has type {f.type!r}; settings are {', '.join(TYPES)} or one | None")
    return TYPES[name], bool(optional)


def describe(f: dataclasses.Field) -> str:
    """The help text with the bounds, choices or form: what --help and the README say."""
    meta = f.metadata
    if meta["lo"] is not None:
        return f"{meta['help']} [{meta['lo']}..{meta['hi']}]"
    if meta["choices"]:
        return f"{meta['help']} [{', '.join(meta['choices'])}]"
    if meta["form"]:
        return f"{meta['help']} [{meta['form'][1]}]"
    return meta["help"]


def _coerce(f: dataclasses.Field, raw):
    kind, optional = value_type(f)
    name = f"{f.name} ({flag_name(f.name)}, {env_name(f.name)})"
    if optional and (raw is None or raw == ""):
        return None
    try:
        if isinstance(raw, kind):
            value = raw
        elif kind is bool:
            value = _bool(str(raw))
        else:
            value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} = {raw!r} is not a valid {kind.__name__}; {describe(f)}") from None
    meta = f.metadata
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(f"{name} = {raw!r} is not one of {', '.join(meta['choices'])}; {meta['help']}")
    lo, hi = meta["lo"], meta["hi"]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name} = {raw!r} is out of range [{lo}, {hi}]; {meta['help']}")
    if meta["form"] and not re.fullmatch(meta["form"][0], value):  # the value may be a secret: not repeated
        raise ConfigError(f"{name} must look like {meta['form'][1]}; {meta['help']}")
    if kind is Path:
        value = value.expanduser()
    return value


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE + FALSE:
        return word in TRUE
    raise ValueError(text)


def shown_default(f: dataclasses.Field) -> str:
    """How a setting's default reads in the docs (Markdown)."""
    if f.metadata["shown"]:
        return f.metadata["shown"]
    value = f.default
    if value is None:
        return "none"
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, (int, float)) else f"`{value}`"


def markdown_table() -> str:
    """The README's configuration table: one row per setting, from the declarations."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    rows += [f"| `{f.name}` | {shown_default(f)} | {describe(f)} |" for f in FIELDS.values()]
    return "\n".join(rows)


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
for _field in FIELDS.values():
    value_type(_field)  # an unsupported type fails at import, not at the first use

if __name__ == "__main__":
    print(markdown_table())
