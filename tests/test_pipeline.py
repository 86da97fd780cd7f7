import re
import threading

import pytest

from assistant.errors import InputError, ModelError, StoreError
from assistant.models import catalogue
from assistant.pipeline import Assistant
from assistant.records import Answer, Evidence
from tests.fakes import NOT_FOUND, FakeEmbedder, citing


def test_a_question_of_a_kind_is_answered_with_a_span_copied_from_its_cited_sentence(app, generator):
    generator.enqueue(citing("Palmyra"))
    items = list(app.ask_stream("Which ancient city did Islamic State occupy in May 2015?"))
    evidence, pieces, answer = items[0], items[1:-1], items[-1]
    assert evidence and all(isinstance(e, Evidence) for e in evidence)  # quotes first, before the model reads
    assert [e.n for e in evidence] == list(range(1, len(evidence) + 1))
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert isinstance(answer, Answer) and not answer.abstained and not answer.quoted
    (citation,) = answer.citations
    item = evidence[citation.n - 1]
    assert citation.supported and citation.origin == "model" and citation.quote == item.text
    assert citation.answer == "Palmyra" and answer.text == f"Palmyra [{citation.n}]"
    assert citation.answer in item.text and citation.hit.chunk.source == "004_5ea01524ddc3fb62.txt"
    assert answer.readings and all(0.0 <= r.probability <= 1.0 for r in answer.readings)
    assert {"evidence_s", "first_token_s", "generation_s", "total_s"} <= set(answer.timings)


def test_the_model_reads_one_sentence_at_a_time_and_may_say_it_does_not_answer(app, generator):
    generator.enqueue(*["No answer."] * 3)
    answer = app.ask("Which ancient city did Islamic State occupy in May 2015?")
    assert answer.abstained and answer.text == NOT_FOUND and answer.citations == []
    reads = [m[-1]["content"] for m in generator.seen]
    assert 1 <= len(reads) <= app.settings.reads and all(r.startswith("Sentence: ") for r in reads)
    assert all("Question: Which ancient city did Islamic State occupy?" in r for r in reads)


def test_an_answer_that_is_no_span_of_the_evidence_cannot_be_given(app, generator):
    generator.enqueue(*["Kuala Lumpur has 1,800,000 inhabitants."] * 3)
    answer = app.ask("How many people live in Kuala Lumpur?")
    assert "1,800,000" not in answer.text
    assert all(c.answer in c.quote for c in answer.citations)


def test_a_yes_no_question_is_written_piece_by_piece_and_checked(app, generator):
    generator.enqueue(citing("Palmyra", prefix="Yes: "))
    items = list(app.ask_stream("Did Islamic State occupy the city of Palmyra?"))
    evidence, pieces, answer = items[0], items[1:-1], items[-1]
    assert len(pieces) > 3 and all(isinstance(p, str) for p in pieces)
    assert not answer.abstained and "Palmyra" in answer.text
    (citation,) = answer.citations
    assert citation.supported and citation.origin == "model" and citation.quote == evidence[citation.n - 1].text
    assert {"evidence_s", "first_token_s", "generation_s", "check_s", "total_s"} <= set(answer.timings)


def test_the_model_sees_numbered_evidence_and_a_grammar_naming_only_those_numbers(app, generator):
    seen = {}

    def reply(messages):
        seen["user"] = messages[1]["content"]
        return NOT_FOUND

    generator.enqueue(reply)
    original = generator.stream
    generator.stream = lambda messages, *a, grammar=None, **k: (
        seen.setdefault("grammar", grammar),
        original(messages),
    )[1]
    answer = app.ask("Did a Turkish foreign minister meet Kerry?")
    assert "Question: Did a Turkish foreign minister meet Kerry?" in seen["user"]
    assert all(f"[{e.n}] " in seen["user"] for e in answer.evidence)
    assert f'"{len(answer.evidence)}"' in seen["grammar"] and f'"{len(answer.evidence) + 1}"' not in seen["grammar"]


def test_the_fixed_sentence_is_an_abstention_without_citations(app, generator):
    generator.enqueue(NOT_FOUND + " [1]")
    answer = app.ask("What is the population of Kuala Lumpur?")
    assert answer.abstained and answer.text == NOT_FOUND and answer.citations == []
    assert answer.evidence  # the closest evidence is still there to show


def test_nothing_relevant_enough_abstains_without_calling_the_model(app, generator):
    app.settings = app.settings.replace(min_score=0.99)
    answer = app.ask("What did Lavrov propose?")
    assert answer.abstained and answer.citations == [] and generator.seen == []


def test_an_answer_the_evidence_does_not_hold_is_withheld(app, generator):
    invented = "Yes: Kuala Lumpur has 1,800,000 inhabitants according to the 2010 census [1]."
    generator.enqueue(invented)
    answer = app.ask("Does Kuala Lumpur have 1,800,000 inhabitants?")
    assert answer.abstained and answer.text == NOT_FOUND and answer.citations == []
    assert answer.draft == invented  # kept for the record, never shown as the answer


def test_no_quote_replaces_a_not_found_reply_or_an_answer_pointing_elsewhere(app, generator):
    question = "Did the Turkish foreign minister meet Kerry in Kuala Lumpur?"
    assert app.ask(question).abstained  # the model found nothing (its default reply), also when asked again
    generator.enqueue("The Turkish minister Ahmet Davutoglu met Kerry in Kuala Lumpur [1].")
    answer = app.ask(question)  # it named someone the evidence does not: withheld, and no quote speaks for it
    assert answer.abstained and answer.text == NOT_FOUND and "Davutoglu" in answer.draft
    assert answer.second_look == NOT_FOUND  # asked again with the best evidence, it found nothing


def test_a_failed_answer_gets_a_second_look_at_the_best_evidence_alone(app, generator):
    generator.enqueue("The Turkish minister Ahmet Davutoglu met Kerry in Kuala Lumpur [1].", citing("Cavusoglu"))
    answer = app.ask("Did the Turkish foreign minister meet Kerry in Kuala Lumpur?")
    first, again = (seen[-1]["content"] for seen in generator.seen[-2:])
    shown = [line for line in again.splitlines() if re.match(r"\[\d+\] ", line)]
    assert len(shown) <= 3 and len(shown) <= len(re.findall(r"^\[\d+\] ", first, re.M))
    assert any("Cavusoglu" in line for line in shown)
    assert not answer.abstained and "Cavusoglu" in answer.text and "Davutoglu" in answer.draft
    (citation,) = answer.citations  # the second look's [n] is turned back into the number the reader sees
    assert citation.supported and "Cavusoglu" in answer.evidence[citation.n - 1].text
    assert f"[{citation.n}]" in answer.text


def test_markers_naming_no_evidence_are_dropped_and_reported(app, generator):
    generator.enqueue(citing("Palmyra", prefix="Yes: ", suffix="[42]"))
    answer = app.ask("Did Islamic State occupy the city of Palmyra?")
    assert answer.invalid_markers == [42] and "[42]" not in answer.text


def test_empty_index_is_a_clear_error(settings, generator):
    empty = Assistant(settings, embedder=FakeEmbedder(), generator=generator)
    with pytest.raises(StoreError, match="index is empty; add articles with: assistant ingest"):
        empty.ask("What did Lavrov propose?")


@pytest.mark.parametrize(
    "question, message",
    [("", "empty"), ("   \n ", "empty"), ("?!?! ...", "no words"), ("why " * 5000, "characters long")],
)
def test_bad_questions_get_one_line_errors(app, question, message):
    with pytest.raises(InputError, match=message) as info:
        app.ask(question)
    assert "\n" not in str(info.value)


def test_a_question_in_another_language_is_answered_not_crashed(app, generator):
    generator.enqueue(NOT_FOUND)
    assert app.ask("Quelle est la population de Kuala Lumpur ?").abstained


def test_a_follow_up_is_rewritten_before_retrieval(app, generator):
    generator.enqueue("What did Kerry say about the coordination center against ISIL?", NOT_FOUND)
    history = [
        {"role": "user", "content": "Where is the coordination center against ISIL being created?"},
        {"role": "assistant", "content": "In Iraq [1]."},
    ]
    answer = app.ask("And what did Kerry say?", history=history)
    assert answer.standalone_question == "What did Kerry say about the coordination center against ISIL?"
    rewrite_prompt = generator.seen[0][0]["content"]
    assert "Follow-up question: And what did Kerry say?" in rewrite_prompt and "User: Where is" in rewrite_prompt
    assert "Question: What did Kerry say about the coordination center" in generator.seen[1][1]["content"]


def test_ingest_of_a_missing_folder_names_it(app, tmp_path):
    with pytest.raises(InputError, match="nowhere does not exist"):
        app.ingest([tmp_path / "nowhere"])


def test_loading_the_chat_model_holds_up_no_retrieval(settings, corpus, monkeypatch):
    """Joining and hashing the GGUF takes seconds: another user's question is searched meanwhile."""
    app = Assistant(settings, embedder=FakeEmbedder())
    app.ingest([corpus])
    joining, release = threading.Event(), threading.Event()

    def slow_join(spec, cache_dir, progress=None):
        joining.set()
        release.wait(20)
        raise ModelError("stopped by the test")

    monkeypatch.setattr(catalogue, "chat_model_path", slow_join)
    loader = threading.Thread(target=lambda: pytest.raises(ModelError, lambda: app.generator))
    loader.start()
    assert joining.wait(5)
    found = []
    asker = threading.Thread(target=lambda: found.extend(app.retrieve("What did Lavrov propose?")))
    asker.start()
    asker.join(5)
    searched_meanwhile = not asker.is_alive()
    release.set()
    loader.join(), asker.join()
    assert searched_meanwhile and found, "retrieval waited for the chat model to load"
    assert app.loaded_generator is None  # the failed load is tried again by the next question


def test_a_question_wrapped_in_markup_is_asked_as_plain_text(app, generator):
    generator.enqueue(citing("Palmyra"))
    answer = app.ask("<div><p>Which <b>ancient city</b> did Islamic State occupy in May 2015?</p></div>")
    assert answer.question == "Which ancient city did Islamic State occupy in May 2015?"
    assert not answer.abstained and all(m[-1]["content"].startswith("Sentence: ") for m in generator.seen)


def test_a_long_question_is_searched_by_what_it_asks(app, generator):
    generator.enqueue(citing("Palmyra"))
    padding = "I have been reading a lot about the war in Syria and the diplomacy around it. " * 20
    answer = app.ask(padding + "Which ancient city did Islamic State occupy in May 2015? Thank you.")
    assert len(answer.question) > 1500
    # the month is a filter on the articles' dates now (text/dates.py), so its words leave the question searched
    assert answer.standalone_question == "Which ancient city did Islamic State occupy?"
    assert answer.dates == '2015-05-01 to 2015-05-31 ("in May 2015")'
    assert "Palmyra" in answer.text and all(m[-1]["content"].startswith("Sentence: ") for m in generator.seen)


def test_a_rewrite_that_loses_the_names_is_not_trusted(app, generator):
    history = [{"role": "user", "content": "Where did Kerry and Lavrov meet on September 27, 2015?"},
               {"role": "assistant", "content": NOT_FOUND}] * 250 + [
               {"role": "user", "content": "Where did Kerry and Lavrov meet on September 27, 2015?"},
               {"role": "assistant", "content": "They met in New York [1]."}]  # fmt: skip
    generator.enqueue("What did they meet on September 27, 2015?", NOT_FOUND)
    answer = app.ask("What did they agree?", history=history)
    assert answer.standalone_question.startswith("What did they agree? (after: Where did Kerry and Lavrov meet")
    rewrite_prompt = generator.seen[0][0]["content"]
    assert len(rewrite_prompt) < 2000 and NOT_FOUND not in rewrite_prompt  # bounded; empty turns skipped


def test_a_quote_takes_the_next_sentence_when_it_goes_on_about_it():
    from assistant.answer.settle import settle
    from assistant.records import Chunk, Hit

    text = ("The Russia-proposed coalition, Lavrov said, would bring together all those already fighting on the "
            "ground. He named the Syrian and Iraqi armies, the Kurds and part of the armed opposition.")  # fmt: skip
    chunk = Chunk("a:0", "a", 0, text, 0, len(text), "003.txt", "Lavrov Says U.S. Should Cooperate", "2015-08-10")
    first, second = text.split(" He named")[0], "He named" + text.split(" He named")[1]
    evidence = [Evidence(1, Hit(chunk, 0.9), first, 0, len(first), 1.0, True, quotable=True),
                Evidence(2, Hit(chunk, 0.9), second, len(first) + 1, len(text), 0.3, False)]  # fmt: skip
    reply, question = "Lavrov proposed a single front [1].", "What did Lavrov propose?"
    answer = settle(reply, evidence, question, NOT_FOUND, FakeEmbedder(), 0.45, lambda items: NOT_FOUND)
    assert answer.quoted and answer.text.startswith('The articles say: "The Russia-proposed coalition')
    assert '"He named the Syrian and Iraqi armies' in answer.text and [c.n for c in answer.citations] == [1, 2]
