import json

import pytest
from click.testing import CliRunner

from assistant import cli
from assistant.errors import InputError
from assistant.evaluate import evaluate, found_rank, keywords_hit, read_questions, retrieval_metrics
from assistant.pipeline import Assistant
from tests.conftest import SHARED, FakeEmbedder

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


def test_a_bad_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(QA[0]) + "\n{not json\n")
    with pytest.raises(InputError, match="bad.jsonl:2: not a question line"):
        read_questions(path)


def test_evaluate_with_fakes(app, generator, qa_file):
    generator.enqueue("Islamic State occupied Palmyra, the ancient city, in May 2015 [1].")
    generator.enqueue("The articles do not contain the answer to this question.")
    result = evaluate(app, read_questions(qa_file))
    assert result["n"] == 2 and result["recall_at_5"] == 1.0
    assert result["abstain_accuracy"] == 1.0
    assert result["answer_hit_rate"] in (0.0, 1.0)
    q1, q2 = result["questions"]
    assert q1["found_at"] >= 1 and q2["abstained"] and q2["citations"] == []
    assert result["abstentions_with_citations"] == 0


def test_eval_command_json_and_retrieval_only(settings, corpus, qa_file, monkeypatch):
    app = Assistant(settings.replace(corpus_path=corpus), embedder=FakeEmbedder())
    app.ingest()
    monkeypatch.setattr(cli, "assistant_from", lambda ctx: app)
    result = CliRunner().invoke(cli.cli, ["eval", "--json", "--retrieval-only", str(qa_file)])
    data = json.loads(result.output[result.output.index("{") :])
    assert {"n", "recall_at_1", "recall_at_5", "mrr", "questions"} <= set(data)
    assert "answer" not in data["questions"][0]


@pytest.mark.skipif(not (SHARED / "eval" / "seed_qa_dev.jsonl").exists(), reason="shared/eval not present")
def test_the_shared_dev_set_parses():
    questions = read_questions(SHARED / "eval" / "seed_qa_dev.jsonl")
    assert len(questions) >= 10 and any(not q.answerable for q in questions)
