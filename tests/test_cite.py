import re

from assistant.check.cite import answer_grammar, is_abstention, resolve_citations
from assistant.records import Chunk, Evidence, Hit
from tests.fakes import NOT_FOUND


def hits(n):
    """n evidence items, each the one sentence of its own article."""
    items = []
    for i in range(1, n + 1):
        chunk = Chunk(f"a{i}:0", f"a{i}", 0, f"Sentence {i}.", 0, 11, f"a{i}.txt", f"Title {i}")
        items.append(Evidence(i, Hit(chunk, 1.0 - i / 10), f"Sentence {i}.", 0, 11))
    return items


def test_markers_map_to_passages_in_order_of_first_mention():
    text, cites, bad = resolve_citations("B happened [2]. A happened [1][2].", hits(3))
    assert [c.n for c in cites] == [2, 1]
    assert [c.hit.chunk.source for c in cites] == ["a2.txt", "a1.txt"]
    assert [c.quote for c in cites] == ["Sentence 2.", "Sentence 1."]
    assert text == "B happened [2]. A happened [1][2]." and bad == []


def test_grouped_markers_are_split_and_invalid_numbers_dropped():
    text, cites, bad = resolve_citations("Claim [1, 3; 9]. Other [7].", hits(3))
    assert text == "Claim [1][3]. Other."
    assert [c.n for c in cites] == [1, 3]
    assert bad == [9, 7]


def test_repeated_marker_is_one_citation():
    _, cites, _ = resolve_citations("X [1]. Y [1]. Z [ 1 ].", hits(2))
    assert [c.n for c in cites] == [1]


def test_text_without_markers_has_no_citations():
    assert resolve_citations("Nothing cited here.", hits(2))[1] == []


def test_abstention_is_recognised_with_or_without_markers_and_case():
    assert is_abstention(NOT_FOUND, NOT_FOUND)
    assert is_abstention("the articles do NOT contain the answer to this question [2]", NOT_FOUND)
    assert not is_abstention("Lavrov proposed a coalition [1].", NOT_FOUND)
    assert not is_abstention("The articles say Lavrov proposed a coalition.", NOT_FOUND)


def test_a_marker_after_the_full_stop_moves_before_it():
    assert resolve_citations("They met in New York. [2].", hits(2))[0] == "They met in New York [2]."


def test_the_answer_grammar_parses_and_names_only_existing_evidence():
    from llama_cpp import LlamaGrammar

    grammar = answer_grammar(12, NOT_FOUND)
    LlamaGrammar.from_string(grammar, verbose=False)  # llama.cpp accepts it
    numbers = re.search(r"number ::= (.*)", grammar).group(1)
    assert re.findall(r'"(\d+)"', numbers) == [str(n) for n in range(12, 0, -1)]
    assert f'notfound ::= "{NOT_FOUND}"' in grammar
