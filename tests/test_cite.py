from assistant.cite import is_abstention, resolve_citations
from assistant.records import Chunk, Hit
from tests.fakes import NOT_FOUND


def hits(n):
    return [
        Hit(Chunk(f"a{i}:0", f"a{i}", 0, f"passage {i}", 0, 9, f"a{i}.txt", f"Title {i}"), 1.0 - i / 10)
        for i in range(1, n + 1)
    ]


def test_markers_map_to_passages_in_order_of_first_mention():
    text, cites, bad = resolve_citations("B happened [2]. A happened [1][2].", hits(3))
    assert [c.n for c in cites] == [2, 1]
    assert [c.hit.chunk.source for c in cites] == ["a2.txt", "a1.txt"]
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
