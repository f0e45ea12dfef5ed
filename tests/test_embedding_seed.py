"""The shipped vectors of the bundled corpus: a fresh machine builds the default index without
embedding anything, an edited article is embedded anew, and the seed is written from the cache."""

import os

import numpy as np
import pytest

from assistant import index as store
from ingest.build import build_index
from ingest.embed import EmbeddingCache, content_hash, encode_passages
from ingest.embedding_seed import SeedIncomplete, bundled_texts, load_seed, write_seed
from ingest.e5_convert import MODEL_NAME
from tests.conftest import copy_corpus, make_settings

SMALL = ["surveying-and-mapping-law.md"]


def test_a_fresh_cache_builds_the_bundled_index_without_embedding(tmp_path, model):
    settings = make_settings(tmp_path, embedding_cache=tmp_path / "fresh.sqlite")
    result = build_index(settings, model=model)
    manifest = store.load_version(settings.index_path).manifest
    assert (result.embedded, manifest["sentences_embedded_new"]) == (0, 0), \
        "the bundled corpus changed: run `hotline models seed` and commit artefacts/embeddings-bundled.npz"
    seed = load_seed(settings.resolve(settings.embedding_seed))
    texts = bundled_texts(settings)[::1000]
    fresh = encode_passages(model, texts)
    shipped = np.vstack([seed[content_hash(t)] for t in texts])
    assert np.min(np.sum(fresh * shipped, axis=1)) > 0.9999


@pytest.fixture
def small(tmp_path):
    return make_settings(tmp_path, corpus_dir=copy_corpus(tmp_path / "corpus", SMALL), embedding_cache=tmp_path / "cache.sqlite",
                         embedding_seed=tmp_path / "seed.npz")


def test_the_seed_is_written_from_the_cache_and_an_edited_article_misses_it(small, model):
    with pytest.raises(SeedIncomplete, match="hotline index build"):
        write_seed(small, small.embedding_seed)  # nothing embedded yet
    first = build_index(small, model=model)
    assert first.embedded > 0
    count = write_seed(small, small.embedding_seed)
    assert count == len(set(bundled_texts(small)))
    cache = EmbeddingCache(small.embedding_cache_path, MODEL_NAME)
    cached = cache.get_many(list(load_seed(small.embedding_seed)))
    cache.close()
    seed = load_seed(small.embedding_seed)
    assert len(seed) == count and set(cached) == set(seed)  # every digest survives the round trip
    assert min(float(seed[h] @ cached[h]) for h in seed) > 0.99999

    os.remove(small.embedding_cache_path)
    path = small.corpus_path / SMALL[0]
    path.write_text(path.read_text(encoding="utf-8").replace("第四十一条 ", "第四十一条 测试修订，", 1), encoding="utf-8")
    again = build_index(small, model=model)
    assert again.embedded == 1  # only the edited article; the rest came from the seed
