import json
import re
import subprocess
import sys

import pytest

from assistant.config import FIELDS, env_name, flag_name
from tests.fakes import NOT_FOUND, citing


def test_ingest_reports_a_summary_and_is_idempotent(run):
    first = run("ingest")
    assert first.exit_code == 0 and "5 added, 0 updated, 0 unchanged, 0 removed, 0 skipped" in first.output
    assert "5 unchanged" in run("ingest").output


def test_ask_prints_the_answer_and_numbered_sources(run, generator):
    run("ingest")
    generator.enqueue(citing("Cavusoglu"))
    result = run("ask", "Which Turkish foreign minister met Kerry in Kuala Lumpur?")
    assert result.exit_code == 0
    n = re.search(r"Cavusoglu.*\[(\d+)\]", result.output).group(1)
    assert "Sources:" in result.output and f"[{n}] No Agreement with U.S." in result.output
    assert "000_e58004681a8f09c0.txt" in result.output


def test_ask_json_has_the_documented_fields(run, generator):
    run("ingest")
    generator.enqueue(citing("Cavusoglu"))
    result = run("ask", "--json", "Which Turkish foreign minister met Kerry in Kuala Lumpur?")
    data = json.loads(result.output)
    assert {"answer", "citations", "evidence", "retrieved", "sentences", "timings"} <= set(data)
    (c,) = data["citations"]
    assert {"n", "source", "title", "text", "quote", "supported"} <= set(c) and c["source"].endswith(".txt")
    evidence = {e["n"]: e for e in data["evidence"]}
    assert {"n", "source", "sentence", "start", "end"} <= set(evidence[c["n"]])
    assert "Cavusoglu" in evidence[c["n"]]["sentence"] == c["quote"]
    assert all({"source", "score"} <= set(r) for r in data["retrieved"])
    assert data["timings"]["total_s"] >= data["timings"]["evidence_s"] >= 0


def test_ask_with_history_file(run, generator, tmp_path):
    run("ingest")
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "Where did Kerry meet Lavrov in September 2015?"}]))
    generator.enqueue("What did Kerry say after meeting Lavrov in New York?", NOT_FOUND)
    data = json.loads(run("ask", "--json", "--history", str(history), "And what did Kerry say?").output)
    assert data["standalone_question"] == "What did Kerry say after meeting Lavrov in New York?"


def test_bad_history_file_is_a_one_line_error(run, tmp_path):
    bad = tmp_path / "h.json"
    bad.write_text('{"not": "a list"}')
    result = run("ask", "--history", str(bad), "q?")
    assert result.exit_code == 1 and "must be a list" in result.output and "Traceback" not in result.output


def test_status_lists_what_is_indexed(run):
    run("ingest")
    data = json.loads(run("status", "--json").output)
    assert data["articles"] == 5 and data["chunks"] > 5 and data["embedding_model"] == "fake-embedder"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--top-k", "99", "status"], "top_k (--top-k, ASSISTANT_TOP_K) = 99 is out of range"),
        (["ask", ""], "the question is empty"),
        (["ask", "--date-from", "May 2015", "q?"], "--date-from 'May 2015' is not a date"),
        (["ask", "--date-from", "2015-13-45", "q?"], "--date-from '2015-13-45' is not a real date"),
        (["ask", "--date-to", "2015-02-30", "q?"], "--date-to '2015-02-30' is not a real date"),
        (["ask", "--date-from", "2015-09-01", "--date-to", "2015-08-01", "q?"], "2015-09-01 is after --date-to"),
        (["ingest", "/no/such/folder"], "/no/such/folder does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_1(run, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_models_lists_the_catalogue_with_install_state(run):
    out = run("models").output
    assert "qwen2.5-coder-0.5b-instruct" in out and "all-minilm-l6-v2" in out and "* = default" in out


HELP = """
import sys
from assistant.ui.cli import main
try:
    main(["--help"])
except SystemExit:
    pass
print("imported:", [m for m in ("torch", "chromadb", "sentence_transformers", "llama_cpp", "gradio") if m in sys.modules])
"""


def test_help_imports_no_heavy_library_and_lists_every_command_and_setting():
    done = subprocess.run([sys.executable, "-c", HELP], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "imported: []" in done.stdout  # --help is instant: no torch, no chromadb
    for command in ("ingest", "ask", "serve", "eval", "models", "status"):
        assert f"  {command} " in done.stdout
    flat = " ".join(done.stdout.split())
    for name in FIELDS:
        assert f"{flag_name(name)} " in flat and f"(env {env_name(name)})" in flat


def test_ask_filters_restrict_the_passages(run):
    run("ingest")

    def ask(*filters):
        data = json.loads(run("ask", "--json", *filters, "What did Lavrov say?").output)
        return {r["source"] for r in data["retrieved"]}

    assert ask("--outlet", "moscow times") == {"000_e58004681a8f09c0.txt", "003_e5eb417d42e88fd9.txt"}
    assert ask("--date-from", "2015-09-01") == {"002_1a1649f577231cd8.txt"}
    assert ask("--date-to", "2015-06-01") == {"004_5ea01524ddc3fb62.txt"}


@pytest.mark.parametrize("filters", [["--outlet", "Reuters"], ["--folder", "sport"], ["--date-from", "2016-01-01"]])
def test_filters_that_match_no_article_say_so_in_one_line(run, generator, filters):
    run("ingest")
    result = run("ask", *filters, "What did Lavrov say?")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith("Error: no passage matches these filters (") and "widen or clear" in result.output
    assert "do not contain" not in result.output and generator.calls == 0


@pytest.mark.parametrize("content", ["{not json", '[{"role": "robot", "content": "hi"}]'])
def test_a_bad_history_file_is_a_one_line_error_naming_it(run, tmp_path, content):
    run("ingest")
    history = tmp_path / "history.json"
    history.write_text(content)
    result = run("ask", "--history", str(history), "And Kerry?")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: history file {history}") and result.output.count("\n") == 1
