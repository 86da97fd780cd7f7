"""Installed as a tool (issue 14.2): the wheel carries its prompts and catalogue and keeps its index in the
user's data folder, so it answers from any folder and never writes into site-packages.

The wheel is built from this checkout and installed, not editable, into a fresh virtual environment. Its
dependencies (torch, chromadb, the default models: gigabytes) are this environment's, reached through a
.pth file; the `assistant` package itself comes only from the wheel. Then ingest, status and ask run from
a folder outside the checkout, with the real default embedding model; the question is off-topic, so the
answer is the packaged not-found sentence and the chat model is never loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
    return done


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def test_the_wheel_installs_as_a_tool_that_answers_from_any_folder(tmp_path):
    source = tmp_path / "source"  # a copy, so that the build writes nothing into the checkout
    skip = shutil.ignore_patterns(".*", "*.egg-info", "__pycache__", "build", "dist", "index", "tests")
    shutil.copytree(PROJECT_ROOT, source, symlinks=True, ignore=skip)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path / "dist",
        source)  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("assistant-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    prompts = {f"assistant/data/prompts/{p.name}" for p in (PROJECT_ROOT / "prompts").glob("*.txt")}
    assert prompts and prompts | {"assistant/data/models.txt"} <= shipped
    articles = {f"assistant/data/articles/{p.name}" for p in (PROJECT_ROOT / "articles").glob("*.txt")}
    assert articles and articles <= shipped  # what the int8 embedder is calibrated on

    tool = tmp_path / "tool"
    run(sys.executable, "-m", "venv", "--without-pip", tool)
    (site,) = (tool / "lib").glob("python3*/site-packages")
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", tool / "bin" / "python", "install", "-q", "--no-deps", "--no-index",
        wheel)  # fmt: skip
    where = run(tool / "bin" / "python", "-c", "import assistant; print(assistant.__file__)", cwd=tmp_path).stdout
    assert where.startswith(str(site)), where
    before = files_under(site)

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    shutil.copytree(PROJECT_ROOT / "articles", elsewhere / "news")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "XDG_"))} | {"HOME": str(home)}
    assistant = tool / "bin" / "assistant"
    ingest = run(assistant, "ingest", "news", cwd=elsewhere, env=env)
    assert "5 added" in ingest.stdout

    status = json.loads(run(assistant, "status", "--json", cwd=elsewhere, env=env).stdout)
    data = home / ".local" / "share" / "assistant" / "index"
    assert status["store_path"] == str(data) and status["articles"] == 5 and (data / "chroma.sqlite3").exists()
    assert [f["path"] for f in status["folders"]] == [str(elsewhere / "news")]

    asked = run(assistant, "ask", "--json", "How do I bake sourdough bread at home?", cwd=tmp_path, env=env)
    answer = json.loads(asked.stdout)
    not_found = (PROJECT_ROOT / "prompts" / "not_found.txt").read_text().strip()
    assert answer["abstained"] and answer["answer"] == not_found
    assert files_under(site) == before  # nothing written into site-packages
