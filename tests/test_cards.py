"""The page's HTML for answers and evidence (cards.py): pure functions, everything escaped."""

from assistant.records import Answer, Chunk, Citation, Claim, Evidence, Hit
from assistant.ui import cards
from tests.fakes import NOT_FOUND

ARTICLE = "Lavrov spoke on Sunday.\n\nThe coalition would bring together all those fighting. He named the army."


def item(n, text, start, title="Lavrov <b>Says</b>", source="003.txt", article_id="c84c749e2a4369fd"):
    chunk = Chunk(
        f"{article_id}:0", article_id, 0, ARTICLE, 0, len(ARTICLE), source, title, "2015-08-10", "Moscow Times"
    )
    return Evidence(n, Hit(chunk, 0.5), text, start, start + len(text))


EVIDENCE = [
    item(1, "Lavrov spoke on Sunday.", 0),
    item(2, "The coalition would bring together all those fighting.", 25),
    item(3, "A <script>alert(1)</script> elsewhere.", 0, title="Other", source="x.txt", article_id="0123456789abcdef"),
]


def cite(n, supported=True, support=0.8, origin="model"):
    e = EVIDENCE[n - 1]
    return Citation(n, e.hit, supported, support, e.text, origin, e)


def test_markers_become_links_to_their_evidence_sentence():
    text = "Lavrov proposed a coalition [2][3]. Kerry agreed [1: unsupported]. See [Daesh]."
    assert cards.link_markers(text, 5) == (
        "Lavrov proposed a coalition [[2]](#src-5-2)[[3]](#src-5-3). "
        "Kerry agreed [[1: unsupported]](#src-5-1). See [Daesh]."
    )


def test_evidence_shows_one_card_per_article_with_numbered_escaped_sentences():
    html = cards.evidence_cards(EVIDENCE, 1)
    assert html.count('<details class="source-card"') == 2
    assert "Lavrov &lt;b&gt;Says&lt;/b&gt;" in html and "Moscow Times · 2015-08-10 · 003.txt" in html
    assert 'id="src-1-1"' in html and 'id="src-1-3"' in html
    assert "[3] A &lt;script&gt;alert(1)&lt;/script&gt; elsewhere." in html and "<script" not in html
    assert 'data-article="c84c749e2a4369fd" data-spans="0-23,25-79"' in html  # the viewer marks them
    assert "<mark>" not in html  # nothing cited yet


def test_cited_sentences_are_marked_with_their_verdict():
    html = cards.evidence_cards(
        EVIDENCE, 2, [cite(2), cite(1, supported=False, support=0.1), cite(3, origin="checker")]
    )
    assert '<p class="sentence cited" id="src-2-2">[2] <mark>The coalition' in html and "(cited, support 0.80)" in html
    assert '<p class="sentence unsupported" id="src-2-1">' in html and "does not state what the answer says" in html
    assert "attached by the citation check" in html


def test_while_the_model_writes_the_panel_shows_the_evidence_found():
    html = cards.sources_html(None, 1, EVIDENCE)
    assert html.startswith("<p>Evidence found; the answer is being written from it:</p>") and 'id="src-1-2"' in html
    assert cards.sources_html(None, 0) == "<p>The evidence for an answer appears here.</p>"


def test_an_abstention_shows_the_closest_evidence_and_cites_nothing():
    answer = Answer("Who won?", NOT_FOUND, evidence=EVIDENCE, abstained=True, standalone_question="Who won?")
    html = cards.sources_html(answer, 1)
    assert "Closest evidence found" in html and "Lavrov spoke on Sunday." in html
    assert "src-" not in html and "[1]" not in html and "<mark>" not in html
    withheld = Answer("Who won?", NOT_FOUND, abstained=True, draft="Serena Williams [1]",
                      warnings=["The closest answer, “Serena Williams” [1], was withheld: [1] says Serena lost."])  # fmt: skip
    assert (
        cards.answer_text(withheld, 1)
        == f"{NOT_FOUND}\n\n⚠ The closest answer, “Serena Williams” [1], was withheld: [1] says Serena lost."
    )


def test_the_panel_says_what_was_searched_for_a_follow_up():
    answer = Answer("And he?", "x [2]", citations=[cite(2)], evidence=EVIDENCE, standalone_question="What did <L> say?")
    assert "Searched for:</b> What did &lt;L&gt; say?" in cards.sources_html(answer, 2)


def test_the_answer_lists_what_it_could_not_support_and_why():
    sentences = [
        Claim("Palmyra fell in 2016.", (2,), 0.0, (), "unsupported", "not stated in [2]: 2016"),
        Claim("Lavrov spoke.", (1,), 0.9, (1,)),
    ]
    answer = Answer("q?", "Palmyra fell in 2016 [2: unsupported]. Lavrov spoke [1].", [cite(1)], sentences=sentences)
    text = cards.answer_text(answer, 3)
    assert text.startswith("Palmyra fell in 2016 [[2: unsupported]](#src-3-2). Lavrov spoke [[1]](#src-3-1).")
    assert text.endswith("⚠ Not supported: “Palmyra fell in 2016.” (not stated in [2]: 2016)")


def test_the_article_viewer_marks_the_evidence_at_its_offsets_and_ignores_bad_spans():
    article = {
        "title": "T <i>",
        "text": "One <b>two</b>. Three.",
        "outlet": "",
        "date": "",
        "source": "a.txt",
        "url": "",
    }
    html = cards.article_html(article, "0-15,oops,900-990,3-1")
    assert "<mark>One &lt;b&gt;two&lt;/b&gt;.</mark> Three." in html and "T &lt;i&gt;" in html
