"""The model reads the best evidence sentences one at a time; the calibrated signals decide what is answered."""

import json
import math
import subprocess
import sys

import pytest

from assistant.answer import calibration
from assistant.answer.reading import Reading, read, to_read
from assistant.answer.settle import settle_reading
from assistant.config import PROJECT_ROOT, Settings
from assistant.records import Chunk, Evidence, Hit
from tests.fakes import ScriptedGenerator

PROMPTS = Settings.load(environ={}).prompts_dir


def evidence(*sentences: str, scores=None) -> list[Evidence]:
    hit = Hit(Chunk("a:0", "a", 0, " ".join(sentences), 0, 1, "a.txt", "A title"), 0.9, 0.6)
    scores = scores or [1.0 - 0.1 * i for i in range(len(sentences))]
    return [Evidence(i, hit, s, 0, len(s), scores[i - 1], True, coverage=0.5) for i, s in enumerate(sentences, 1)]


class Recording(ScriptedGenerator):
    def __init__(self, *replies):
        super().__init__(*replies)
        self.options = []

    def score(self, messages, options):
        self.options.append((messages[-1]["content"], options))
        return super().score(messages, options)


def test_each_of_the_best_sentences_is_read_alone_with_its_spans_the_sentence_and_no_answer():
    items = evidence("Kerry met Mevlut Cavusoglu in Ankara.", "Lavrov met Kerry.", "Then Kerry met Wang Yi.",
                     scores=[0.5, 0.9, 0.7])  # fmt: skip
    generator = Recording("No answer.", "Mevlut Cavusoglu")
    readings = read(generator, PROMPTS, "Who did Kerry meet?", to_read(items, 2))
    assert [r.evidence.n for r in readings] == [2, 3]  # best evidence score first, two of them
    assert [r.rank for r in readings] == [0, 1]
    first_prompt, first_options = generator.options[0]
    assert first_prompt.startswith("Sentence: Lavrov met Kerry.") and "Question: Who did Kerry meet?" in first_prompt
    assert first_options == ["Lavrov", "Lavrov met Kerry.", "No answer."]  # "Kerry" is asked about: no span
    assert readings[0].p_none == pytest.approx(ScriptedGenerator.CHOSEN)


def test_a_sentence_without_a_span_of_the_kind_asked_is_not_read():
    items = evidence("The talks in Moscow ended late.", "Lavrov met Kerry on May 5.", "The talks ended.")
    generator = Recording("No answer.")
    readings = read(generator, PROMPTS, "When did Lavrov meet Kerry?", to_read(items, 3))
    assert [r.evidence.n for r in readings] == [2]  # no date in the other two: the model is not asked of them
    assert [options for _, options in generator.options] == [["May 5", items[1].text, "No answer."]]


def test_a_reading_gives_the_span_it_chose_with_its_offsets_in_the_sentence():
    items = evidence("Jul 13, 2019 ... Romania's Simona Halep won the 2019 title.")
    (reading,) = read(ScriptedGenerator("Simona Halep"), PROMPTS, "Who won the title in 2019?", to_read(items, 3))
    assert reading.answer == "Simona Halep" and reading.typed
    assert items[0].text[reading.start : reading.end] == "Simona Halep"  # offsets past the page's date stamp
    assert reading.p_none < 0.05 and reading.p_answer > 0.9


def test_a_question_of_no_kind_is_answered_by_the_whole_sentence():
    items = evidence("Lavrov proposed a coalition against Islamic State.")
    generator = Recording("Lavrov proposed a coalition against Islamic State.")
    (reading,) = read(generator, PROMPTS, "What did Lavrov propose?", to_read(items, 3))
    assert generator.options[0][1] == [items[0].text, "No answer."]
    assert (
        reading.answer == items[0].text
        and not reading.typed
        and (reading.start, reading.end) == (0, len(items[0].text))
    )


def test_the_decision_answers_with_the_most_probable_reading_above_the_threshold():
    items = evidence("Kerry met Mevlut Cavusoglu in Ankara.", "Lavrov met Kerry in Moscow.")
    readings = read(
        ScriptedGenerator("Mevlut Cavusoglu", "No answer."), PROMPTS, "Who did Kerry meet?", to_read(items, 3)
    )
    scored, candidates = calibration.decide(readings, best_score=1.0, similarity=0.6)
    assert candidates and candidates[0].answer == "Mevlut Cavusoglu"
    assert candidates[0].probability == max(r.probability for r in scored) >= calibration.fitted()["threshold"]
    assert [r.probability for r in candidates] == sorted((r.probability for r in candidates), reverse=True)
    none = read(ScriptedGenerator("No answer.", "No answer."), PROMPTS, "Who did Kerry meet?", to_read(items, 3))
    assert calibration.decide(none, best_score=1.0, similarity=0.6)[1] == []


def test_the_probability_is_the_logistic_model_of_the_signals():
    model = {"weights": {"bias": -1.0} | dict.fromkeys(calibration.FEATURES, 0.0) | {"coverage": 2.0}, "threshold": 0.5}
    values = dict.fromkeys(calibration.FEATURES, 0.0) | {"coverage": 0.5}
    assert calibration.probability(values, model) == pytest.approx(0.5)
    assert calibration.probability(values | {"coverage": 1.0}, model) == pytest.approx(1 / (1 + math.exp(-1)))


def test_the_fitted_model_on_file_names_every_signal():
    model = calibration.fitted()
    assert set(model["weights"]) == {"bias", *calibration.FEATURES} and 0.0 < model["threshold"] < 1.0


def test_the_fitting_script_learns_from_tuning_questions_only(tmp_path):
    def reading(p_none, right):
        return {"signals": dict.fromkeys(calibration.FEATURES, 0.5) | {"p_none_span": p_none}, "right": right}

    questions = [
        {"id": f"t{i}", "part": "tuning", "answerable": True, "readings": [reading(i % 2 * 0.9, i % 2 == 0)]}
        for i in range(40)
    ] + [{"id": "v1", "part": "validation", "answerable": True, "readings": [reading(0.0, False)] * 50}]
    results = tmp_path / "eval.json"
    results.write_text(json.dumps({"questions": questions}))
    out = tmp_path / "calibration.json"
    script = PROJECT_ROOT / "benchmarks" / "fit_calibration.py"
    subprocess.run([sys.executable, str(script), str(results), "--out", str(out)], check=True, capture_output=True)
    model = json.loads(out.read_text())
    assert model["weights"]["p_none_span"] < -1.0  # "no answer" is learnt to mean wrong
    assert model["questions"] == 40 and model["tuning_outcomes"]["right"] == 20  # v1's 50 wrong readings unseen
    assert calibration.probability(dict.fromkeys(calibration.FEATURES, 0.5) | {"p_none_span": 0.0}, model) > 0.5


def test_a_copied_answer_the_check_refuses_gives_way_to_the_next_reading_or_to_not_found():
    items = evidence("Simona Halep beats Serena Williams to win the 2019 Wimbledon title.",
                     "Serena Williams reached the 2019 Wimbledon final.")  # fmt: skip
    question = "Who won Wimbledon in 2019?"

    def reading(n: int, span: str, probability: float) -> Reading:
        start = items[n - 1].text.index(span)
        return Reading(items[n - 1], span, start, start + len(span), True, 0.1, 0.9, n - 1, probability=probability)

    serena, halep = reading(1, "Serena Williams", 0.8), reading(1, "Simona Halep", 0.6)
    outcome = settle_reading([serena, halep], [serena, halep], "Not found.", question, items)
    assert outcome.text == "Simona Halep [1]" and outcome.citations[0].supported and not outcome.abstained
    assert outcome.citations[0].answer == "Simona Halep"  # marked inside its sentence in the card
    withheld = settle_reading([serena], [serena], "Not found.", question, items)
    assert withheld.abstained and withheld.text == "Not found." and withheld.draft == "Serena Williams [1]"
    assert "Serena lost" in withheld.warnings[0] and "“Serena Williams” [1]" in withheld.warnings[0]
    below = settle_reading([serena], [], "Not found.", question, items)  # under the threshold: no check needed
    assert below.abstained and below.draft == "Serena Williams [1]" and below.warnings == []
