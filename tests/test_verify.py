"""The citation check: each sentence of an answer against the evidence sentences it cites.

Recorded answers, no model: the hard cases are real wrong answers of the 0.5B model.
"""

from assistant.check.cite import resolve_citations
from assistant.check.verify import UNSUPPORTED_NOTE, check_answer, check_extract, extracted_claim, split_sentences
from assistant.records import Chunk, Evidence, Hit, Outcome
from tests.fakes import FakeEmbedder

SENTENCES = [  # (article, title, date, sentence)
    ("a", "Lavrov meets Kerry", "2015-08-05", "Lavrov met Kerry in Kuala Lumpur on Wednesday."),
    ("a", "Lavrov meets Kerry", "2015-08-05", "They agreed to keep working on a common strategy."),
    ("b", "Palmyra falls", "2015-05-30", "Islamic State occupied Palmyra in May 2015."),
    ("c", "Proposed Coalition", "2015-08-10",
     "Lavrov is due to discuss Syria and Islamic State with Saudi Foreign Minister Adel al-Jubeir in Moscow on Tuesday."),
    ("d", "Wimbledon final", "2022-07-09", "Elena Rybakina won the women's singles final Wimbledon on Saturday."),
    ("e", "No Agreement", "2015-08-05",
     "Russia and the United States have not been able to agree on a common approach to fighting Islamic State."),
    ("f", "US, Russia", "2015-09-27",
     "Putin said he had personally informed the heads of Turkey, Jordan and Saudi Arabia about the coordination structure."),
    ("g", "Kerry in New York", "2015-09-27",
     "US Secretary of State John Kerry meets with Russian Foreign Minister Sergey Lavrov, Sunday, Sept. 27, 2015, in New York."),
]  # fmt: skip


def evidence() -> list[Evidence]:
    items = []
    for n, (aid, title, date, text) in enumerate(SENTENCES, 1):
        chunk = Chunk(f"{aid}:0", aid, 0, text, 0, len(text), f"{aid}.txt", title, date)
        items.append(Evidence(n, Hit(chunk, 0.9), text, 0, len(text)))
    return items


def checked(raw: str, question: str = "q?", items: list[Evidence] | None = None) -> Outcome:
    """The answer `raw` (with its [n] markers) checked against `items`, the sentences above by default."""
    items = evidence() if items is None else items
    text, citations, _ = resolve_citations(raw, items)
    return check_answer(Outcome(text, citations), items, question, FakeEmbedder(), threshold=0.45)


def test_a_sentence_its_evidence_states_is_supported_and_quoted():
    answer = checked("Islamic State occupied Palmyra in May 2015 [3].")
    (c,) = answer.citations
    assert c.n == 3 and c.supported is True and c.support > 0.8
    assert c.quote == "Islamic State occupied Palmyra in May 2015."
    assert answer.text == "Islamic State occupied Palmyra in May 2015 [3]."
    assert not answer.warnings


def test_a_citation_of_the_wrong_sentence_is_moved_to_the_one_that_states_it():
    answer = checked("Islamic State occupied Palmyra in May 2015 [1].")
    wrong, right = sorted(answer.citations, key=lambda c: c.supported)
    assert (wrong.n, wrong.supported, wrong.origin) == (1, False, "model")
    assert (right.n, right.supported, right.origin) == (3, True, "checker")
    assert answer.text == "Islamic State occupied Palmyra in May 2015 [3][1: unsupported]."
    assert answer.sentences[0].flag == "" and not answer.warnings


def test_a_claim_no_evidence_states_is_unsupported_with_its_reason():
    answer = checked("Islamic State occupied Palmyra in June 2016 [3].")
    (c,) = answer.citations
    assert c.supported is False and "[3: unsupported]" in answer.text
    assert answer.sentences[0].reason.startswith("not stated in [3]:") and "2016" in answer.sentences[0].reason
    assert answer.warnings[0] == UNSUPPORTED_NOTE


def test_a_sentence_that_only_repeats_the_question_is_no_answer():
    answer = checked(
        "Kerry and Lavrov met on September 27, 2015 [8].", "Where did Kerry and Lavrov meet on September 27, 2015?"
    )
    assert answer.sentences[0].flag == "unsupported" and "repeats the question" in answer.sentences[0].reason


def test_due_to_discuss_does_not_support_proposed():
    answer = checked(
        "Lavrov proposed a coalition with Saudi Foreign Minister Adel al-Jubeir in Moscow on Tuesday [4].",
        "What did Lavrov propose?",
    )
    assert answer.sentences[0].flag == "unsupported", answer.sentences[0]
    assert answer.citations[0].supported is False


def test_a_champion_of_another_year_is_flagged_as_another_year():
    answer = checked("Elena Rybakina won the women's singles final Wimbledon [5].", "Who won Wimbledon in 2019?")
    assert answer.sentences[0].flag == "unsupported"
    assert "another year" in answer.sentences[0].reason and "2019" in answer.sentences[0].reason


def test_a_dropped_negation_is_flagged():
    answer = checked("Russia and the United States agreed on a common approach to fighting Islamic State [6].")
    assert answer.sentences[0].flag == "unsupported"
    assert '"not"' in answer.sentences[0].reason


def test_a_right_answer_about_putin_informing_three_states_is_supported():
    answer = checked(
        "Putin informed the heads of Turkey, Jordan and Saudi Arabia about the coordination structure [7].",
        "Whom did Putin inform about the coordination structure?",
    )
    assert answer.sentences[0].flag == "" and answer.citations[0].supported


def test_news_forms_of_a_date_support_the_claim():
    answer = checked("Kerry meets Lavrov in New York on September 27, 2015 [8].", "Where did they meet?")
    assert answer.citations[0].supported, answer.sentences[0]


def test_an_uncited_fact_gets_the_evidence_that_supports_it():
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
    answer = checked("Islamic State occupied Palmyra in May 2015 [3]. That is all.")
    assert answer.text.endswith("That is all.")
    assert [s.flag for s in answer.sentences] == ["", ""]


def test_split_sentences_keeps_markers_apart():
    (a, b) = split_sentences("One fact here [1][2]. Another one [3].")
    assert (a.text, a.cited, b.cited) == ("One fact here.", (1, 2), (3,))


def contest(*texts: str) -> list[Evidence]:
    items = []
    for n, text in enumerate(texts, 1):
        chunk = Chunk(f"s{n}:0", f"s{n}", 0, text, 0, len(text), f"s{n}.txt", "", "")
        items.append(Evidence(n, Hit(chunk, 0.9), text, 0, len(text)))
    return items


def checked_against(claim: str, question: str, *texts: str) -> Outcome:
    return checked(claim, question, contest(*texts))


def test_a_winner_another_sentence_shows_losing_the_same_final_is_flagged():
    answer = checked_against(
        "Serena Williams won the U.S. Open in 2019 [2].",
        "Who won the women's singles U.S. Open in 2019?",
        "Bianca Andreescu defeated Serena Williams in the final to win the women's singles title at the 2019 US Open.",
        "List of Winners of the USA Open - Women's Singles ; 2019, Bianca Andreescu (Canada), Serena Williams (USA)",
    )
    (sentence,) = answer.sentences
    assert sentence.flag and sentence.reason.startswith("[1] says Serena lost")


def test_an_estimate_is_not_a_result():
    answer = checked_against(
        "Tesla's revenue in Q2 2020 was $5.146 billion [1].",
        "What was Tesla's revenue in Q2 2020?",
        "Tesla Q2 2020 revenue. Wall Street's revenue forecast for Tesla during the quarter is $5.146 billion.",
    )
    assert answer.sentences[0].flag and "estimate" in answer.sentences[0].reason


def test_a_day_and_month_stated_apart_are_not_that_date():
    """Rule 1: "June 20" is not stated by a sentence that has June and 20 in different dates."""
    question = "When did the summit open?"
    apart = checked_against(
        "The summit opened on June 20 [1].",
        question,
        "On June 16 the ministers said the summit would open on 20th October.",
    )
    assert apart.sentences[0].flag and "June 20" in apart.sentences[0].reason
    together = checked_against(
        "The summit opened on June 20 [1].", question, "The summit opened on June 20, the ministers said on June 16."
    )
    assert not together.sentences[0].flag


def test_a_final_of_another_event_of_the_same_name_is_another_event():
    """Rule 2: the men's title asked about is not answered by the women's final of the same championship."""
    question = "Who won the men's singles at the 2021 Madrid Open?"
    women = checked_against(
        "Maria Lopez won the singles at the 2021 Madrid Open [1].",
        question,
        "Maria Lopez won the women's singles final at the 2021 Madrid Open on Sunday.",
    )
    assert women.sentences[0].flag and "another" in women.sentences[0].reason
    men = checked_against(
        "Carlos Vidal won the singles at the 2021 Madrid Open [1].",
        question,
        "Carlos Vidal won the men's singles final at the 2021 Madrid Open on Sunday.",
    )
    assert not men.sentences[0].flag


def test_the_rules_are_numbered_as_the_readme_numbers_them():
    """One registry: rules 1-6 judged per cited item, in order, and rule 7 (`answers`) per claim, each
    saying its number first, as the README's list of the check's rules does."""
    import re
    from pathlib import Path

    from assistant.check import rules

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The citation check", 1)[1].split("\n## ", 1)[0]
    listed = [int(n) for n in re.findall(r"^(\d+)\. ", section, re.M)]
    assert listed == list(range(1, len(rules.RULES) + 2))
    assert [r.number for r in rules.RULES] == list(range(1, len(rules.RULES) + 1))
    assert all(r.fails.__doc__.startswith(f"Rule {r.number}:") for r in rules.RULES)
    assert rules.answers.__doc__.startswith(f"Rule {len(rules.RULES) + 1}:")


def test_an_extracted_span_is_checked_as_the_claim_the_question_makes_of_it():
    q = "Who won the women's singles Wimbledon in 2019?"
    text = "Romania's Simona Halep beats Serena Williams to win 2019 Wimbledon title in women's singles."
    items = [Evidence(1, Hit(Chunk("h:0", "h", 0, text, 0, len(text), "h.txt", "Halep wins", "2019-07-13"), 0.9),
                      text, 0, len(text))]  # fmt: skip
    assert extracted_claim(q, "Simona Halep", True) == "Simona Halep won the women's singles Wimbledon in 2019"
    assert check_extract(q, "Simona Halep", True, items, 1) == ""
    assert "Serena lost" in check_extract(q, "Serena Williams", True, items, 1)  # rule 6, not the span alone
    assert check_extract(q.replace("2019", "2018"), "Simona Halep", True, items, 1) == "not stated in [1]: 2018"
    assert check_extract(q, text, False, items, 1) == ""  # a quoted sentence is its own claim
    beaten = "Who did Simona Halep beat in the 2019 Wimbledon final?"  # the span follows the verb: the one beaten
    assert (
        extracted_claim(beaten, "Serena Williams", True)
        == "Simona Halep did beat Serena Williams in the 2019 Wimbledon final"
    )
    assert check_extract(beaten, "Serena Williams", True, items, 1) == ""


def test_a_copied_answer_is_not_held_to_restate_the_question_in_its_sentence_s_words():
    text = "Norway collected 39 medals in 2018, the largest haul by any country in a single Winter Olympics."
    items = [Evidence(1, Hit(Chunk("n:0", "n", 0, text, 0, len(text), "n.txt", "Medals", "2022-02-05"), 0.9),
                      text, 0, len(text))]  # fmt: skip
    q = "How many medals did Norway win at the 2018 Winter Olympics?"
    assert check_extract(q, "39 medals", True, items, 1) == ""  # "collected" for "win": rule 3 is not applied
    assert check_extract(q.replace("2018", "2014"), "39 medals", True, items, 1) == "not stated in [1]: 2014"


def test_a_name_is_under_the_year_nearest_it_in_a_list_not_the_first_year_before_it():
    from assistant.check.relations import named_for_another_year

    listing = "2021, Daniil Medvedev (RUS) ; 2020, Dominic Thiem (AUT) ; 2019, Rafael Nadal (ESP)"
    assert named_for_another_year({"medvedev"}, frozenset({2021}), listing) == ""
    assert named_for_another_year({"nadal"}, frozenset({2021}), listing) == "Nadal under 2019"
    prose = "Handke, who received the 2019 prize on Thursday, the novelist Olga Tokarczuk received it for 2018."
    olga = {"olga", "tokarczuk"}
    assert named_for_another_year(olga, frozenset({2018}), prose) == ""  # 2018 is nearer than 2019
    assert named_for_another_year(olga, frozenset({2019}), prose) == "Olga under 2018"
    born = "The 2019 Nobel Prize in Literature was awarded to the Austrian writer Peter Handke (born 1942) and 1943."
    assert named_for_another_year({"handke"}, frozenset({2019}), born) == ""  # no year before him in reach
