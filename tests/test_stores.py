"""Stores that are damaged, locked or odd (issue 15): one line naming the file and what to do, and the
repair `assistant ingest` makes of what the index remembers.

The damage is real: files truncated, filled with garbage, a file where the index folder should be, and a
read-only file system (a read-only bind mount when the tests run as root, who can write any file
whatever its mode; chmod otherwise).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes import FakeEmbedder

CLI = Path(__file__).with_name("cli_with_fakes.py")


def one_line_error(result, *parts: str) -> None:
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output, result.output
    for part in parts:
        assert part in result.output, result.output


def test_a_store_path_that_is_a_file_is_one_line(run, tmp_path):
    where = tmp_path / "index-file"
    where.write_text("not a folder")
    for command in (["status"], ["ask", "What did Lavrov say?"], ["ingest"]):
        one_line_error(run("--store-path", str(where), *command), f"the index folder {where} is a file")


def test_a_truncated_vector_index_is_one_line_and_ingest_rebuilds_it(run, settings):
    assert run("ingest").exit_code == 0
    chroma = settings.store_path / "chroma.sqlite3"
    with open(chroma, "r+b") as fh:
        fh.truncate(chroma.stat().st_size // 3)
    for command in (["status"], ["ask", "What did Lavrov say?"]):
        one_line_error(run(*command), str(chroma), "is damaged", "run `assistant ingest`")
    out = run("ingest")
    assert out.exit_code == 0, out.output
    assert "the vector index was damaged" in out.output and "restored 5 articles" in out.output
    aside = [p for p in settings.store_path.iterdir() if p.name.startswith("damaged-")]
    assert len(aside) == 1 and (aside[0] / "chroma.sqlite3").exists()  # kept, not deleted
    assert json.loads(run("status", "--json").output)["articles"] == 5
    assert json.loads(run("ask", "--json", "What did Lavrov say?").output)["retrieved"]


def test_a_garbage_lexical_index_is_one_line_and_ingest_or_sync_rebuilds_it(run, settings):
    assert run("ingest").exit_code == 0
    lexical = settings.store_path / "articles.bm25.sqlite"
    for repair in (["ingest", "--sync"], ["ingest"]):
        for extra in settings.store_path.glob("articles.bm25.sqlite-*"):
            extra.unlink()
        lexical.write_bytes(os.urandom(5000))
        one_line_error(run("ask", "What did Lavrov say?"), str(lexical), "is damaged", "run `assistant ingest`")
        out = run(*repair)
        assert out.exit_code == 0 and "restored 5 articles the lexical index had lost" in out.output, out.output
        assert json.loads(run("status", "--json").output)["problems"] == []
    assert len(list(settings.store_path.glob("damaged-*/articles.bm25.sqlite"))) == 2  # set aside, not deleted


def fakes_cli(*args, store: Path, read_only: bool = False) -> subprocess.CompletedProcess:
    """The CLI with the fakes in its own process; read_only: with the index folder on a read-only file system."""
    command = [sys.executable, str(CLI), "--store-path", str(store), *args]
    if read_only and os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("needs unshare(1) to make a read-only mount as root")
        mount = f'mount --bind {store} {store} && mount -o remount,ro,bind {store} && exec "$@"'
        command = ["unshare", "--mount", "sh", "-c", mount, "sh", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.integration
def test_a_read_only_index_answers_and_says_it_cannot_be_written(tmp_path):
    store = tmp_path / "shared-index"
    done = fakes_cli("ingest", str(Path(__file__).parent.parent / "articles"), store=store)
    assert done.returncode == 0, done.stderr
    if os.geteuid() != 0:
        for path in [store, *store.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        status = fakes_cli("status", "--json", store=store, read_only=True)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["articles"] == 5
        asked = fakes_cli("ask", "--json", "Where did Kerry and Lavrov meet?", store=store, read_only=True)
        assert asked.returncode == 0, asked.stderr
        assert json.loads(asked.stdout)["retrieved"]
        ingest = fakes_cli("ingest", str(tmp_path), store=store, read_only=True)
        assert ingest.returncode == 1 and ingest.stderr.count("\n") == 1, ingest.stderr
        assert f"the index folder {store} is read-only" in ingest.stderr
    finally:
        for path in [store, *store.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_new_embedding_precision_is_refused_until_ingest_rebuild_re_embeds_everything(run, tmp_path, monkeypatch):
    assert run("ingest").exit_code == 0
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "cloves.txt").write_text("Zanzibar clove harvest\n\nZanzibar exported record cloves in 2015.\n")
    assert run("ingest", str(extra)).exit_code == 0
    shutil.rmtree(extra)  # the rebuild works from what the index holds, not from files that may be gone
    monkeypatch.setattr(FakeEmbedder, "name", "fake-embedder+int8")  # as ASSISTANT_EMBED_PRECISION=int8 names it
    one_line_error(run("ingest"), "was built with embedding model 'fake-embedder'", "`assistant ingest --rebuild`")
    out = run("ingest", "--rebuild")
    assert out.exit_code == 0 and "re-embedded 6 articles with fake-embedder+int8" in out.output, out.output
    status = json.loads(run("status", "--json").output)
    assert status["embedding_model"] == "fake-embedder+int8" and status["articles"] == 6
    cited = json.loads(run("ask", "--json", "Zanzibar cloves").output)["retrieved"]
    assert cited[0]["source"] == "cloves.txt"


def test_the_embed_precision_help_says_how_to_change_it():
    from assistant.config import FIELDS, describe

    assert "`assistant ingest --rebuild` re-embeds" in describe(FIELDS["embed_precision"])
