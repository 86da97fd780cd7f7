"""Fixtures: every test runs isolated from the user's environment, over a temporary index.

No `ASSISTANT_*` variable of the shell reaches a test (an exported
ASSISTANT_CHROMA_URL would otherwise send the CLI tests to a server), and the
default index folder and model cache point into a temporary folder, so nothing
writes into the working tree or the user's cache. Tests that need the real
default chat model ask for `model_cache`, the user's cache, where it is joined
once for all runs. The fakes live in tests/fakes.py.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.config import Settings, default_cache, env_name
from assistant.pipeline import Assistant
from assistant.ui import cli
from tests.fakes import ARTICLES, FakeEmbedder, ScriptedGenerator


def _isolate(mp: pytest.MonkeyPatch, folder: Path) -> None:
    for name in [n for n in os.environ if n.startswith("ASSISTANT_")]:
        mp.delenv(name)
    mp.setenv(env_name("store_path"), str(folder / "index"))
    mp.setenv(env_name("cache_dir"), str(folder / "cache"))


@pytest.fixture(scope="session", autouse=True)
def isolated_session(tmp_path_factory):
    """For module- and session-wide fixtures, which run before a test's own isolation."""
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, tmp_path_factory.mktemp("session"))
        yield


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """The user's model cache: the real default GGUF is joined there once, not once per test."""
    return default_cache()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.load(store_path=tmp_path / "index", cache_dir=tmp_path / "cache", min_score=-1.0)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A copy of the sample articles that a test may change."""
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    return folder


@pytest.fixture
def generator() -> ScriptedGenerator:
    return ScriptedGenerator()


@pytest.fixture
def app(settings, corpus, generator) -> Assistant:
    """An Assistant with fakes, its index filled from the sample articles."""
    assistant = Assistant(settings.replace(corpus_path=corpus), embedder=FakeEmbedder(), generator=generator)
    assistant.ingest()
    return assistant


@pytest.fixture
def run(settings, corpus, generator, monkeypatch):
    """Invoke the CLI with an Assistant that uses the fakes and a temporary index."""
    made = []

    def fake_assistant(ctx):  # the index and cache are the test's own (see `isolated`) unless the test names others
        s = ctx.obj["settings"].replace(corpus_path=corpus, min_score=-1.0)
        made.append(Assistant(s, embedder=FakeEmbedder(), generator=generator))
        return made[-1]

    monkeypatch.setattr(cli, "assistant_from", fake_assistant)

    def invoke(*args):
        """One command, as its own process would run it: the index is closed when it ends."""
        try:
            return CliRunner().invoke(cli.cli, list(args), catch_exceptions=False)
        finally:
            while made:
                made.pop().index.close()

    return invoke
