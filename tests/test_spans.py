import pytest

from assistant.answer.spans import candidate_spans


def texts(question, sentence):
    return [s.text for s in candidate_spans(question, sentence)]


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("Who is the chief executive of Deutsche Boerse?",
         "Deutsche Boerse chief Werner Seifert is meeting Ms Furse on Thursday.", ["Werner Seifert", "Ms Furse"]),
        ("Who arrived in Tehran?", "Syrian Foreign Minister Walid al-Moualem arrived in Tehran on Tuesday.",
         ["Syrian Foreign Minister Walid al-Moualem"]),
        ("Where is the coordination center being created?", "The center being created in Iraq seeks to unite parties.",
         ["Iraq"]),
        ("Super Bowl 2021 location", "It will take place at Raymond James Stadium in Tampa, Florida, with three more.",
         ["Raymond James Stadium", "Tampa, Florida", "Tampa", "Florida"]),
        ("Which bank cut rates?", "The Bank of England cut rates.", ["Bank of England"]),
    ],
)  # fmt: skip
def test_names_are_runs_of_capitals_and_lists_of_them(question, sentence, expected):
    assert texts(question, sentence) == expected


def test_what_the_question_names_is_no_answer():
    # "Kerry" is asked about, so a name ending in it is not the answer; nor is a run of the question's own words
    spans = texts("Where did Kerry meet Lavrov?", "US Secretary of State John Kerry met Lavrov in New York.")
    assert spans == ["New York"]
    assert texts("Who won Wimbledon in 2019?", "At Wimbledon in 2019 she won.") == []


def test_openers_months_and_weekdays_are_not_names():
    assert texts("Who spoke?", "We met Anne Leroy on Sunday in May.") == ["Anne Leroy"]


def test_a_possessive_is_the_name_it_belongs_to():
    assert texts("Which fund opposed the takeover?", "Deutsche Boerse said TCI's opposition would not change it.") == [
        "Deutsche Boerse",
        "TCI",
    ]


def test_dates_whole_partial_and_years_but_not_the_question_s_own():
    spans = texts("When was Splatoon 2 released in 2017?", "It was released on July 21, 2017, in Japan, and May 2018.")
    assert spans == ["July 21, 2017", "July 21", "May 2018", "2018"]


def test_amounts_with_their_currency_and_scale():
    assert texts("How much did Google pay?", "Google paid $1.65 billion, or 1.65 billion dollars.") == [
        "$1.65 billion",
        "1.65 billion dollars",
    ]
    assert texts("How much did Lord Sainsbury give?", "He gave £2m to Labour.") == ["£2m"]


def test_counts_take_the_word_counted_and_a_bracket_after():
    assert texts("How far is Ramadi from Baghdad?", "Ramadi, 110 kilometers (68 miles) west of Baghdad.") == [
        "110 kilometers (68 miles)"
    ]
    assert texts("How many banks did Parmalat sue?", "Parmalat has sued 45 banks.") == ["45 banks"]


def test_a_question_of_no_kind_has_no_spans():
    assert texts("What did Lavrov propose?", "Lavrov proposed a coalition with Assad.") == []
