"""The IVF-SQ8 dense index for large corpora: same answers as exact search when every list is
probed, exact cosines after re-scoring, the status filter honoured, and auto picking by size."""

import json

import numpy as np
import pytest

from assistant import dense_index
from assistant import index as store
from assistant.retrieval import Searcher
from ingest.build import build_index
from tests.conftest import make_settings

QUESTIONS = [json.loads(line)["query"] for line in open("eval/sets/dev.jsonl", encoding="utf-8")][:25]


@pytest.fixture(scope="module")
def ivf(tmp_path_factory, model, built):
    """(settings, result) of the bundled corpus built with the quantised index (FAISS: the files
    backend, whichever backend the suite runs on)."""
    base, _ = built
    settings = make_settings(tmp_path_factory.mktemp("ivf"), dense_index="ivf_sq8",
                             sentence_weight=base.sentence_weight, retrieval_backend="files")
    return settings, build_index(settings, model=model)


def test_an_ivf_version_keeps_fp32_vectors_and_says_what_it_is(ivf):
    settings, result = ivf
    loaded = store.load_version(settings.index_path)
    assert loaded.manifest["dense_index"] == "ivf_sq8"
    assert dense_index.kind_of(loaded.dense) == "ivf_sq8"
    assert loaded.vectors is not None and loaded.vectors.shape == (result.passages, 384)
    assert isinstance(loaded.vectors, np.memmap) and loaded.vectors.mode == "r"  # read, never written through


def test_probing_every_list_gives_the_exact_ranking(ivf, searcher, model):
    settings, _ = ivf
    exact_everywhere = Searcher.open(settings.model_copy(update={"ivf_probe_share": 1.0}), model=model)
    for question in QUESTIONS:
        want = searcher.search(question)
        got = exact_everywhere.search(question)
        assert [h.passage_id for h in got] == [h.passage_id for h in want], question
        assert [h.dense_score for h in got] == pytest.approx([h.dense_score for h in want], abs=1e-5)


def test_the_default_probe_share_finds_nearly_all_exact_neighbours(ivf, searcher, model):
    settings, _ = ivf
    quantised = Searcher.open(settings, model=model)
    overlap = []
    for question in QUESTIONS:
        vector = searcher.encode(question)
        want = searcher.search(question, top_k=10, mode="dense", vector=vector)
        got = quantised.search(question, top_k=10, mode="dense", vector=vector)
        overlap.append(len({h.passage_id for h in got} & {h.passage_id for h in want}) / 10)
        # Whatever IVF finds carries its exact fp32 cosine, not the 8-bit approximation.
        for h in got:
            row = quantised.index.row_of(h.passage_id)
            assert h.dense_score == pytest.approx(float(quantised.index.vectors[row] @ vector), abs=1e-5)
    assert np.mean(overlap) >= 0.9


def test_the_status_filter_holds_in_ivf(ivf, model):
    settings, _ = ivf
    quantised = Searcher.open(settings, model=model)
    repealed = [p for p in quantised.index.passages if p.status != "有效"]
    assert repealed, "the bundled corpus holds repealed documents"
    hits = quantised.search(repealed[0].text[:60], top_k=10, mode="dense")
    assert hits and all(h.status == "有效" for h in hits)


@pytest.mark.parametrize(("passages", "setting", "kind"), [
    (3_000, "auto", "flat"), (200_000, "auto", "ivf_sq8"), (10, "ivf_sq8", "ivf_sq8"), (10**6, "flat", "flat")])
def test_auto_switches_to_ivf_at_the_configured_size(passages, setting, kind):
    assert dense_index.choose_kind(passages, setting, 200_000) == kind


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown dense index kind"):
        dense_index.choose_kind(10, "hnsw", 200_000)
