"""Retrieval benchmark (not a test): build time, peak RSS, query latency, no-change rebuild, scale.

    python -m eval.bench_retrieval                 # bundled corpus
    python -m eval.bench_retrieval --national      # also the 3,423-document national set

Each measured step runs in a fresh process so its peak RSS is its own.
"""

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import tarfile
import tempfile
import time
from pathlib import Path

from assistant.settings import PROJECT_ROOT, Settings

NATIONAL_TAR = PROJECT_ROOT.parent / "shared" / "corpus" / "national.tar.gz"
DEV_SET = PROJECT_ROOT / "eval" / "sets" / "dev.jsonl"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(fn, *args):
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def build_step(index_root: str, cache: str, corpus: str | None) -> dict:
    from ingest.build import build_index

    settings = Settings(index_root=Path(index_root), embedding_cache=Path(cache))
    result = build_index(settings, Path(corpus) if corpus else None)
    return {"seconds": round(result.seconds, 2), "passages": result.passages,
            "embedded": result.embedded, "peak_rss_mb": round(_peak_rss_mb())}


def latency_step(index_root: str, repeats: int) -> dict:
    from assistant.retrieval import Searcher
    from assistant.scoring import load_questions

    searcher = Searcher.open(Settings(index_root=Path(index_root)))
    queries = [q.query for q in load_questions(DEV_SET)]
    out = {}
    for mode in ("hybrid", "dense", "keyword"):
        for q in queries[:5]:
            searcher.search(q, mode=mode)  # warm-up
        times = []
        for _ in range(repeats):
            for q in queries:
                t = time.perf_counter()
                searcher.search(q, mode=mode)
                times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out[mode] = {"p50_ms": round(statistics.median(times), 2),
                     "p95_ms": round(times[int(len(times) * 0.95) - 1], 2), "n": len(times)}
    out["peak_rss_mb"] = round(_peak_rss_mb())
    return out


def keyword_library_step(corpus: str | None) -> dict:
    """bm25s over jieba tokens (shipped) vs llama-index's BM25Retriever with its own tokenizer."""
    import bm25s
    from llama_index.core.schema import TextNode

    from assistant.expand import Synonyms
    from assistant.tokenize import Tokenizer
    from assistant.scoring import load_questions, score_retrieval
    from ingest.chunking import chunk_document, embedding_text
    from ingest.corpus import load_corpus

    settings = Settings()
    nodes = [n for d in load_corpus(Path(corpus) if corpus else settings.corpus_path).documents
             for n in chunk_document(d)]
    questions = load_questions(DEV_SET)
    out = {}
    tokenizer = Tokenizer(Synonyms.load(settings.synonyms_path).terms())
    t = time.perf_counter()
    ours = bm25s.BM25()
    ours.index([tokenizer.tokens(embedding_text(n)) for n in nodes], show_progress=False)
    build = time.perf_counter() - t

    def rank_ours(q: str):
        tokens = [x for x in tokenizer.tokens(q) if x in ours.vocab_dict]
        if not tokens:
            return []
        scores = ours.get_scores(tokens)
        return [(nodes[i].metadata["title"], nodes[i].metadata["article"]) for i in scores.argsort()[::-1][:10]]

    out["bm25s_jieba"] = {"build_s": round(build, 2), **score_retrieval(questions, rank_ours)[0]}
    try:
        from llama_index.retrievers.bm25 import BM25Retriever
    except ImportError:
        out["llamaindex_bm25"] = "not installed: pip install -e '.[bench]'"
        return out
    plain = [TextNode(id_=n.id_, text=embedding_text(n), metadata=n.metadata) for n in nodes]
    t = time.perf_counter()
    retriever = BM25Retriever.from_defaults(nodes=plain, similarity_top_k=10, skip_stemming=True)
    build = time.perf_counter() - t

    def rank_llama(q: str):
        return [(r.node.metadata["title"], r.node.metadata["article"]) for r in retriever.retrieve(q)]

    out["llamaindex_bm25"] = {"build_s": round(build, 2), **score_retrieval(questions, rank_llama)[0]}
    return out


def national_keyword_step(corpus: str) -> dict:
    import bm25s

    from assistant.expand import Synonyms
    from assistant.tokenize import Tokenizer
    from ingest.chunking import chunk_document, embedding_text
    from ingest.corpus import load_corpus

    t = time.perf_counter()
    loaded = load_corpus(Path(corpus))
    nodes = [n for d in loaded.documents for n in chunk_document(d)]
    load_s = time.perf_counter() - t
    tokenizer = Tokenizer(Synonyms.load(Settings().synonyms_path).terms())
    t = time.perf_counter()
    tokens = [tokenizer.tokens(embedding_text(n)) for n in nodes]
    tokenize_s = time.perf_counter() - t
    t = time.perf_counter()
    bm25 = bm25s.BM25()
    bm25.index(tokens, show_progress=False)
    index_s = time.perf_counter() - t
    times = []
    for q in ["农村宅基地审批", "不动产登记期限", "违法建设查处", "征收补偿标准", "矿产资源开采许可"] * 20:
        qt = time.perf_counter()
        scores = bm25.get_scores([x for x in tokenizer.tokens(q) if x in bm25.vocab_dict])
        scores.argpartition(-10)[-10:]
        times.append((time.perf_counter() - qt) * 1000)
    times.sort()
    return {"documents": len(loaded.documents), "skipped_files": len(loaded.errors),
            "passages": len(nodes), "load_chunk_s": round(load_s, 1), "tokenize_s": round(tokenize_s, 1),
            "bm25_index_s": round(index_s, 1), "bm25_query_p50_ms": round(statistics.median(times), 2),
            "bm25_query_p95_ms": round(times[94], 2), "peak_rss_mb": round(_peak_rss_mb())}


def national_dense_step(corpus: str, sample: int) -> dict:
    import random

    from ingest.chunking import chunk_document, embedding_text
    from ingest.corpus import load_corpus
    from assistant.encoder import load_model
    from ingest.embed import encode_passages

    nodes = [n for d in load_corpus(Path(corpus)).documents for n in chunk_document(d)]
    random.Random(0).shuffle(nodes)
    texts = [embedding_text(n) for n in nodes[:sample]]
    model = load_model(Settings().model_path)
    t = time.perf_counter()
    encode_passages(model, texts, batch_size=32)
    seconds = time.perf_counter() - t
    rate = len(texts) / seconds
    return {"sample": len(texts), "seconds": round(seconds, 1), "passages_per_s": round(rate, 1),
            "total_passages": len(nodes), "extrapolated_full_embed_min": round(len(nodes) / rate / 60, 1),
            "peak_rss_mb": round(_peak_rss_mb())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--national", action="store_true", help="also measure the national corpus")
    parser.add_argument("--sample", type=int, default=10_000, help="articles embedded for the national rate")
    parser.add_argument("--repeats", type=int, default=5, help="passes over the dev questions for latency")
    args = parser.parse_args()
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        root, cache = f"{tmp}/indexes", f"{tmp}/cache.sqlite"
        print("bundled corpus: cold build (empty embedding cache) ...", flush=True)
        results["bundled_cold_build"] = _in_child(build_step, root, cache, None)
        print("bundled corpus: no-change rebuild ...", flush=True)
        results["bundled_nochange_rebuild"] = _in_child(build_step, root, cache, None)
        print("bundled corpus: keyword libraries ...", flush=True)
        results["bundled_keyword_libraries"] = _in_child(keyword_library_step, None)
        print("bundled corpus: warm query latency ...", flush=True)
        results["bundled_query_latency"] = _in_child(latency_step, root, args.repeats)
        if args.national:
            with tarfile.open(NATIONAL_TAR) as tar:
                tar.extractall(tmp, filter="data")
            corpus = f"{tmp}/national"
            print("national corpus: load, chunk, BM25 ...", flush=True)
            results["national_keyword"] = _in_child(national_keyword_step, corpus)
            print(f"national corpus: dense rate on {args.sample} articles ...", flush=True)
            results["national_dense_sample"] = _in_child(national_dense_step, corpus, args.sample)
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
