import threading

import pytest

from assistant import models
from assistant.errors import InputError, ModelError, StoreError
from assistant.pipeline import Assistant
from assistant.records import Answer
from tests.fakes import NOT_FOUND, FakeEmbedder


def test_ask_streams_pieces_then_a_cited_answer(app, generator):
    question = "Which ancient city did Islamic State occupy in May 2015?"
    n = next(i for i, h in enumerate(app.retrieve(question), 1) if "Palmyra" in h.chunk.text)
    reply = f"Palmyra, a strategic location that is home to classical sites, was occupied by Islamic State [{n}]."
    generator.enqueue(reply)
    items = list(app.ask_stream(question))
    pieces, answer = items[:-1], items[-1]
    assert len(pieces) > 3 and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces).strip() == reply
    assert isinstance(answer, Answer) and not answer.abstained
    (citation,) = answer.citations
    assert citation.n == n and citation.hit.chunk.source == "004_5ea01524ddc3fb62.txt"
    assert citation.supported and "Palmyra" in citation.quote
    assert {"retrieval_s", "first_token_s", "generation_s", "total_s"} <= set(answer.timings)


def test_the_prompt_carries_the_retrieved_passages(app, generator):
    generator.enqueue("Cavusoglu [1].")
    answer = app.ask("Which Turkish foreign minister met Kerry?")
    user = generator.seen[-1][1]["content"]
    assert "Question: Which Turkish foreign minister met Kerry?" in user
    assert all(f"[{n}]" in user for n in range(1, len(answer.hits) + 1))


def test_the_fixed_sentence_is_an_abstention_without_citations(app, generator):
    generator.enqueue(NOT_FOUND + " [1]")
    answer = app.ask("What is the population of Kuala Lumpur?")
    assert answer.abstained and answer.text == NOT_FOUND and answer.citations == []


def test_nothing_relevant_enough_abstains_without_calling_the_model(app, generator):
    app.settings = app.settings.replace(min_score=0.99)
    answer = app.ask("What did Lavrov propose?")
    assert answer.abstained and answer.citations == [] and generator.seen == []
    assert answer.hits  # the closest passages are still there to show


def test_markers_naming_no_passage_are_dropped_and_reported(app, generator):
    generator.enqueue("Lavrov met Kerry in Kuala Lumpur [1][42].")
    answer = app.ask("Where did Lavrov meet Kerry?")
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
    generator.enqueue(
        "What did Kerry say about the coordination center against ISIL?", "Kerry said it is not coordinated [1]."
    )
    history = [
        {"role": "user", "content": "Where is the coordination center against ISIL being created?"},
        {"role": "assistant", "content": "In Iraq [1]."},
    ]
    answer = app.ask("And what did Kerry say?", history=history)
    assert answer.standalone_question == "What did Kerry say about the coordination center against ISIL?"
    rewrite_prompt = generator.seen[0][0]["content"]
    assert "Follow-up question: And what did Kerry say?" in rewrite_prompt and "User: Where is" in rewrite_prompt
    assert "Question: What did Kerry say about the coordination center" in generator.seen[1][1]["content"]


def test_the_prompt_budget_drops_the_lowest_ranked_passages(app, generator):
    app.settings = app.settings.replace(prompt_budget=200, top_k=5)
    generator.enqueue("Palmyra [1].")
    answer = app.ask("Which ancient city did Islamic State occupy?")
    user = generator.seen[-1][1]["content"]
    assert "[1]" in user and "[5]" not in user
    assert len(answer.hits) == 5  # all retrieved passages are reported, fewer were sent


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

    monkeypatch.setattr(models, "chat_model_path", slow_join)
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
