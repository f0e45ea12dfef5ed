"""Scale benchmark (not a test): FAISS index types and bm25s at 1M passages, passage embedding
throughput of the e5 encoder (ONNX fp32 / int8), and what 1M and 10M passages would need.

    python -m eval.bench_scale                                  # the full run (20-30 min on 2 cores)
    python -m eval.bench_scale --passages 100000 --embed-sample 200 --latency-seconds 3   # a quick look

The corpus is synthetic: bm25s indexes the national collection's jieba tokens plus perturbed
copies of them (tokens dropped and swapped), up to --passages documents; the dense part is
either random unit vectors or "clustered" ones (real e5 vectors of the live bundled index,
mixed pairwise and with gaussian noise), on which ANN recall means something. Queries are real
questions of eval/sets (encoded by the service's ONNX question encoder, and by base e5) and
held-out draws of the generator.
Each measured step runs in a fresh process so its RSS is its own; everything big lives under
--work-dir (removed at the end unless --keep-data), results go to --out as JSON.
"""

import argparse
import gc
import itertools
import json
import multiprocessing as mp
import os
import shutil
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from assistant.settings import PROJECT_ROOT, Settings

NATIONAL_TAR = PROJECT_ROOT.parent / "shared" / "corpus" / "national.tar.gz"
SETS = PROJECT_ROOT / "eval" / "sets"
RETRIEVAL_SETS = ("dev.jsonl", "dev2.jsonl")
DIM = 384
K = 10
# Share of national passages in force (137,600 of 148,716, docs/training.md); the rest are
# excluded by the service's default status filter, as an IDSelectorBatch at search time.
IN_FORCE = 137_600 / 148_716
INDEX_TYPES = ("flat", "sq8", "ivf_sq8", "ivf_fp16", "hnsw_sq8", "hnsw")
RERANKED = ("sq8", "ivf_sq8", "hnsw_sq8")  # also measured with exact re-scoring of their candidates
MB = 1024 * 1024


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def _in_child(fn: Callable[..., dict], *args: Any) -> dict:
    # An executor, not a Pool: a worker that dies (a segfault) raises here instead of hanging.
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def _dir_bytes(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _latency(call: Callable[[int], object], items: int, concurrency: int, max_calls: int,
             max_seconds: float) -> dict:
    """Per-call latency of `call(i)` from `concurrency` threads, until max_calls or max_seconds."""
    counter, lock, times = itertools.count(), threading.Lock(), []
    deadline = time.perf_counter() + max_seconds

    def worker() -> None:
        while True:
            with lock:
                i = next(counter)
            if i >= max_calls or time.perf_counter() > deadline:
                return
            t = time.perf_counter()
            call(i % items)
            times.append((time.perf_counter() - t) * 1000)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"n": len(times), "p50_ms": round(float(np.percentile(times, 50)), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2), "qps": round(len(times) / wall, 1)}


def _national_nodes(data: Path) -> list:
    """The national collection chunked as the service would (extracted under data once)."""
    from ingest.build import chunk_corpus
    from ingest.corpus import load_corpus

    if not (data / "national").is_dir():
        with tarfile.open(NATIONAL_TAR) as tar:
            tar.extractall(data, filter="data")
    return chunk_corpus(load_corpus(data / "national").documents, Settings())


def _question_texts() -> list[str]:
    """Every distinct question, paraphrase and work-order text of eval/sets."""
    texts: dict[str, None] = {}
    for path in sorted(SETS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line) if line.strip() else {}
            text = next((record[f] for f in ("query", "question", "content") if record.get(f)), None)
            if text:
                texts[" ".join(text.split())] = None
    return list(texts)


# --- preparation: questions, synthetic vectors, exact neighbours -------------------------------

def prepare_questions(work: str, questions: int, seed: int) -> dict:
    """Real question vectors and their BM25 tokens: from the question encoder the service uses
    (the tuned one when its adapter is there) and, for comparison, from base e5."""
    from assistant.encoder import OnnxQueryEncoder
    from assistant.expand import Synonyms
    from assistant.index import load_version
    from assistant.tokenize import Tokenizer

    data = Path(work) / "data"
    settings = Settings()
    texts = _question_texts()
    rng = np.random.default_rng(seed)
    texts = [texts[i] for i in sorted(rng.choice(len(texts), min(questions, len(texts)), replace=False))]
    encoders = {"questions": OnnxQueryEncoder(settings.query_model_path, settings.torch_threads),
                "questions_base_e5": OnnxQueryEncoder(settings.model_path, settings.torch_threads)}
    groups = {}
    for group, encoder in encoders.items():
        groups[group] = np.vstack([encoder(texts[i:i + 32]) for i in range(0, len(texts), 32)])
        np.save(data / f"{group}.npy", groups[group])
    one_by_one = _latency(lambda i: encoders["questions"]([texts[i]]), len(texts), 1, 100, 30)

    synonyms = Synonyms.load(settings.synonyms_path)
    tokenizer = Tokenizer(synonyms.terms())
    tokens = [{"own": tokenizer.tokens(t), "expansion": tokenizer.tokens(" ".join(synonyms.expansions(t)))}
              for t in texts]
    (data / "question-tokens.json").write_text(json.dumps(tokens, ensure_ascii=False), encoding="utf-8")

    # The clustered generator's seeds: passage and sentence vectors of the live bundled index.
    live = load_version(settings.index_path)
    passages = live.dense.reconstruct_n(0, live.dense.ntotal)
    sentences = np.asarray(live.sentences.vectors) if live.sentences is not None else np.zeros((0, DIM), np.float32)
    real = np.vstack([passages, sentences]).astype(np.float32)
    np.save(data / "real.npy", real)
    structure = {"median_pair_cosine": round(float(np.median(real[:2000] @ real[-2000:].T)), 4)}
    for group, vectors in groups.items():
        top = np.sort(vectors @ real.T, axis=1)[:, ::-1]
        structure[f"{group}_top1"] = round(float(top[:, 0].mean()), 4)
        structure[f"{group}_top10"] = round(float(top[:, K - 1].mean()), 4)
    return {"questions": len(texts), "encode_one_question": one_by_one, "real_vectors": len(real),
            "index_version": live.version, "question_model": settings.query_model_path.name,
            "structure_real_bundled": structure}


def _synthetic(kind: str, real: np.ndarray, n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """n unit vectors: random, or a real vector mixed with another (weight up to 0.5) plus noise."""
    if kind == "random":
        x = rng.standard_normal((n, DIM), dtype=np.float32)
    else:
        a, b = real[rng.integers(0, len(real), n)], real[rng.integers(0, len(real), n)]
        mix = rng.uniform(0, 0.5, (n, 1)).astype(np.float32)
        x = a * (1 - mix) + b * mix + rng.standard_normal((n, DIM), dtype=np.float32) * noise
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def prepare_vectors(work: str, dataset: str, passages: int, noisy_queries: int, noise: float, seed: int) -> dict:
    """The dataset's vectors, its queries (questions + held-out draws) and their exact top-10
    under the status filter, computed blockwise with BLAS."""
    data = Path(work) / "data"
    real = np.load(data / "real.npy")
    rng = np.random.default_rng(seed + (dataset == "random"))
    t = time.perf_counter()
    out = np.lib.format.open_memmap(data / f"vectors-{dataset}.npy", mode="w+", dtype=np.float32, shape=(passages, DIM))
    step = 100_000
    for start in range(0, passages, step):
        out[start:start + step] = _synthetic(dataset, real, min(step, passages - start), noise, rng)
    out.flush()
    generate_s = time.perf_counter() - t

    groups = {"questions": np.load(data / "questions.npy"), "questions_base_e5": np.load(data / "questions_base_e5.npy"),
              "heldout": _synthetic(dataset, real, noisy_queries, noise, rng)}
    queries = np.vstack(list(groups.values()))
    np.save(data / f"queries-{dataset}.npy", queries)
    (data / "query-groups.json").write_text(json.dumps({g: len(v) for g, v in groups.items()}), encoding="utf-8")
    allowed = np.load(data / "allowed.npy")
    t = time.perf_counter()
    best_s = np.full((len(queries), K), -np.inf, np.float32)
    best_i = np.full((len(queries), K), -1, np.int64)
    for start in range(0, passages, step):
        scores = queries @ out[start:start + step].T
        scores[:, ~allowed[start:start + step]] = -np.inf
        cand_s = np.hstack([best_s, scores])
        cand_i = np.hstack([best_i, np.broadcast_to(np.arange(start, start + scores.shape[1]), scores.shape)])
        top = np.argpartition(-cand_s, K - 1, axis=1)[:, :K]
        best_s, best_i = np.take_along_axis(cand_s, top, 1), np.take_along_axis(cand_i, top, 1)
    order = np.argsort(-best_s, axis=1)
    best_s, best_i = np.take_along_axis(best_s, order, 1), np.take_along_axis(best_i, order, 1)
    np.save(data / f"gt-{dataset}.npy", best_i)
    sample = np.asarray(out[rng.choice(passages, min(passages, 4000), replace=False)])
    half = len(sample) // 2
    structure = {"median_pair_cosine": round(float(np.median(sample[:half] @ sample[half:].T)), 4)}
    for group, (start, end) in _group_rows({g: len(v) for g, v in groups.items()}).items():
        structure[f"{group}_top1"] = round(float(best_s[start:end, 0].mean()), 4)
        structure[f"{group}_top10"] = round(float(best_s[start:end, K - 1].mean()), 4)
    return {"generate_s": round(generate_s, 1), "exact_top10_s": round(time.perf_counter() - t, 1),
            "structure": structure}


def _group_rows(sizes: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Each query group's [start, end) rows in the stacked queries."""
    ends = np.cumsum(list(sizes.values()))
    return {g: (int(end - size), int(end)) for (g, size), end in zip(sizes.items(), ends)}


# --- bm25s at scale ---------------------------------------------------------------------------

def _perturbed(flat: np.ndarray, lengths: np.ndarray, n: int, rng: np.random.Generator) -> Iterator[list[int]]:
    """n token-id documents, each a real passage with 10 % of its tokens dropped and 10 % swapped
    for a token drawn by corpus frequency (BM25 sees tokens only, so no text is rebuilt)."""
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    step = 100_000
    for first in range(0, n, step):
        source = rng.integers(0, len(lengths), min(step, n - first))
        lens = lengths[source]
        offsets = np.concatenate(([0], np.cumsum(lens)[:-1]))
        tokens = flat[np.repeat(starts[source] - offsets, lens) + np.arange(lens.sum())]
        swap = rng.random(len(tokens)) < 0.1
        tokens[swap] = flat[rng.integers(0, len(flat), int(swap.sum()))]
        keep = rng.random(len(tokens)) >= 0.1
        doc = np.repeat(np.arange(len(source)), lens)[keep]
        yield from (part.tolist() for part in np.split(tokens[keep], np.cumsum(np.bincount(doc, minlength=len(source)))[:-1]))


def build_bm25(work: str, passages: int, seed: int) -> dict:
    """Chunk and jieba-tokenise the national collection, grow it to `passages` documents, index."""
    import bm25s
    from bm25s.tokenization import Tokenized

    from assistant.expand import Synonyms
    from assistant.passage import Passage
    from assistant.tokenize import Tokenizer
    from ingest.chunking import embedding_text

    data = Path(work) / "data"
    t = time.perf_counter()
    nodes = _national_nodes(data)
    chunk_s = time.perf_counter() - t

    # What the service holds per passage: passages.jsonl read back into Passage objects.
    store = data / "passages-national.jsonl"
    with open(store, "w", encoding="utf-8") as f:
        f.writelines(json.dumps({"id": n.id_, "text": n.text, "metadata": n.metadata}, ensure_ascii=False) + "\n"
                     for n in nodes)
    gc.collect()
    before = _rss()
    with open(store, encoding="utf-8") as f:
        loaded = [Passage.from_record(json.loads(line)) for line in f]
    rows = {p.id: i for i, p in enumerate(loaded)}
    passage_rss = _rss() - before
    del loaded, rows

    tokenizer = Tokenizer(Synonyms.load(Settings().synonyms_path).terms())
    t = time.perf_counter()
    national = [tokenizer.tokens(embedding_text(n)) for n in nodes]
    tokenize_s = time.perf_counter() - t
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(tok, len(vocab)) for tok in doc] for doc in national]
    lengths = np.array([len(doc) for doc in ids])
    flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int32, count=int(lengths.sum()))
    corpus = ids[:passages] + list(_perturbed(flat, lengths, max(0, passages - len(ids)), np.random.default_rng(seed)))
    t = time.perf_counter()
    keyword = bm25s.BM25()
    keyword.index(Tokenized(ids=corpus, vocab=vocab), show_progress=False)
    index_s = time.perf_counter() - t
    keyword.save(str(data / "bm25"), show_progress=False)
    return {"national_passages": len(nodes), "load_chunk_s": round(chunk_s, 1),
            "jieba_tokenise_s": round(tokenize_s, 1), "jieba_passages_per_s": round(len(nodes) / tokenize_s),
            "documents": len(corpus), "mean_tokens": round(float(np.mean([len(d) for d in corpus])), 1),
            "vocabulary": len(vocab), "index_s": round(index_s, 1), "disk_mb": round(_dir_bytes(data / "bm25") / MB),
            "passage_store": {"jsonl_bytes_per_passage": round(store.stat().st_size / len(nodes)),
                              "rss_bytes_per_passage": round(passage_rss / len(nodes))}}


class Keyword:
    """The service's keyword step (Searcher._keyword): own tokens + weighted expansions, filter, top k."""

    def __init__(self, data: Path, allowed: np.ndarray):
        import bm25s

        settings = Settings()
        self.bm25 = bm25s.BM25.load(str(data / "bm25"), show_progress=False)
        self.allowed, self.k, self.weight = allowed, settings.keyword_candidates, settings.expansion_weight
        self.tokens = json.loads((data / "question-tokens.json").read_text(encoding="utf-8"))

    def __call__(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        vocab = self.bm25.vocab_dict
        scores = np.zeros(len(self.allowed), dtype=np.float32)
        own = [t for t in self.tokens[i]["own"] if t in vocab]
        if own:
            scores += self.bm25.get_scores(own)
        extra = [t for t in self.tokens[i]["expansion"] if t in vocab and t not in own]
        if extra:
            scores += self.weight * self.bm25.get_scores(extra)
        scores = np.where(self.allowed, scores, 0.0)
        top = np.argpartition(-scores, self.k)[:self.k]
        return top[scores[top] > 0], scores


def query_bm25(work: str, latency_queries: int, latency_seconds: float) -> dict:
    """RSS of the loaded bm25s index and the keyword step's latency at concurrency 1 and 8."""
    data = Path(work) / "data"
    allowed = np.load(data / "allowed.npy")
    before = _rss()
    keyword = Keyword(data, allowed)
    rss = _rss() - before
    n = len(keyword.tokens)
    return {"rss_mb": round(rss / MB), **{f"c{c}": _latency(keyword, n, c, latency_queries, latency_seconds)
                                          for c in (1, 8)}}


# --- FAISS index types ------------------------------------------------------------------------

def _new_index(kind: str, cfg: dict) -> Any:
    import faiss

    ip, sq8, fp16 = faiss.METRIC_INNER_PRODUCT, faiss.ScalarQuantizer.QT_8bit, faiss.ScalarQuantizer.QT_fp16
    if kind == "flat":  # what assistant/index.py write_version writes today
        return faiss.IndexIDMap2(faiss.IndexFlatIP(DIM))
    if kind == "sq8":
        return faiss.IndexIDMap2(faiss.IndexScalarQuantizer(DIM, sq8, ip))
    if kind in ("ivf_sq8", "ivf_fp16"):
        return faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(DIM), DIM, cfg["nlist"],
                                             sq8 if kind == "ivf_sq8" else fp16, ip)
    index = (faiss.IndexHNSWSQ(DIM, sq8, cfg["hnsw_m"], ip) if kind == "hnsw_sq8"
             else faiss.IndexHNSWFlat(DIM, cfg["hnsw_m"], ip))
    index.hnsw.efConstruction = cfg["ef_construction"]
    return index


def build_dense(work: str, dataset: str, kind: str, cfg: dict, seed: int) -> dict:
    """Train (on a sample) and fill one index type with both cores, as an offline build would."""
    import faiss

    data = Path(work) / "data"
    vectors = np.load(data / f"vectors-{dataset}.npy", mmap_mode="r")
    n = len(vectors)
    index = _new_index(kind, cfg)
    t = time.perf_counter()
    if not index.is_trained:
        # 64 vectors per IVF list, the sample size faiss's k-means asks for (SQ ranges need far fewer).
        size = min(n, 64 * cfg["nlist"] if kind.startswith("ivf") else 100_000)
        rows = np.sort(np.random.default_rng(seed).choice(n, size, replace=False))
        index.train(np.ascontiguousarray(vectors[rows]))
    train_s = time.perf_counter() - t
    step = 100_000
    for start in range(0, n, step):
        block = np.ascontiguousarray(vectors[start:start + step])
        ids = np.arange(start, start + len(block), dtype=np.int64)
        if isinstance(index, faiss.IndexIDMap2):
            index.add_with_ids(block, ids)
        else:
            index.add(block)  # ids are row numbers already, as the service's are
    if kind.startswith("ivf"):
        index.make_direct_map()  # the service reconstructs keyword-only candidates' vectors
    build_s = time.perf_counter() - t
    path = data / f"{dataset}-{kind}.faiss"
    faiss.write_index(index, str(path))
    return {"train_s": round(train_s, 1), "build_s": round(build_s, 1), "disk_mb": round(path.stat().st_size / MB)}


def _search_settings(kind: str, selector: Any, cfg: dict) -> list[tuple[str, Callable[[], Any], bool]]:
    """(label, maker of search parameters with the status filter, re-score exactly?) for `kind`.

    Parameters are made per search, as Searcher._dense does: IndexIDMap2 swaps its own selector
    into the caller's parameters while searching, so threads sharing one object crash."""
    import faiss

    if kind.startswith("ivf"):
        out = [(f"nprobe={p}", lambda p=p: faiss.SearchParametersIVF(sel=selector, nprobe=p), False)
               for p in cfg["nprobe"]]
    elif kind.startswith("hnsw"):
        out = [(f"efSearch={e}", lambda e=e: faiss.SearchParametersHNSW(sel=selector, efSearch=e), False)
               for e in cfg["ef_search"]]
    else:
        out = [("exhaustive", lambda: faiss.SearchParameters(sel=selector), False)]
    if kind in RERANKED:
        out += [(f"{label} + rerank", params, True) for label, params, _ in out]
    return out


def query_dense(work: str, dataset: str, kind: str, cfg: dict, latency_queries: int,
                latency_seconds: float) -> dict:
    """RSS after loading one index, then per search setting: recall@10 against exact search,
    dense latency and hybrid (dense + keyword + the vectors of keyword-only candidates) latency,
    filtered by a bitmap; dense latency also with the id-set filter the service uses today."""
    import faiss

    data = Path(work) / "data"
    k = Settings().dense_candidates
    queries = np.load(data / f"queries-{dataset}.npy")
    groups = _group_rows(json.loads((data / "query-groups.json").read_text(encoding="utf-8")))
    n_questions = groups["questions"][1]  # latency is measured with the questions as served
    truth = np.load(data / f"gt-{dataset}.npy")
    allowed = np.load(data / "allowed.npy")
    # Re-scoring reads 100 rows per query from the fp32 vectors, memory-mapped as sentences.npy is.
    vectors = np.load(data / f"vectors-{dataset}.npy", mmap_mode="r")
    before = _rss()
    t = time.perf_counter()
    index = faiss.read_index(str(data / f"{dataset}-{kind}.faiss"))
    load_s, index_rss = time.perf_counter() - t, _rss() - before
    # The status filter two ways: the id set Searcher builds today, and a bitmap of the rows.
    before = _rss()
    id_set = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
    id_set_rss = _rss() - before
    bits = np.packbits(allowed, bitorder="little")  # kept alive: the selector points into it
    bitmap = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits))

    def rerank(q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Each query's candidates ordered by their exact cosine (fp32 rows from the memory map)."""
        out = np.full_like(rows, -1)
        for j, r in enumerate(rows):
            r = np.sort(r[r >= 0])
            out[j, :len(r)] = r[np.argsort(-(vectors[r] @ q[j]))]
        return out

    def dense(q: np.ndarray, params: Callable[[], Any], exact: bool) -> np.ndarray:
        rows = index.search(q, k, params=params())[1]
        return rerank(q, rows) if exact else rows

    settings = _search_settings(kind, bitmap, cfg)
    as_today = {label: params for label, params, _ in _search_settings(kind, id_set, cfg)}
    results: dict[str, dict] = {}
    searched: dict[int, np.ndarray] = {}  # a setting's candidates, which its "+ rerank" twin re-orders
    for label, params, exact in settings:
        faiss.omp_set_num_threads(2)  # recall over all queries in one batch; latency below as the service
        t = time.perf_counter()
        if id(params) not in searched:
            searched[id(params)] = index.search(queries, k, params=params())[1]
        found = (rerank(queries, searched[id(params)]) if exact else searched[id(params)])[:, :K]
        hits = np.array([len(np.intersect1d(f, e)) / K for f, e in zip(found, truth)])
        faiss.omp_set_num_threads(1)
        results[label] = {"recall_s": round(time.perf_counter() - t, 1),
                          **{f"recall@10_{g}": round(float(hits[a:b].mean()), 4) for g, (a, b) in groups.items()}}
        for c in (1, 8):
            results[label][f"dense_c{c}"] = _latency(
                lambda i, params=params, exact=exact: dense(queries[i:i + 1], params, exact),
                n_questions, c, latency_queries, latency_seconds)
        results[label]["dense_c1_id_set_filter"] = _latency(
            lambda i, params=as_today[label], exact=exact: dense(queries[i:i + 1], params, exact),
            n_questions, 1, latency_queries, latency_seconds)
        _say(f"  {dataset}/{kind} {label}: {results[label]}")

    keyword = Keyword(data, allowed)

    def hybrid(i: int, params: Callable[[], Any], exact: bool) -> None:
        q = queries[i]
        rows = set(dense(q[None, :], params, exact)[0].tolist())
        top, _ = keyword(i)
        missing = np.array([r for r in top.tolist() if r not in rows], dtype=np.int64)
        if len(missing):
            found = vectors[np.sort(missing)] if exact else index.reconstruct_batch(missing)
            found @ q  # their cosines, as Searcher._complete computes them

    for label, params, exact in settings:
        for c in (1, 8):
            results[label][f"hybrid_c{c}"] = _latency(
                lambda i, params=params, exact=exact: hybrid(i, params, exact),
                n_questions, c, latency_queries, latency_seconds)
    return {"load_s": round(load_s, 1), "rss_mb": round(index_rss / MB), "id_set_filter_rss_mb": round(id_set_rss / MB),
            "bitmap_filter_kb": round(bits.nbytes / 1024), "settings": results}


# --- passage embedding throughput -------------------------------------------------------------

class OnnxPassageEncoder:
    """A batch of passages → normalised e5 vectors through an ONNX export (the graph is the
    question encoder's: mean pooling + L2 norm; only the prefix differs)."""

    def __init__(self, model: Path, tokenizer_dir: Path, threads: int):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))

    def __call__(self, texts: list[str]) -> np.ndarray:
        batch = self.tokenizer([f"passage: {t}" for t in texts], padding=True, truncation=True,
                               max_length=512, return_tensors="np")
        return self.session.run(None, {"input_ids": batch["input_ids"].astype(np.int64),
                                       "attention_mask": batch["attention_mask"].astype(np.int64)})[0]


def _batches(texts: list[str], batch_size: int, by_length: bool) -> Iterator[np.ndarray]:
    """Row numbers of each batch; sorted by length (as sentence-transformers does), a batch pads
    its passages to similar lengths."""
    order = np.argsort([-len(t) for t in texts], kind="stable") if by_length else np.arange(len(texts))
    for start in range(0, len(texts), batch_size):
        yield order[start:start + batch_size]


def _throughput(encoders: dict[str, Callable[[list[str]], np.ndarray]], texts: list[str], batch_size: int,
                by_length: bool) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Passages/s of each encoder and its vectors. The encoders take turns batch by batch, so
    load from other processes on the shared machine falls on all of them alike."""
    seconds = dict.fromkeys(encoders, 0.0)
    vectors = {name: np.empty((len(texts), DIM), np.float32) for name in encoders}
    for rows in _batches(texts, batch_size, by_length):
        batch = [texts[r] for r in rows]
        for name, encode in encoders.items():
            t = time.perf_counter()
            vectors[name][rows] = encode(batch)
            seconds[name] += time.perf_counter() - t
    return {name: len(texts) / s for name, s in seconds.items()}, vectors


def _cosines(a: np.ndarray, b: np.ndarray) -> dict:
    cos = np.sum(a * b, axis=1)
    return {"mean": round(float(cos.mean()), 5), "p1": round(float(np.percentile(cos, 1)), 5),
            "min": round(float(cos.min()), 5)}


def embedding(work: str, sample: int, batch_size: int, seed: int) -> dict:
    """Passages/s of the build's encoder (sentence-transformers) and of its ONNX export in fp32
    and int8, length-sorted and not; how close int8 vectors are, and what they retrieve."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from assistant.encoder import OnnxQueryEncoder, load_model, prepare_onnx
    from assistant.index import load_version
    from assistant.scoring import load_questions, score_retrieval
    from ingest.build import chunk_corpus, load_corpora
    from ingest.chunking import embedding_text
    from ingest.embed import encode_passages

    settings = Settings()
    data = Path(work) / "data"
    nodes = _national_nodes(data)
    picked = np.random.default_rng(seed).choice(len(nodes), min(sample, len(nodes)), replace=False)
    texts = [embedding_text(nodes[i]) for i in picked]
    out: dict[str, Any] = {"sample": len(texts), "batch_size": batch_size, "national_passages": len(nodes)}

    model = load_model(settings.model_path, settings.torch_threads)
    # Export into the work folder: a folder of links to the model's files, so prepare_onnx
    # writes its .onnx there and never into models/.
    export_dir = data / "passage-model"
    export_dir.mkdir(parents=True, exist_ok=True)
    for f in settings.model_path.iterdir():
        if not f.name.endswith(".onnx") and not (export_dir / f.name).exists():
            (export_dir / f.name).symlink_to(f)
    models = {"fp32": prepare_onnx(export_dir, force=True)}
    # quantize_dynamic's default scales each weight tensor as a whole; per channel, every
    # output row of a weight gets its own scale.
    for name, per_channel in (("int8", False), ("int8_per_channel", True)):
        models[name] = export_dir / f"passage_encoder.{name}.onnx"
        quantize_dynamic(models["fp32"], models[name], weight_type=QuantType.QInt8, per_channel=per_channel)
    out["onnx_mb"] = {name: round(path.stat().st_size / MB) for name, path in models.items()}

    encoders: dict[str, Callable[[list[str]], np.ndarray]] = {
        "sentence_transformers": lambda batch: encode_passages(model, batch, batch_size)}
    encoders["sentence_transformers"](texts[:batch_size])  # warm-up
    for name, path in models.items():
        gc.collect()
        before = _rss()
        encoders[f"onnx_{name}"] = OnnxPassageEncoder(path, settings.model_path, settings.torch_threads)
        encoders[f"onnx_{name}"](texts[:batch_size])  # warm-up; the arena it grows counts too
        out[f"onnx_{name}_session_rss_mb"] = round((_rss() - before) / MB)
    load = os.getloadavg()[0]
    rates, vectors = _throughput(encoders, texts, batch_size, True)
    # Unsorted batches only for the fp32 export and the int8 one worth using, to save time.
    unsorted, _ = _throughput({name: encoders[name] for name in ("onnx_fp32", "onnx_int8_per_channel")},
                              texts, batch_size, False)
    out["loadavg_1min_while_embedding"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    for order, measured in (("sorted", rates), ("unsorted", unsorted)):
        for name, rate in measured.items():
            out[f"{name}_{order}"] = {"passages_per_s": round(rate, 1),
                                      "national_minutes": round(len(nodes) / rate / 60, 1)}
    _say(f"  embedding: {rates} sorted, {unsorted} unsorted")
    out["cosine_onnx_fp32_vs_sentence_transformers"] = _cosines(vectors["onnx_fp32"], vectors["sentence_transformers"])
    for name in ("int8", "int8_per_channel"):
        out[f"cosine_{name}_vs_fp32"] = _cosines(vectors[f"onnx_{name}"], vectors["onnx_fp32"])

    # Dense-only retrieval on the bundled corpus: the live index's vectors vs int8 re-embedding.
    live = load_version(settings.index_path)
    bundled = chunk_corpus(load_corpora([Path(d) for d in live.manifest["corpus_dirs"]]).documents, settings)
    if [n.id_ for n in bundled] != [p.id for p in live.passages]:
        raise RuntimeError("the bundled corpus no longer chunks into the live index's passages; rebuild the index")
    bundled_texts = [embedding_text(n) for n in bundled]
    quantised = np.empty((len(bundled_texts), DIM), np.float32)
    t = time.perf_counter()
    for rows in _batches(bundled_texts, batch_size, True):
        quantised[rows] = encoders["onnx_int8_per_channel"]([bundled_texts[r] for r in rows])
    out["bundled_int8_per_channel_embed_s"] = round(time.perf_counter() - t, 1)
    matrices = {"fp32_index": live.dense.reconstruct_n(0, live.dense.ntotal), "int8_per_channel": quantised}
    out["cosine_int8_per_channel_vs_index_bundled"] = _cosines(quantised, matrices["fp32_index"])
    in_force = np.array([p.status == "有效" for p in live.passages])
    question_encoder = OnnxQueryEncoder(settings.query_model_path, settings.torch_threads)
    for set_name in RETRIEVAL_SETS:
        questions = load_questions(SETS / set_name)
        qvecs = dict(zip([q.query for q in questions], question_encoder([q.query for q in questions])))
        tops: dict[str, list[np.ndarray]] = {}
        result: dict[str, Any] = {}
        for name, matrix in matrices.items():
            ranked = tops.setdefault(name, [])

            def rank(query: str, matrix: np.ndarray = matrix, ranked: list = ranked,
                     qvecs: dict = qvecs) -> list[tuple[str, int | None]]:
                top = np.argsort(-np.where(in_force, matrix @ qvecs[query], -np.inf))[:K]
                ranked.append(top)
                return [(live.passages[r].title, live.passages[r].article) for r in top]

            metrics = score_retrieval(questions, rank)[0]
            result[name] = {m: round(metrics[m], 4) for m in ("n", "recall@1", "recall@10", "mrr")}
            if name != "fp32_index":
                result[name]["top10_overlap_with_fp32"] = round(float(np.mean(
                    [len(np.intersect1d(a, b)) / K for a, b in zip(tops["fp32_index"], tops[name])])), 4)
        out[f"dense_{set_name}"] = result
    return out


def service_baseline() -> dict:
    """RSS of a process holding what a replica's Searcher holds, over the small bundled index."""
    start = _rss()
    from assistant.retrieval import Searcher

    imported = _rss()
    Searcher.open(Settings())
    return {"rss_start_mb": round(start / MB), "rss_after_imports_mb": round(imported / MB),
            "rss_after_open_mb": round(_rss() / MB)}


# --- extrapolation ----------------------------------------------------------------------------

def extrapolate(results: dict, passages: int, keep_versions: int) -> dict:
    """Memory and disk at 1M and 10M passages, scaled linearly from what was measured; the
    replica's fixed part (libraries, models) is the service baseline."""
    baseline = results["service_baseline"]["rss_after_open_mb"]
    keyword = results.get("bm25", {})
    store = keyword.get("build", {}).get("passage_store", {})
    out: dict[str, Any] = {"measured_passages": passages, "replica_baseline_mb": baseline}
    for target in (1_000_000, 10_000_000):
        scale = target / passages
        keyword_rss = keyword.get("query", {}).get("rss_mb", 0) * scale
        keyword_disk = keyword.get("build", {}).get("disk_mb", 0) * scale
        passage_rss = store.get("rss_bytes_per_passage", 0) * target / MB
        passage_disk = store.get("jsonl_bytes_per_passage", 0) * target / MB
        rows: dict[str, Any] = {}
        for kind, measured in results.get("dense", {}).get("clustered", {}).items():
            dense_rss = measured["query"]["rss_mb"] * scale  # the bitmap filter adds N/8 bytes
            for rerank in (False, True) if kind in RERANKED else (False,):
                # Re-scoring keeps the fp32 vectors on disk, memory-mapped (page cache, not counted).
                disk = (measured["build"]["disk_mb"] * scale + keyword_disk + passage_disk
                        + (DIM * 4 * target / MB if rerank else 0))
                data = dense_rss + keyword_rss + passage_rss
                rows[kind + (" + rerank" if rerank else "")] = {
                    "dense_rss_mb": round(dense_rss), "replica_rss_mb": round(baseline + data),
                    "version_disk_gb": round(disk / 1024, 1),
                    "index_root_disk_gb": round(disk * keep_versions / 1024, 1),
                    "shards_for_1gb_of_data": int(np.ceil(data / 1024))}
        out[f"{target // 1_000_000}M"] = {"keyword_rss_mb": round(keyword_rss), "keyword_disk_mb": round(keyword_disk),
                                          "passages_rss_mb": round(passage_rss), "passages_disk_mb": round(passage_disk),
                                          "by_index": rows}
    rates = {name: v["passages_per_s"] for name, v in results.get("embedding", {}).items()
             if isinstance(v, dict) and "passages_per_s" in v}
    out["embed_hours"] = {name: {"1M": round(1e6 / r / 3600, 1), "10M": round(1e7 / r / 3600, 1)}
                          for name, r in rates.items()}
    return out


def _stage(results: dict, path: list[str], fn: Callable[..., dict], *args: Any) -> dict:
    started, load = time.perf_counter(), os.getloadavg()[0]
    value = _in_child(fn, *args)
    value["stage_s"] = round(time.perf_counter() - started, 1)
    value["loadavg_1min"] = [round(load, 2), round(os.getloadavg()[0], 2)]  # at start and end: the machine is shared
    node = results
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    _say(f"{'/'.join(path)}: {json.dumps(value, ensure_ascii=False)[:400]}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=1_000_000, help="synthetic corpus size")
    parser.add_argument("--datasets", default="clustered,random", help="dense vectors: clustered, random")
    parser.add_argument("--types", default="flat,sq8,ivf_sq8,ivf_fp16,hnsw_sq8",
                        help=f"index types on clustered vectors, of {','.join(INDEX_TYPES)}")
    parser.add_argument("--random-types", default="ivf_sq8",
                        help="index types on random vectors (size, memory and flat search time are "
                             "the clustered ones'; what differs is ANN recall)")
    parser.add_argument("--nlist", type=int, default=1024, help="IVF lists")
    parser.add_argument("--nprobe", default="16,32,64,128,256", help="IVF lists probed, a comma list to sweep")
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=40)
    parser.add_argument("--ef-search", default="128,256", help="HNSW efSearch, a comma list to sweep")
    parser.add_argument("--noise", type=float, default=0.01, help="per-dimension sigma of clustered vectors")
    parser.add_argument("--questions", type=int, default=200, help="real question vectors among the queries")
    parser.add_argument("--noisy-queries", type=int, default=200, help="held-out generator draws among the queries")
    parser.add_argument("--latency-queries", type=int, default=200, help="queries per latency run at most")
    parser.add_argument("--latency-seconds", type=float, default=6.0, help="seconds per latency run at most")
    parser.add_argument("--embed-sample", type=int, default=1000, help="national passages embedded per encoder")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--stages", default="scale,embedding", help="scale (FAISS + bm25s), embedding")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/bench_scale"))
    parser.add_argument("--out", type=Path, help="JSON results (default: WORK_DIR/results.json)")
    parser.add_argument("--keep-data", action="store_true", help="keep vectors and indexes under WORK_DIR/data")
    args = parser.parse_args()
    stages = set(args.stages.split(","))
    cfg = {"nlist": args.nlist, "nprobe": [int(p) for p in args.nprobe.split(",")], "hnsw_m": args.hnsw_m,
           "ef_construction": args.ef_construction, "ef_search": [int(e) for e in args.ef_search.split(",")]}
    work, data = args.work_dir.resolve(), args.work_dir.resolve() / "data"
    if work == PROJECT_ROOT or PROJECT_ROOT in work.parents:
        parser.error("--work-dir must be outside the project")
    data.mkdir(parents=True, exist_ok=True)
    out = args.out or work / "results.json"
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": "python -m eval.bench_scale " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
        "config": {**{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}, **cfg}}

    def save() -> None:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")

    try:
        _stage(results, ["service_baseline"], service_baseline)
        if "scale" in stages:
            np.save(data / "allowed.npy", np.random.default_rng(args.seed).random(args.passages) < IN_FORCE)
            _stage(results, ["questions"], prepare_questions, str(work), args.questions, args.seed)
            _stage(results, ["bm25", "build"], build_bm25, str(work), args.passages, args.seed)
            _stage(results, ["bm25", "query"], query_bm25, str(work), args.latency_queries, args.latency_seconds)
            save()
            for dataset in args.datasets.split(","):
                kinds = (args.types if dataset == "clustered" else args.random_types).split(",")
                _stage(results, ["vectors", dataset], prepare_vectors, str(work), dataset, args.passages,
                       args.noisy_queries, args.noise, args.seed)
                for kind in kinds:
                    _stage(results, ["dense", dataset, kind, "build"], build_dense, str(work), dataset, kind, cfg, args.seed)
                    _stage(results, ["dense", dataset, kind, "query"], query_dense, str(work), dataset, kind, cfg,
                           args.latency_queries, args.latency_seconds)
                    (data / f"{dataset}-{kind}.faiss").unlink()
                    save()
                (data / f"vectors-{dataset}.npy").unlink()
        if "embedding" in stages:
            _stage(results, ["embedding"], embedding, str(work), args.embed_sample, args.batch_size, args.seed)
        results["extrapolation"] = extrapolate(results, args.passages, Settings().keep_versions)
    finally:
        results["total_minutes"] = round((time.perf_counter() - started) / 60, 1)
        save()
        if not args.keep_data:
            shutil.rmtree(data, ignore_errors=True)
    _say(f"done in {results['total_minutes']} min; results in {out}")
    print(json.dumps(results.get("extrapolation", {}), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
