"""The on-disk index: versioned folders under the index root, CURRENT naming the live one.

A version folder holds manifest.json, dense.faiss (ids = row numbers of passages.jsonl; flat,
or IVF with 8-bit codes plus vectors.npy, the fp32 vectors its candidates are re-scored from),
bm25/ (bm25s over jieba tokens), passages.jsonl and, when built with them, the vectors of each
passage's sentences (sentences.npy, in passage order; sentence_starts.npy gives row r's sentences
as [starts[r], starts[r+1])). Folders are written under a temporary
name and renamed into place; CURRENT is replaced atomically, so a reader always sees a
complete version and a crashed build leaves the previous one live.
"""

import json
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bm25s
import faiss
import numpy as np

from assistant import dense_index
from assistant.errors import Conflict, NotFound
from assistant.locks import exclusive
from assistant.passage import Passage
from assistant.passage_file import PassageFile

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
DENSE = "dense.faiss"
KEYWORD = "bm25"
PASSAGES = "passages.jsonl"
VECTORS = "vectors.npy"
SENTENCES = "sentences.npy"
SENTENCE_STARTS = "sentence_starts.npy"
TMP_PREFIX = ".tmp-"
# What build_index names versions (20261205-231900-79214d31[-2]); anything else is not one,
# and must never reach the file system as a path (.., very long names).
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$")


class IndexNotFound(NotFound):
    """No such built index (or none at all) to serve from."""


class BuildInProgress(Conflict):
    """Another process holds the build lock."""


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """One builder at a time; leftovers of a crashed build are removed under the lock."""
    with exclusive(root / ".build.lock", lambda: BuildInProgress(f"另一个索引构建正在进行（{root}），请稍后再试。", code="busy")):
        for stale in root.glob(f"{TMP_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        yield


@dataclass(frozen=True)
class SentenceVectors:
    """Each passage's sentence vectors, read from disk on demand (memory-mapped)."""
    vectors: np.ndarray
    starts: np.ndarray

    def best(self, rows: Sequence[int], query: np.ndarray) -> np.ndarray:
        """The best sentence cosine of each row; rows without sentences get -inf."""
        rows = np.asarray(rows, dtype=np.int64)
        first, lengths = self.starts[rows], self.starts[rows + 1] - self.starts[rows]
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        positions = np.repeat(first - offsets, lengths) + np.arange(int(lengths.sum()))
        out = np.full(len(rows), -np.inf, dtype=np.float32)
        if len(positions):
            scores = np.asarray(self.vectors[positions], dtype=np.float32) @ query
            filled = lengths > 0
            out[filled] = np.maximum.reduceat(scores, offsets[filled])
        return out


FILTER_COLUMNS = ("status", "region", "doc_type")
# Filters select on the first three; fusion's priors read doc_type and doc_id.
COLUMNS = (*FILTER_COLUMNS, "doc_id")


@dataclass(frozen=True)
class Column:
    """One metadata field of every passage, as codes into its few distinct values."""
    values: tuple[str, ...]
    codes: np.ndarray

    def isin(self, allowed: Sequence[str]) -> np.ndarray:
        return np.array([v in allowed for v in self.values], dtype=bool)[self.codes]


@dataclass
class LoadedIndex:
    version: str
    path: Path
    manifest: dict
    passages: Sequence[Passage]  # a PassageFile when loaded from a folder: parsed on demand
    dense: faiss.Index
    keyword: bm25s.BM25
    sentences: SentenceVectors | None = None
    vectors: np.ndarray | None = None  # fp32 passage vectors (memory-mapped) beside a quantised index

    def row_of(self, passage_id: str) -> int | None:
        return self._rows.get(passage_id)

    def __post_init__(self) -> None:
        # One pass over the passages (parsing each, when they stay on disk): the id map, and
        # the columns filters select on, so that a filter never needs another pass.
        self._rows: dict[str, int] = {}
        distinct: dict[str, dict[str, int]] = {name: {} for name in COLUMNS}
        codes: dict[str, list[int]] = {name: [] for name in COLUMNS}
        for i, p in enumerate(self.passages):
            self._rows[p.id] = i
            for name in COLUMNS:
                seen = distinct[name]
                codes[name].append(seen.setdefault(getattr(p, name), len(seen)))
        self.columns = {name: Column(tuple(distinct[name]), np.array(codes[name], dtype=np.int32))
                        for name in COLUMNS}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_version(root: Path, version: str, manifest: dict, passages: list[Passage],
                  vectors: np.ndarray, keyword: bm25s.BM25,
                  sentences: SentenceVectors | None = None, dense_kind: dense_index.Kind = "flat") -> Path:
    """Write a complete version folder atomically (temporary folder, then rename)."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{TMP_PREFIX}{version}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    faiss.write_index(dense_index.build(vectors, dense_kind), str(tmp / DENSE))
    if dense_kind != "flat":
        np.save(tmp / VECTORS, np.asarray(vectors, dtype=np.float32))
    keyword.save(str(tmp / KEYWORD), show_progress=False)
    if sentences is not None:
        np.save(tmp / SENTENCES, sentences.vectors.astype(np.float32))
        np.save(tmp / SENTENCE_STARTS, sentences.starts.astype(np.int64))
    with open(tmp / PASSAGES, "w", encoding="utf-8") as f:
        for p in passages:
            f.write(json.dumps(p.to_record(), ensure_ascii=False) + "\n")
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for file in tmp.rglob("*"):
        if file.is_file():
            with open(file, "rb") as f:
                os.fsync(f.fileno())
    final = root / version
    os.rename(tmp, final)
    _fsync_dir(root)
    return final


def activate(root: Path, version: str) -> None:
    """Make `version` the live index by atomically replacing CURRENT."""
    if not VERSION_RE.fullmatch(version) or not (root / version / MANIFEST).is_file():
        raise IndexNotFound(f"未找到索引版本：{version}")
    tmp = root / f"{CURRENT}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)


def current_version(root: Path) -> str | None:
    try:
        return (root / CURRENT).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def list_versions(root: Path) -> list[dict]:
    """Manifests of every complete version, oldest first, with an `active` flag."""
    if not root.is_dir():
        return []
    live = current_version(root)
    out = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or not (path / MANIFEST).is_file():
            continue
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        out.append({**manifest, "version": path.name, "active": path.name == live})
    return sorted(out, key=lambda m: m.get("created_at", ""))


def load_version(root: Path, version: str | None = None) -> LoadedIndex:
    version = version or current_version(root)
    if not version:
        raise IndexNotFound(f"no index built yet under {root} (run: hotline index build)")
    path = root / version
    if not (path / MANIFEST).is_file():
        raise IndexNotFound(f"index version {version!r} named by CURRENT is missing under {root}")
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    passages = PassageFile(path / PASSAGES)
    dense = faiss.read_index(str(path / DENSE))
    keyword = bm25s.BM25.load(str(path / KEYWORD), show_progress=False)
    sentences = None
    if (path / SENTENCES).is_file():
        sentences = SentenceVectors(np.load(path / SENTENCES, mmap_mode="r"), np.load(path / SENTENCE_STARTS))
    vectors = np.load(path / VECTORS, mmap_mode="r") if (path / VECTORS).is_file() else None
    return LoadedIndex(version, path, manifest, passages, dense, keyword, sentences, vectors)
