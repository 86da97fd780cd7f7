import json

import pytest
from click.testing import CliRunner

from assistant.errors import InputError
from assistant.evaluate import Question, evaluate, found_rank, keywords_hit, matches, outcome, read_questions
from assistant.metrics import citation_validity, retrieval_metrics
from assistant.pipeline import Assistant
from assistant.ui import cli
from tests.fakes import NOT_FOUND, SHARED, FakeEmbedder, citing

QA = [
    {"id": "q1", "question": "Which ancient city did Islamic State occupy in May 2015?",
     "gold_docs": ["004_5ea01524ddc3fb62.txt"], "answer_keywords": [["Palmyra"]], "answerable": True},
    {"id": "q2", "question": "What is the population of Kuala Lumpur?", "gold_docs": [], "answer_keywords": [],
     "answerable": False},
]  # fmt: skip


@pytest.fixture
def qa_file(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in QA) + "\n")
    return path


def test_ranks_count_distinct_articles_and_match_path_endings():
    assert found_rank(["x/a.txt", "x/a.txt", "x/b.txt"], ("b.txt",)) == 2
    assert found_rank(["x/a.txt"], ("b.txt",)) is None
    assert found_rank(["bbc/xb.txt"], ("b.txt",)) is None


def test_textbook_metrics():
    m = retrieval_metrics([1, 2, None, 5])
    assert m == {"recall_at_1": 0.25, "recall_at_5": 0.75, "mrr": pytest.approx((1 + 0.5 + 0.2) / 4)}


def test_keyword_groups_all_need_one_alternative():
    assert keywords_hit("ground offensive with AIR strikes", (("ground",), ("air",)))
    assert not keywords_hit("ground offensive", (("ground",), ("air",)))


def test_gold_paths_match_on_a_path_boundary():
    assert matches("bbc/business/001.txt", "business/001.txt") and matches("001.txt", "001.txt")
    assert not matches("bbc/business/1001.txt", "001.txt") and not matches("business/001.txt", "bbc/business/001.txt")


def test_citation_validity_counts_model_markers_and_invalid_ones():
    cite = lambda origin, gold: {"origin": origin, "gold": gold}  # noqa: E731
    rows = [
        {"citations": [cite("model", True), cite("model", False)], "invalid_markers": []},
        {"citations": [cite("model", True), cite("checker", False)], "invalid_markers": [9]},
    ]
    assert citation_validity(rows) == 0.5  # 2 gold of 3 model markers + 1 marker pointing nowhere
    assert citation_validity([{"citations": [], "invalid_markers": []}]) is None


@pytest.mark.parametrize(
    "line, why",
    [
        ("{not json", "double quotes"),
        ("[1, 2]", "expected a JSON object"),
        ('{"question": ""}', "non-empty string"),
        ('{"question": "Who?", "gold_docs": "a.txt"}', "list of paths"),
        ('{"question": "Who?", "answer_keywords": ["Palmyra"]}', "lists of alternatives"),
        ('{"question": "Who?", "answerable": "yes"}', "true or false"),
    ],
)
def test_a_bad_line_is_named(tmp_path, line, why):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(QA[0]) + "\n\n" + line + "\n")
    with pytest.raises(InputError, match=f"bad.jsonl:3: not a question line .*{why}"):
        read_questions(path)


def test_an_empty_or_missing_file_is_an_input_error(tmp_path):
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(InputError, match="holds no questions"):
        read_questions(tmp_path / "empty.jsonl")
    with pytest.raises(InputError, match="cannot read question file"):
        read_questions(tmp_path / "absent.jsonl")


def test_ranks_look_deeper_than_top_k(settings, corpus, qa_file):
    """With top_k = 1, recall@5 still sees five distinct articles: the ranking comes from a deeper list."""
    app = Assistant(settings.replace(corpus_path=corpus, top_k=1, per_article=1), embedder=FakeEmbedder())
    app.ingest()
    question = read_questions(qa_file)[0]
    ranked = [h.chunk.source for h in app.retrieve(question.question, top_k=20)]
    assert len(set(ranked)) == 5
    result = evaluate(app, [question], retrieval_only=True)
    row = result["questions"][0]
    assert row["retrieved"] == ranked and len(row["hits"]) == 1 and row["hits"][0]["source"] == ranked[0]
    assert row["found_at"] == ranked.index(question.gold_docs[0]) + 1


def test_evaluate_with_fakes(app, generator, qa_file):
    generator.enqueue(citing("Palmyra"), NOT_FOUND)
    result = evaluate(app, read_questions(qa_file))
    assert result["n"] == 2 and result["n_with_gold"] == 1 and result["recall_at_5"] == 1.0
    assert result["abstain_accuracy"] == 1.0 and result["answer_hit_rate"] == 1.0
    assert (result["right"], result["wrong"], result["false_abstention"], result["invented"]) == (1, 0, 0, 0)
    assert result["right_rate"] == 1.0 and result["invented_rate"] == 0.0
    assert result["n_gold_in_top5"] == 1 and result["top5_right_rate"] == 1.0
    assert result["answer_in_evidence_rate"] == 1.0 and result["evidence_tokens_p50"] > 0
    q1, q2 = result["questions"]
    assert q1["outcome"] == "right" and q1["answer"].startswith("Palmyra [")
    assert [c["origin"] for c in q1["citations"]] == ["model"] and result["self_cited_answers"] == 1.0
    assert result["citation_validity"] == 1.0 and result["citation_supported_rate"] == 1.0
    assert q1["ttft_s"] is not None and result["latency_p50_s"] is not None
    assert q2["outcome"] == "abstained" and q2["citations"] == [] and not q2["answer_hit"]
    assert result["abstentions_with_citations"] == 0


def test_the_check_is_scored_on_what_the_model_wrote(app, generator, qa_file):
    """A wrong answer the check withholds is a catch; a right answer it flags is a false flag. A reading that the
    calibrated decision does not give (the best one is the draft) is judged the same way."""
    generator.enqueue("Islamic State occupied Kuala Lumpur in June 2016 [1].", NOT_FOUND)
    result = evaluate(app, read_questions(qa_file))
    q1 = result["questions"][0]
    assert q1["withheld"] and q1["draft_outcome"] == "wrong"
    assert result["check_catch_rate"] == 1.0 and result["check_caught"] == "2/2"  # q2's best reading is invented
    assert result["check_false_flag_rate"] is None  # no right answer to flag


def test_outcomes_are_told_apart():
    q = Question("1", "Who?", (), (("Kerry",),), True)
    u = Question("2", "Who?", (), (), False)
    assert [outcome(q, "Kerry.", False), outcome(q, "Lavrov.", False), outcome(q, "", True)] == [
        "right", "wrong", "false_abstention"]  # fmt: skip
    assert [outcome(u, "Kerry.", False), outcome(u, "", True)] == ["invented", "abstained"]


def test_eval_command_json_and_retrieval_only(settings, corpus, qa_file, monkeypatch):
    app = Assistant(settings.replace(corpus_path=corpus), embedder=FakeEmbedder())
    app.ingest()
    monkeypatch.setattr(cli, "assistant_from", lambda ctx: app)
    result = CliRunner().invoke(cli.cli, ["eval", "--json", "--retrieval-only", str(qa_file)])
    data = json.loads(result.output[result.output.index("{") :])
    assert {"n", "recall_at_1", "recall_at_5", "mrr", "questions"} <= set(data)
    assert "answer" not in data["questions"][0] and "answer_hit_rate" not in data
    assert data["questions"][0]["retrieved"] and data["questions"][0]["hits"]
    table = CliRunner().invoke(cli.cli, ["eval", "--retrieval-only", str(qa_file)])
    assert table.exit_code == 0 and "recall_at_5" in table.output and "q1" in table.output


def test_eval_command_names_a_bad_line(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text(json.dumps(QA[0]) + "\n" + '{"question": 5}\n')
    result = CliRunner().invoke(cli.cli, ["eval", str(path)])
    assert result.exit_code == 1 and "qa.jsonl:2: not a question line" in result.output
    assert "Traceback" not in result.output


@pytest.mark.skipif(not (SHARED / "eval" / "seed_qa_dev.jsonl").exists(), reason="shared/eval not present")
def test_the_shared_dev_set_parses():
    questions = read_questions(SHARED / "eval" / "seed_qa_dev.jsonl")
    assert len(questions) >= 10 and any(not q.answerable for q in questions)
