"""The FAISS index of passage vectors, and how it is searched.

Exact inner product (flat) while the corpus is small. From `ivf_min_passages` on, IVF lists of
8-bit codes, whose candidates are re-scored exactly from the fp32 vectors memory-mapped from the
version folder: at 1M passages 384 MB resident instead of 1.5 GB, and R@10 0.993 of exact search
with a quarter of the lists probed (docs/scale.md). The status filter is a bitmap of allowed rows:
FAISS's id-set filter costs IVF 7–8× its scan.
"""

import math
from dataclasses import dataclass
from typing import Literal

import faiss
import numpy as np

Kind = Literal["flat", "ivf_sq8"]
KINDS: tuple[Kind, ...] = ("flat", "ivf_sq8")
# k-means wants about this many training vectors per list; more only slows training.
TRAIN_PER_LIST = 64


def choose_kind(passages: int, setting: str, ivf_min_passages: int) -> Kind:
    """The configured kind, or for "auto" flat below `ivf_min_passages` and IVF from there."""
    if setting == "auto":
        return "ivf_sq8" if passages >= ivf_min_passages else "flat"
    if setting not in KINDS:
        raise ValueError(f"unknown dense index kind {setting!r}; expected auto, flat or ivf_sq8")
    return setting  # type: ignore[return-value]


def list_count(passages: int) -> int:
    """round(√n) lists: 1,000 at a million passages (docs/scale.md measured 1,000 and 1,024)."""
    return max(1, round(math.sqrt(passages)))


def build(vectors: np.ndarray, kind: Kind, seed: int = 0) -> faiss.Index:
    """An index whose ids are the row numbers of `vectors` (normalised, float32)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    ids = np.arange(n, dtype=np.int64)
    if kind == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        index.add_with_ids(vectors, ids)
        return index
    nlist = list_count(n)
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, nlist,
                                          faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    sample = min(n, TRAIN_PER_LIST * nlist)
    rows = np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    index.train(vectors[rows])
    index.add_with_ids(vectors, ids)
    return index


def kind_of(index: faiss.Index) -> Kind:
    return "flat" if faiss.try_extract_index_ivf(index) is None else "ivf_sq8"


@dataclass(frozen=True)
class RowFilter:
    """A FAISS selector over allowed rows; it points into `bits`, which it therefore keeps."""
    bits: np.ndarray
    selector: faiss.IDSelector

    @classmethod
    def of(cls, mask: np.ndarray) -> "RowFilter":
        bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
        return cls(bits, faiss.IDSelectorBitmap(bits))


def search(index: faiss.Index, query: np.ndarray, rows: RowFilter, k: int, probe_share: float,
           exact: np.ndarray | None) -> dict[int, float]:
    """The k best allowed rows and their cosines; exact cosines when the fp32 vectors are given."""
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        # Parameters are made per search: IVF and IDMap2 write into them, so sharing is unsafe.
        params = faiss.SearchParametersIVF(sel=rows.selector, nprobe=max(1, math.ceil(ivf.nlist * probe_share)))
    else:
        params = faiss.SearchParameters(sel=rows.selector)
    scores, found = index.search(query[None, :].astype(np.float32), k, params=params)
    if exact is None:
        return {int(r): float(s) for r, s in zip(found[0], scores[0]) if r >= 0}
    # 8-bit codes reorder neighbours a few thousandths of a cosine apart; fp32 restores them.
    hits = np.sort(found[0][found[0] >= 0])
    return dict(zip(hits.tolist(), (np.asarray(exact[hits], dtype=np.float32) @ query).tolist()))
