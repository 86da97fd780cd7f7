"""How the story unfolded: the timeline, answers across articles, and the dates a question means."""

import json
import re

import pytest

from assistant.answer.across import asks_across, disagreement, topic_of
from assistant.answer.retrieve import Filters
from assistant.text.dates import dates_meant
from tests.fakes import NOT_FOUND, citing

DATES = ["2015-05-30", "2015-08-05", "2015-08-06", "2015-08-10", "2015-09-27"]


def test_the_timeline_of_lavrov_lists_all_five_articles_in_date_order_with_a_true_quote_each(app):
    lines, dates = app.timeline("Lavrov")
    assert [line.chunk.date for line in lines] == DATES and dates == ""
    for line in lines:
        article = app.index.article(line.chunk.article_id)
        for e in line.evidence:
            assert article["text"][e.start : e.end].split() == e.text.split()  # quoted at its offsets
        assert any("Lavrov" in e.text for e in line.evidence)
    assert [e.n for line in lines for e in line.evidence] == list(range(1, sum(len(x.evidence) for x in lines) + 1))


def test_a_timeline_needs_no_chat_model_and_reads_the_dates_its_topic_names(app, generator):
    lines, dates = app.timeline("Lavrov in August")
    assert [line.chunk.date for line in lines] == ["2015-08-05", "2015-08-06", "2015-08-10"]
    assert dates == '2015-08-01 to 2015-08-31 ("in August")' and generator.calls == 0
    assert app.timeline("Brexit")[0] == []  # nothing bears on it: no lines, not the nearest articles


@pytest.mark.parametrize(
    "question, across",
    [
        ("What did each outlet report Lavrov proposed?", True),
        ("How did the US position change between August and September?", True),
        ("How did the reports differ on whether Russia and the US agreed?", True),
        ("Which seat did the reports say Kilroy-Silk would fight?", True),
        ("What did Lavrov propose?", False),
        ("Did the climate change talks fail?", False),
        ("How did the climate change talks go?", False),
        ("How has Russia's position changed?", True),
        ("Which Turkish foreign minister met Kerry in Kuala Lumpur?", False),
    ],
)
def test_questions_across_articles_are_recognised_by_their_words(question, across):
    assert asks_across(question) is across


def test_a_question_across_articles_gets_one_quoted_line_per_article_in_date_order(app, generator):
    answer = app.ask("How did the reports differ on whether Russia and the US agreed to fight Islamic State together?")
    assert generator.calls == 0 and not answer.abstained and answer.quoted  # they differ: no model needed
    dates = [line.chunk.date for line in answer.lines]
    assert dates == sorted(dates) and len(dates) >= 3
    for line in answer.lines:  # each line is the article's own sentence, cited to itself
        for e in line.evidence:
            assert f"[{e.n}]" in answer.text and e.text in answer.text
    assert {c.n for c in answer.citations} == {e.n for e in answer.evidence}
    assert all(c.supported for c in answer.citations)
    # the sources disagree: both sides are quoted
    assert "The sources differ: The Moscow Times, 5 August 2015: “…States have not been able to agree" in answer.text
    data = answer.to_json()
    assert [a["date"] for a in data["per_article"]] == dates
    assert all(q["sentence"] and q["end"] > q["start"] for a in data["per_article"] for q in a["quotes"])


def test_a_question_across_articles_that_no_passage_is_like_is_not_found(app, generator):
    app.settings = app.settings.replace(min_score=0.99)
    answer = app.ask("How did the weather in Paris change over time?")
    assert answer.abstained and answer.text == NOT_FOUND and not answer.lines and generator.calls == 0


def test_disagreement_needs_a_plain_negation_of_the_same_verb(app):
    lines, _ = app.timeline("Mutu drugs test")  # nothing about Mutu in the samples: no lines
    assert disagreement(lines) == ""
    lines, _ = app.timeline("Russia United States agree")
    said = disagreement(lines)
    assert said.startswith("The sources differ:") and "not been able to agree" in said
    assert "failed" not in said


def test_the_topic_leaves_out_the_words_that_ask_for_a_comparison():
    assert topic_of("What did each outlet report Lavrov proposed?") == "What did Lavrov proposed"
    assert topic_of("How did Kerry's view change between May and August?") == "How did Kerry's view"


def test_a_month_in_the_question_is_a_filter_and_leaves_the_question(app, generator):
    generator.enqueue(citing("Palmyra"))
    answer = app.ask("Which ancient city did Islamic State occupy in May?")
    assert answer.dates == '2015-05-01 to 2015-05-31 ("in May")'
    assert {e.hit.chunk.date for e in answer.evidence} == {"2015-05-30"}
    assert "in May" not in generator.seen[-1][-1]["content"] and "Palmyra" in answer.text


def test_a_month_no_article_is_dated_in_is_searched_everywhere_and_said(app, generator):
    generator.enqueue(citing("Cavusoglu"))
    answer = app.ask("Which Turkish foreign minister met Kerry in December?")
    assert answer.dates.startswith("No article is dated 2015-12-01 to 2015-12-31")
    assert len({h.chunk.date for h in answer.hits}) > 1  # every date searched
    assert "Cavusoglu" in answer.text  # a month is a preference, never a filter that hides the article answering


def test_the_filters_the_reader_sets_win_over_the_question_words(app, generator):
    generator.enqueue(citing("Cavusoglu"))
    answer = app.ask("Which Turkish foreign minister met Kerry in May?", Filters(date_from="2015-08-01"))
    assert answer.dates == "" and {e.hit.chunk.date for e in answer.evidence} >= {"2015-08-05"}


def test_the_latest_is_the_newest_article_that_bears_on_the_question(app, generator):
    generator.enqueue(citing("New York"))
    answer = app.ask("Where did Kerry and Lavrov meet most recently?")
    assert {e.hit.chunk.date for e in answer.evidence} == {"2015-09-27"}
    assert answer.dates.startswith("the newest article that bears on the question:")
    assert "27 September 2015" in answer.dates and "New York" in answer.text


def test_relative_dates_count_back_from_the_newest_article():
    assert dates_meant("What did Kerry say last week?", DATES).date_from == "2015-09-20"
    assert dates_meant("What happened this month?", DATES).date_from == "2015-09-01"
    assert dates_meant("What was said before September?", DATES).date_to == "2015-08-31"
    assert dates_meant("since August", DATES).date_from == "2015-08-01"
    assert not dates_meant("What happened in May?", [])  # no dated articles: nothing to filter on


def test_cli_timeline_prints_each_article_with_date_outlet_and_quotes(run):
    run("ingest")
    result = run("timeline", "Lavrov")
    assert result.exit_code == 0
    days = re.findall(r"^(\d{4}-\d\d-\d\d)  ", result.output, re.M)
    assert days == DATES and "The Moscow Times" in result.output and "(characters " in result.output
    data = json.loads(run("timeline", "--json", "Lavrov").output)
    assert [a["date"] for a in data["articles"]] == DATES
    assert all(a["quotes"] and a["source"].endswith(".txt") for a in data["articles"])
    assert run("timeline", "   ").exit_code == 1  # an empty topic: one-line error


def test_cli_ask_across_articles_json_carries_the_lines(run, generator):
    run("ingest")
    data = json.loads(run("ask", "--json", "What did each outlet report Lavrov proposed?").output)
    assert data["per_article"] and data["quoted"] and not data["abstained"]
    assert generator.calls == 0 and NOT_FOUND not in data["answer"]


def test_a_range_of_months_asks_across_articles_and_filters_them(app, generator):
    answer = app.ask("What did Lavrov say between August and September?")
    assert answer.lines and generator.calls == 0
    assert {line.chunk.date for line in answer.lines} <= {"2015-08-05", "2015-08-06", "2015-08-10", "2015-09-27"}
    assert answer.dates == '2015-08-01 to 2015-09-30 ("between August and September")'
