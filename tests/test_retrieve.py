"""Hybrid retrieval: fusion math, diversification, filters, BM25 rescuing names, the rerank hook."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from assistant.answer.retrieve import CrossEncoderReranker, Filters, check_filters, diversify, fuse, rerank, retrieve
from assistant.errors import InputError, ModelError
from assistant.pipeline import Assistant
from assistant.records import Chunk, Hit
from tests.fakes import FakeEmbedder


def hit(cid: str, article: str = "", score: float = 0.0, **meta) -> Hit:
    chunk = Chunk(id=cid, article_id=article or cid, index=0, text=f"text of {cid}", start=0, end=9,
                  source=meta.pop("source", f"{article or cid}.txt"), title=cid, **meta)  # fmt: skip
    return Hit(chunk, score, score)


# --- fusion -----------------------------------------------------------------


def test_rrf_textbook_case():
    scores = fuse([(1.0, ["a", "b"]), (1.0, ["b", "c"])], k=60)
    assert scores == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 1 / 61, "c": 1 / 62})


def test_rrf_weights_scale_each_ranking():
    scores = fuse([(1.0, ["a", "b"]), (3.0, ["b", "a"])], k=0)
    assert scores == pytest.approx({"a": 1 / 1 + 3 / 2, "b": 1 / 2 + 3 / 1})
    assert fuse([(0.0, ["a"]), (1.0, ["b"])])["a"] == 0.0


# --- diversification ----------------------------------------------------------


def test_diversify_caps_each_article_and_keeps_order():
    hits = [hit("a:0", "a"), hit("a:1", "a"), hit("a:2", "a"), hit("b:0", "b"), hit("c:0", "c")]
    assert [h.chunk.id for h in diversify(hits, top_k=4, per_article=2)] == ["a:0", "a:1", "b:0", "c:0"]
    assert [h.chunk.id for h in diversify(hits, top_k=2, per_article=1)] == ["a:0", "b:0"]
    assert diversify([], 5, 2) == []


# --- filters ------------------------------------------------------------------


def test_date_filter_goes_to_chroma_and_checks_hits():
    f = Filters(date_from="2015-08-01", date_to="2015-08-31")
    assert f.where() == {"$and": [{"date_num": {"$gte": 20150801}}, {"date_num": {"$lte": 20150831}}]}
    assert Filters(date_from="2015-08-01").where() == {"date_num": {"$gte": 20150801}}
    assert Filters().where() is None and not Filters()
    assert f.accepts(hit("x", date="2015-08-31")) and not f.accepts(hit("y", date="2015-09-01"))
    assert not f.accepts(hit("z"))  # an undated article cannot be shown to fall in the range


def test_outlet_and_folder_filters():
    moscow = hit("m", outlet="The Moscow Times", root="articles", source="world/m.txt")
    assert Filters(outlet="moscow").accepts(moscow) and not Filters(outlet="Reuters").accepts(moscow)
    assert Filters(folder="articles").accepts(moscow)
    assert Filters(folder="world").accepts(moscow) and Filters(folder="articles/world/").accepts(moscow)
    assert not Filters(folder="sport").accepts(moscow) and not Filters(folder="wor").accepts(moscow)


def test_a_bad_date_is_named():
    with pytest.raises(InputError, match="--date-from '5 Aug' is not a date"):
        check_filters(Filters(date_from="5 Aug"))


IMPOSSIBLE = [
    ({"date_from": "2015-13-45"}, "--date-from '2015-13-45' is not a real date (month must be in 1..12)"),
    ({"date_to": "2015-02-30"}, "--date-to '2015-02-30' is not a real date (day is out of range for month)"),
    ({"date_from": "2015-09-01", "date_to": "2015-08-01"}, "--date-from 2015-09-01 is after --date-to 2015-08-01"),
]


@pytest.mark.parametrize("given, message", IMPOSSIBLE)
def test_impossible_dates_and_reversed_ranges_are_refused_where_retrieval_happens(newsroom, given, message):
    with pytest.raises(InputError, match=re.escape(message)):
        check_filters(Filters(**given))
    with pytest.raises(InputError, match=re.escape(message)):  # a library caller who skips check_filters too
        newsroom.retrieve("What did the spokesman tell reporters?", Filters(**given))
    assert check_filters(Filters(date_from="2016-02-29", date_to="2016-02-29"))  # a leap day; a one-day range


# --- retrieve() with a fake store and lexical index -----------------------------


class FakeStore:
    """Dense ranking = the order given; similarities looked up by id."""

    def __init__(self, hits):
        self.hits = hits

    def query(self, vector, n, where=None):
        return self.hits[:n]

    def similarities(self, vector, ids):
        return [h for h in self.hits if h.chunk.id in ids]


class FakeLexical:
    def __init__(self, ids):
        self.ids = ids

    def search(self, question, n):
        return [(cid, 10.0 - i) for i, cid in enumerate(self.ids[:n])]


def test_fusion_order_and_lexical_only_hits_keep_their_similarity():
    dense = [hit("a", score=0.9), hit("b", score=0.8), hit("c", score=0.7), hit("d", score=0.2)]
    store = FakeStore(dense)
    found = retrieve("q", FakeEmbedder(), FakeStore(dense[:3]), top_k=3)  # dense only: the store's order
    assert [h.chunk.id for h in found] == ["a", "b", "c"]
    store.query = lambda vector, n, where=None: dense[:3]  # "d" is found by BM25 only
    found = retrieve("q", FakeEmbedder(), store, FakeLexical(["d", "b"]), top_k=4, lexical_weight=1.0)
    assert [h.chunk.id for h in found] == ["b", "a", "d", "c"]  # b: in both; a, d: first in one each
    assert {h.chunk.id: h.similarity for h in found}["d"] == 0.2
    assert found[0].score == pytest.approx(1 / 62 + 1 / 62)
    bm25_only = retrieve("q", FakeEmbedder(), store, FakeLexical(["d", "b"]), top_k=4, dense_weight=0.0)
    assert [h.chunk.id for h in bm25_only] == ["d", "b"]


def test_a_passage_only_bm25_found_is_fetched_when_the_answer_needs_it_and_a_gone_one_is_skipped():
    dense = [hit(f"{i}:0", str(i), score=1 - i / 100) for i in range(10)]
    extra = [hit(f"x{i}:0", f"x{i}", score=0.1) for i in range(10)]
    store, asked = FakeStore(dense + extra), []
    store.query = lambda vector, n, where=None: dense[:n]
    fetch = store.similarities
    store.similarities = lambda vector, ids: asked.append(list(ids)) or fetch(vector, ids)
    lexical = FakeLexical(["x0:0", "gone:0", "x1:0"] + [f"x{i}:0" for i in range(2, 10)])
    found = retrieve("q", FakeEmbedder(), store, lexical, top_k=4, per_article=1)
    assert [h.chunk.id for h in found] == ["0:0", "x0:0", "1:0", "x1:0"]  # "gone" (not in the store) ranks nothing
    assert asked == [["x0:0", "gone:0"], ["x1:0"]]  # x2 ... x9 are never fetched
    unfound = FakeLexical(["x0:0", "x1:0"] + [f"x{i}:0" for i in range(2, 10)])
    assert [h.chunk.id for h in retrieve("q", FakeEmbedder(), store, unfound, top_k=4, per_article=1)] == [
        h.chunk.id for h in found]  # fmt: skip


def test_the_candidate_pool_does_not_depend_on_top_k():
    """A deeper list extends the normal one: evaluation's recall@5 is about the passages the model gets."""
    dense = [hit(f"{i}:{j}", str(i), score=1 - i / 100) for i in range(30) for j in range(3)]
    lexical = FakeLexical([h.chunk.id for h in reversed(dense)])
    top5 = retrieve("q", FakeEmbedder(), FakeStore(dense), lexical, top_k=5, candidates=20)
    top20 = retrieve("q", FakeEmbedder(), FakeStore(dense), lexical, top_k=20, candidates=20)
    assert [h.chunk.id for h in top20[:5]] == [h.chunk.id for h in top5]


def test_filters_apply_to_both_rankings():
    dense = [hit("a", outlet="Reuters"), hit("b", outlet="The Moscow Times")]
    found = retrieve("q", FakeEmbedder(), FakeStore(dense), FakeLexical(["a", "b"]), filters=Filters(outlet="moscow"))
    assert [h.chunk.id for h in found] == ["b"]


# --- reranking hook -------------------------------------------------------------


class CountReranker:
    """Prefers passages that repeat the question's last word: a stand-in for a cross-encoder."""

    def score(self, question, texts):
        word = question.split()[-1].lower()
        return [t.lower().count(word) for t in texts]


def test_rerank_reorders_the_head_only():
    hits = [hit("a"), hit("b"), hit("c")]
    hits[1] = replace(hits[1], chunk=replace(hits[1].chunk, text="zebra zebra"))
    out = rerank("about zebra", hits, CountReranker(), depth=2)
    assert [h.chunk.id for h in out] == ["b", "a", "c"] and out[0].score == 2.0
    assert (
        retrieve("about zebra", FakeEmbedder(), FakeStore(hits), top_k=1, reranker=CountReranker())[0].chunk.id == "b"
    )


def test_a_missing_cross_encoder_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="not a folder holding a cross-encoder"):
        CrossEncoderReranker(tmp_path / "nowhere")


def tiny_cross_encoder(folder):
    """A one-layer BERT cross-encoder with random weights, built here: the real loading path, no download."""
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder.mkdir()
    words = "[PAD] [UNK] [CLS] [SEP] [MASK] the cat sat on mat what did say rain".split()
    (folder / "vocab.txt").write_text("\n".join(words) + "\n")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    config = BertConfig(vocab_size=len(words), hidden_size=8, num_hidden_layers=1, num_attention_heads=1,
                        intermediate_size=16, max_position_embeddings=64, num_labels=1)  # fmt: skip
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


def test_a_local_cross_encoder_folder_reranks(newsroom, tmp_path):
    folder = tiny_cross_encoder(tmp_path / "tiny-ce")
    scores = CrossEncoderReranker(folder).score("what did the cat say", ["the cat sat on the mat", "rain"])
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)
    newsroom.settings = newsroom.settings.replace(rerank_model=str(folder))
    hits = newsroom.retrieve("What did Rathke say about the rain?")
    assert newsroom.reranker is not None and len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    newsroom.settings = newsroom.settings.replace(rerank_model="")
    assert newsroom.reranker is None


# --- the real stores (Chroma + SQLite FTS5) with fakes for the models --------------

VOCABULARY = set("what did tell told reporters the talks on syria will go news conference about weather rain".split())


class NameBlindEmbedder(FakeEmbedder):
    """Sees only common words, as MiniLM blurs rare names: the dense side cannot find 'Rathke'."""

    def vector(self, text):
        return super().vector(" ".join(w for w in re.findall(r"\w+", text.lower()) if w in VOCABULARY))


def write(folder, name, title, outlet, date, body):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\nBy {outlet}\n{date}\n\n{body}\n", encoding="utf-8")


@pytest.fixture
def newsroom(tmp_path, settings):
    """Eight articles about reporters and talks, one about the weather that names Rathke; two folders."""
    root = tmp_path / "news"
    for i in range(8):
        write(root, f"world/talks{i}.txt", f"Talks on Syria continue, day {i}", "The Moscow Times",
              f"August {i + 1:02}, 2015", "The spokesman told reporters the talks on Syria will go on. " * 3)  # fmt: skip
    write(root, "sport/rain.txt", "Weather stops the cricket match at the oval", "Sports Weekly", "May 3, 2016",
          "Heavy rain fell all day. Jeff Rathke said the weather would clear by the weekend.")  # fmt: skip
    app = Assistant(settings.replace(corpus_path=root, top_k=5, per_article=1), embedder=NameBlindEmbedder())
    app.ingest()
    return app


def test_bm25_finds_a_rare_name_that_dense_misses(newsroom):
    question = "What did Rathke tell reporters?"
    newsroom.settings = newsroom.settings.replace(lexical_weight=0.0)
    assert all(h.chunk.source != "sport/rain.txt" for h in newsroom.retrieve(question))
    newsroom.settings = newsroom.settings.replace(lexical_weight=1.0)
    assert "sport/rain.txt" in [h.chunk.source for h in newsroom.retrieve(question)]


def test_filters_on_the_real_stores(newsroom):
    question = "What did Rathke tell reporters about the talks?"
    sources = lambda **f: {h.chunk.source for h in newsroom.retrieve(question, Filters(**f), top_k=20)}  # noqa: E731
    assert sources(date_from="2016-01-01") == {"sport/rain.txt"}
    assert sources(date_from="2015-08-03", date_to="2015-08-04") == {"world/talks2.txt", "world/talks3.txt"}
    assert sources(outlet="sports weekly") == {"sport/rain.txt"}
    assert sources(folder="world") == {f"world/talks{i}.txt" for i in range(8)}
    assert sources(folder="news/sport") == {"sport/rain.txt"}


@pytest.mark.parametrize(
    "given, shown",
    [({"outlet": "Nobody"}, "outlet 'Nobody'"), ({"folder": "news/weather"}, "folder 'news/weather'"),
     ({"date_from": "2016-06-01", "outlet": "sports"}, "from 2016-06-01, outlet 'sports'")],
)  # fmt: skip
def test_filters_that_no_article_passes_say_so_rather_than_find_nothing(newsroom, given, shown):
    with pytest.raises(InputError, match=re.escape(f"no passage matches these filters ({shown}); widen or clear")):
        newsroom.retrieve("What did Rathke tell reporters about the talks?", Filters(**given))
    assert newsroom.retrieve("What did Rathke tell reporters about the talks?", Filters(outlet="sports"))
