"""Build a new index version from corpus folders, reusing cached embeddings, then activate it."""

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from llama_index.core.schema import Document
from sentence_transformers import SentenceTransformer

from assistant import dense_index, index as store
from assistant.expand import Synonyms
from assistant.passage import Passage
from assistant.settings import Settings
from assistant.tokenize import Tokenizer
from ingest.chunking import chunk_document, embedding_text, sentence_texts
from ingest.corpus import CorpusError, LoadResult, load_corpus
from ingest.e5_convert import MODEL_NAME
from assistant.encoder import DIM
from ingest.embed import EmbeddingCache, embed_with_cache, prepared_model
from ingest.embedding_seed import seed_cache
from ingest.identity import merge_versions
from ingest.publish import activate_version, publish_version, unpublish_versions

log = logging.getLogger(__name__)


@dataclass
class BuildResult:
    version: str
    path: Path
    documents: int
    passages: int
    embedded: int
    seconds: float
    errors: list[CorpusError] = field(default_factory=list)


def corpus_hash(content_hashes: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(content_hashes)).encode()).hexdigest()


def load_corpora(corpus_dirs: Sequence[Path]) -> LoadResult:
    """Load several corpus folders into one; a document id found twice is an error.

    The first folder is the bundled corpus; a document of a later one (crawled, uploaded)
    that is a version of a bundled document is merged into it (ingest/identity.py).
    """
    loaded_dirs: list[LoadResult] = []
    errors: list[CorpusError] = []
    seen: dict[str, Path] = {}
    for corpus_dir in corpus_dirs:
        loaded = load_corpus(corpus_dir)
        for doc in loaded.documents:
            if doc.id_ in seen:
                raise CorpusError(corpus_dir / doc.metadata["path"], None,
                                  f"document id {doc.id_!r} is also in {seen[doc.id_]}")
            seen[doc.id_] = corpus_dir
        loaded_dirs.append(loaded)
        errors += loaded.errors
    if not loaded_dirs:
        return LoadResult([], errors)
    documents, merges = merge_versions(loaded_dirs[0].documents,
                                       [d for loaded in loaded_dirs[1:] for d in loaded.documents])
    for merge in merges:
        log.info("%s is a version of %s (matched by %s; text from %s)", merge.merged, merge.kept, merge.by,
                 merge.text_from)
    return LoadResult(documents, errors, merges)


def chunk_corpus(documents: Sequence[Document], settings: Settings) -> list:
    """Every passage of the documents, cut with the configured chunking."""
    return [n for doc in documents for n in chunk_document(
        doc, settings.max_article_chars, settings.section_chars, settings.section_overlap)]


def _new_version_name(root: Path, digest: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    name, n = f"{stamp}-{digest[:8]}", 1
    while (root / name).exists():
        n += 1
        name = f"{stamp}-{digest[:8]}-{n}"
    return name


def prune_versions(root: Path, keep: int) -> list[str]:
    """Delete the oldest inactive versions beyond `keep`; returns the names removed."""
    versions = store.list_versions(root)
    inactive = [v["version"] for v in versions if not v["active"]]
    doomed = inactive[: max(0, len(versions) - keep)]
    for name in doomed:
        shutil.rmtree(root / name, ignore_errors=True)
    return doomed


def _documents(passages: Iterable[Passage]) -> dict[str, tuple[str, dict[str, str]]]:
    """Per document id: its title and, per passage id, a hash of what a reader sees of the passage
    (text and metadata; not its character offsets, which an edit earlier in the document shifts)."""
    docs: dict[str, tuple[str, dict[str, str]]] = {}
    for p in passages:
        seen = {k: v for k, v in p.to_record()["metadata"].items() if k not in ("start", "end")}
        digest = hashlib.sha256(json.dumps([p.text, seen], ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        docs.setdefault(p.doc_id, (p.title, {}))[1][p.id] = digest
    return docs


def version_changes(root: Path, previous: str | None, passages: Sequence[Passage]) -> dict[str, Any] | None:
    """What a build changes against `previous`, the version live when it was built: documents
    added, changed (how many of their passages were added, changed, removed) and removed.
    None when the previous version cannot be read."""
    before: list[Passage] = []
    if previous:
        try:
            with open(root / previous / store.PASSAGES, encoding="utf-8") as f:
                before = [Passage.from_record(json.loads(line)) for line in f]
        except (OSError, ValueError, KeyError) as exc:
            log.warning("cannot compare with index %s: %s: %s", previous, type(exc).__name__, exc)
            return None
    old, new = _documents(before), _documents(passages)
    added = [{"doc_id": d, "title": new[d][0], "passages": len(new[d][1])} for d in sorted(new.keys() - old.keys())]
    removed = [{"doc_id": d, "title": old[d][0], "passages": len(old[d][1])} for d in sorted(old.keys() - new.keys())]
    changed = []
    for doc_id in sorted(old.keys() & new.keys()):
        was, now = old[doc_id][1], new[doc_id][1]
        if was != now:
            changed.append({"doc_id": doc_id, "title": new[doc_id][0], "passages": len(now),
                            "passages_added": len(now.keys() - was.keys()),
                            "passages_changed": sum(1 for p in now.keys() & was.keys() if now[p] != was[p]),
                            "passages_removed": len(was.keys() - now.keys())})
    return {"previous": previous, "added": added, "changed": changed, "removed": removed}


def build_index(settings: Settings, corpus_dir: Path | Sequence[Path] | None = None, *,
                model: SentenceTransformer | None = None, activate: bool = True,
                progress: bool = False) -> BuildResult:
    """Load, chunk, embed (cache first), write a new version, and make it live.

    Without `corpus_dir` the index covers `settings.corpus_paths`: the bundled corpus and
    the crawled documents.
    """
    started = time.perf_counter()
    if corpus_dir is None:
        corpus_dirs = settings.corpus_paths
    else:
        corpus_dirs = [corpus_dir] if isinstance(corpus_dir, Path) else list(corpus_dir)
    loaded = load_corpora(corpus_dirs)
    if not loaded.documents:
        raise CorpusError(corpus_dirs[0], None, "no readable documents in the corpus folder")
    nodes = chunk_corpus(loaded.documents, settings)
    log.info("chunked %d documents into %d passages", len(loaded.documents), len(nodes))

    texts = [embedding_text(n) for n in nodes]
    model = model or prepared_model(settings)
    cache = EmbeddingCache(settings.embedding_cache_path, MODEL_NAME)
    if seeded := seed_cache(cache, settings.resolve(settings.embedding_seed)):
        log.info("embedding cache filled with %d shipped vectors of the bundled corpus", seeded)
    share = None
    if settings.jobs == "worker":
        from ingest.jobs import shared_embedder  # the job queue imports this module

        share = shared_embedder(settings, model)
    try:
        vectors, embedded = embed_with_cache(model, texts, cache, settings.embed_batch_size, progress, share)
        sentences, embedded_sentences = None, 0
        if settings.sentence_weight > 0:
            per_passage = [sentence_texts(n) for n in nodes]
            sentence_vectors, embedded_sentences = embed_with_cache(
                model, [t for texts_of in per_passage for t in texts_of], cache, settings.embed_batch_size, progress,
                share)
            starts = np.concatenate(([0], np.cumsum([len(t) for t in per_passage]))).astype(np.int64)
            sentences = store.SentenceVectors(sentence_vectors, starts)
    finally:
        cache.close()

    tokenizer = Tokenizer(Synonyms.load(settings.synonyms_path).terms())
    keyword = bm25s.BM25()
    keyword.index([tokenizer.tokens(t) for t in texts], show_progress=progress)

    dense_kind = dense_index.choose_kind(len(nodes), settings.dense_index, settings.ivf_min_passages)
    digest = corpus_hash([d.metadata["content_hash"] for d in loaded.documents])
    manifest = {
        "corpus_dir": str(corpus_dirs[0]),
        "corpus_dirs": [str(d) for d in corpus_dirs],
        "corpus_hash": digest,
        "model": MODEL_NAME,
        "dim": DIM,
        "documents": len(loaded.documents),
        "passages": len(nodes),
        "sentences": 0 if sentences is None else len(sentences.vectors),
        "dense_index": dense_kind,
        "articles": len({(n.metadata["doc_id"], n.metadata["label"]) for n in nodes
                         if n.metadata["article"] >= 0}),
        "embedded_new": embedded,
        "sentences_embedded_new": embedded_sentences,
        "embedded_by": {} if share is None else share.by_whom,
        "skipped_files": [str(e) for e in loaded.errors],
        "merged": [asdict(m) for m in loaded.merges],
        "chunking": {"max_article_chars": settings.max_article_chars,
                     "section_chars": settings.section_chars,
                     "section_overlap": settings.section_overlap},
    }
    passages = [Passage.from_record({"id": n.id_, "text": n.text, "metadata": n.metadata}) for n in nodes]
    root = settings.index_path
    with store.build_lock(root):
        version = _new_version_name(root, digest)
        manifest = {"version": version,
                    "created_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                    **manifest, "changes": version_changes(root, store.current_version(root), passages)}
        path = store.write_version(root, version, manifest, passages, vectors, keyword, sentences, dense_kind)
        publish_version(settings, version)
        if activate:
            activate_version(settings, version)
            unpublish_versions(settings, prune_versions(root, settings.keep_versions))
    seconds = time.perf_counter() - started
    log.info("built index %s in %.1fs (%d passages and %d sentences newly embedded)",
             version, seconds, embedded, embedded_sentences)
    return BuildResult(version, path, len(loaded.documents), len(nodes), embedded, seconds, loaded.errors)
