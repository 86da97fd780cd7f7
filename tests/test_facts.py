"""The facts a claim is checked on, in the forms news text writes them."""

import pytest

from assistant.text.facts import facts, normal, stem, vocabulary


@pytest.mark.parametrize(
    "claim, evidence",
    [
        ("They met on September 27, 2015.", "Kerry met Lavrov, Sunday, Sept. 27, 2015, in New York."),
        ("Google paid 1.65 billion dollars.", "Google bought YouTube for $1.65 billion in stock."),
        ("It cost 1000 dollars.", "The ticket cost $1,000."),
        ("The U.S. Open final", "the US Open women's singles final"),
        ("Lavrov's plan", "a plan Lavrov presented"),
    ],
)
def test_news_forms_of_one_fact_compare_equal(claim, evidence):
    have = vocabulary(evidence) | {f"month:{m}" for m in facts(evidence).months}
    wanted = facts(claim).hard | {f"month:{m}" for m in facts(claim).months}
    assert wanted <= have, wanted - have


def test_another_year_or_amount_is_another_fact():
    assert "2019" not in vocabulary("Elena Rybakina won Wimbledon in 2022.")
    assert facts("revenue of $6.04 billion").numbers == {"6040000000"}
    assert "6040000000" not in vocabulary("revenue of $6.4 billion")


def test_names_and_words_are_told_apart():
    f = facts("The Walt Disney Company agreed to buy 21st Century Fox in December 2017.")
    assert {"walt", "disney", "company", "century", "fox"} <= f.names
    assert {"21", "2017"} <= f.numbers and f.years == {2017} and f.months == {12}
    assert {"agre", "buy"} <= f.content  # stems
    assert "the" not in f.names  # a sentence's first word is a name only when it is no common opener


def test_may_is_a_month_only_where_a_date_is():
    assert facts("Islamic State occupied Palmyra in May 2015.").months == {5}
    assert facts("He said talks may resume.").months == set()


def test_stems_join_word_forms_not_irregular_ones():
    assert stem("proposed") == stem("proposal") == stem("proposes")
    assert stem("wins") == stem("win") != stem("won")  # the Snowball stemmer: no table of irregular verbs
    assert stem("founded") == "found" and stem("established") != stem("find")
    assert stem("discuss") != stem("propose")
    assert normal("U.S.") == "us" and normal("$39.99") == "39.99"


def test_hyphenated_words_hold_their_parts():
    assert "proposed" in vocabulary('The Russia-proposed coalition would "bring together" all those fighting.')
