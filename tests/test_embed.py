"""The real packaged embedder, in float32 and int8 (OpenVINO quantized by NNCF, made once into the model cache):
close vectors, but never mixed in one index; OpenVINO for bulk float32 batches, with the same vectors."""

import pytest

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.models.embed import BULK
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow


def test_int8_embeds_close_to_float32_is_made_once_and_an_index_refuses_the_other_precision(
    tmp_path, corpus, monkeypatch
):
    exact = Assistant(Settings.load(store_path=tmp_path / "index", corpus_path=corpus, embed_precision="float32"))
    fast = Assistant(exact.settings.replace(embed_precision="int8"))
    texts = ["Lavrov proposed a coalition against Islamic State.", "Kerry met Cavusoglu in Kuala Lumpur."]
    for a, b in zip(exact.embedder.embed(texts), fast.embedder.embed(texts)):
        assert 0.98 < sum(x * y for x, y in zip(a, b)) < 0.99999  # close, and not the float32 network
    assert fast.embedder.name == exact.embedder.name + "+int8"
    [made] = list((exact.settings.cache_dir / "embedders").glob("*/*/model.xml"))
    import nncf

    monkeypatch.setattr(nncf, "quantize", lambda *a, **kw: 1 / 0)  # read back from the cache, not made again
    again = Assistant(fast.settings).embedder
    assert again.embed(texts) == fast.embedder.embed(texts)
    assert list((exact.settings.cache_dir / "embedders").glob("*/*/model.xml")) == [made]
    exact.ingest()
    with pytest.raises(
        StoreError, match=r"built with embedding model 'all-minilm-l6-v2', not 'all-minilm-l6-v2\+int8'"
    ):
        fast.index.store.count()


def test_an_ingest_sized_batch_goes_through_openvino_with_the_vectors_torch_gives(tmp_path):
    app = Assistant(Settings.load(store_path=tmp_path / "index", embed_precision="float32"))
    texts = [f"{i} people were arrested after the Department of Work and Pensions raids." for i in range(BULK)]
    texts[3] = (
        "Lavrov proposed a coalition against Islamic State, with the Syrian army and the Kurds. " * 20
    )  # truncated
    bulk = app.embedder.embed(texts)
    assert True in app.embedder._compiled  # compiled for throughput
    one_by_one = [app.embedder.embed([t])[0] for t in texts[:5]]  # a query's path: torch
    for a, b in zip(bulk, one_by_one):
        assert sum(x * y for x, y in zip(a, b)) > 0.9999


def test_a_model_openvino_cannot_convert_is_embedded_by_torch_with_a_warning(tmp_path, monkeypatch):
    import assistant.models.embed

    def fail(model):
        raise RuntimeError("unsupported operation")

    monkeypatch.setattr(assistant.models.embed, "_converted", fail)
    embedder = Assistant(Settings.load(store_path=tmp_path / "index", embed_precision="float32")).embedder
    texts = [f"Article {i} on the budget deficit." for i in range(BULK)]
    with pytest.warns(UserWarning, match="OpenVINO cannot convert all-minilm-l6-v2 .*unsupported operation"):
        vectors = embedder.embed(texts)
    assert vectors == embedder.model.encode(texts, normalize_embeddings=True).tolist()
    assert embedder.embed(texts) == vectors  # no second attempt
