from assistant.cite import resolve_citations
from assistant.records import Answer, Chunk, Hit
from assistant.verify import UNSUPPORTED_NOTE, check_answer, overlap, split_sentences, terms
from tests.fakes import FakeEmbedder

PASSAGES = [
    "Lavrov met Kerry in Kuala Lumpur on Wednesday. They agreed to keep working on a common strategy.",
    "Islamic State occupied Palmyra in May 2015. The ancient city is home to classical ruins.",
]


def hits():
    return [
        Hit(Chunk(f"a{i}:0", f"a{i}", 0, t, 0, len(t), f"a{i}.txt", f"T{i}"), 0.9) for i, t in enumerate(PASSAGES, 1)
    ]


def checked(raw):
    answer = Answer(question="q")
    answer.text, answer.citations, _ = resolve_citations(raw, hits())
    return check_answer(answer, hits(), FakeEmbedder(), threshold=0.45)


def test_a_citation_that_repeats_its_passage_is_supported_and_quoted():
    answer = checked("Islamic State occupied Palmyra in May 2015 [2].")
    (c,) = answer.citations
    assert c.n == 2 and c.supported is True and c.support > 0.8
    assert c.quote == "Islamic State occupied Palmyra in May 2015."
    assert answer.text == "Islamic State occupied Palmyra in May 2015 [2]."
    assert not answer.warnings


def test_a_citation_to_the_wrong_passage_is_marked_unsupported():
    answer = checked("Islamic State occupied Palmyra in May 2015 [1].")
    (c,) = answer.citations
    assert c.supported is False and c.support < 0.45
    assert "[1: unsupported]" in answer.text
    assert answer.warnings[0] == UNSUPPORTED_NOTE


def test_an_uncited_fact_gets_the_passage_that_supports_it():
    answer = checked("Lavrov met Kerry in Kuala Lumpur on Wednesday.")
    (c,) = answer.citations
    assert (c.n, c.origin, c.supported) == (1, "checker", True)
    assert answer.text == "Lavrov met Kerry in Kuala Lumpur on Wednesday [1]."


def test_an_uncited_invention_is_flagged():
    answer = checked("Putin phoned Obama about Crimea sanctions in Geneva.")
    assert answer.citations == []
    assert answer.text.endswith("[not found in the sources].")
    assert answer.sentences[0].flag == "uncited"
    assert answer.warnings[0] == UNSUPPORTED_NOTE


def test_a_sentence_without_facts_is_left_alone():
    answer = checked("Islamic State occupied Palmyra in May 2015 [2]. That is all.")
    assert answer.text.endswith("That is all.")
    assert [s.flag for s in answer.sentences] == ["", ""]


def test_names_and_numbers_weigh_double_in_overlap():
    claim = terms("Palmyra fell in 2016")
    assert overlap(claim, terms("Palmyra fell in 2015")) < overlap(claim, terms("Palmyra fell in 2016"))
    assert terms("Palmyra fell")["palmyra"] == 1.0  # a capital at the start of a sentence is not a name
    assert terms("It was Palmyra")["palmyra"] == 2.0


def test_split_sentences_keeps_markers_apart():
    (a, b) = split_sentences("One fact here [1][2]. Another one [3].")
    assert (a.text, a.cited, b.cited) == ("One fact here.", (1, 2), (3,))
