def test_fixture_app_answers_with_a_citation(app, generator):
    generator.enqueue("Lavrov proposed a coalition [1].")
    answer = app.ask("What did Lavrov propose?")
    assert answer.citations and answer.citations[0].n == 1
