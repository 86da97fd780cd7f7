"""assistant: answer questions from a folder of news articles, offline, with citations.

The library is the pipeline (pipeline.py's `Assistant`) over five layers, each importing only
from those before it: text/ (words, stems, sentences, dates), models/ (the catalogue, the
embedder, the chat model), ingest/ (files to the two stores), check/ (claims against the
sentences they cite), answer/ (a question to a checked, cited answer). ui/ (the command, the
page) is a thin layer over the library. Importing the package switches off every network
feature of the libraries it uses: no hub downloads, no telemetry, no analytics.

The public API: `Assistant`, `Settings`, `Answer` and the error family (`AssistantError` and its
kinds), imported on first use so that `import assistant` stays cheap.
"""

import importlib
import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

__version__ = "0.1.0"

_PUBLIC = {
    "Assistant": "pipeline",
    "Settings": "config",
    "Answer": "records",
    **dict.fromkeys(
        ["AssistantError", "ConfigError", "ModelError", "StoreError", "DamagedIndexError", "InputError"], "errors"
    ),
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
