"""The real packaged embedder, in float32 and int8: close vectors, but never mixed in one index."""

import pytest

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.pipeline import Assistant

pytestmark = pytest.mark.slow


def test_int8_embeds_close_to_float32_and_an_index_refuses_the_other_precision(tmp_path, corpus):
    exact = Assistant(Settings.load(store_path=tmp_path / "index", corpus_path=corpus))
    fast = Assistant(exact.settings.replace(embed_precision="int8"))
    texts = ["Lavrov proposed a coalition against Islamic State.", "Kerry met Cavusoglu in Kuala Lumpur."]
    for a, b in zip(exact.embedder.embed(texts), fast.embedder.embed(texts)):
        assert sum(x * y for x, y in zip(a, b)) > 0.9
    assert fast.embedder.name == exact.embedder.name + "+int8"
    exact.ingest()
    with pytest.raises(
        StoreError, match=r"built with embedding model 'all-minilm-l6-v2', not 'all-minilm-l6-v2\+int8'"
    ):
        fast.index.store.count()
