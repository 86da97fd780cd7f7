def test_fixture_app_answers_with_a_citation(app, generator):
    generator.enqueue("Lavrov proposed a coalition [1].")
    answer = app.ask("What did Lavrov propose?")
    assert answer.citations and answer.citations[0].n == 1


def test_article_is_rebuilt_from_its_chunks(app, corpus):
    aid = next(iter(app.store.articles()))
    article = app.article(aid)
    source = (corpus / article["source"]).read_text(encoding="utf-8").strip()
    assert article["text"] == source.replace("\r\n", "\n")
