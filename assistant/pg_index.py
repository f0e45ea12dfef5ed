"""Index versions in PostgreSQL with pgvector: the shared store that replicas search instead of
loading FAISS and bm25s files (HOTLINE_RETRIEVAL_BACKEND=postgres; docs/deploy.md).

Each version is a schema of its own (passages with their vectors under an HNSW index, the BM25
postings, the sentence vectors), published from a built version folder. `hotline_index_current`
names the live one, and activation or rollback changes it in one transaction, as CURRENT does
for files. The keyword score is bm25s's own: its precomputed per-token passage scores are
stored as postings and summed in SQL, so both backends rank alike. PostgreSQL's `tsvector` has
no Chinese segmentation; jieba tokens in a `simple` tsvector would only give ts_rank, which is
not BM25. The same holds for llama-index's PGVectorStore, whose hybrid mode builds its
tsvector in SQL. A replica keeps the passages' ids and filter columns; a passage's text and
metadata (what `Searcher.hit` and the answer composer read) are fetched when asked for, and the
most recent kept (`PgPassages`), as the files backend keeps them on disk.
"""

import hashlib
import json
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from assistant.errors import NotFound
from assistant.index import IndexNotFound, LoadedIndex
from assistant.passage import Passage
from assistant.passage_file import OnDemandPassages
from assistant.search_backend import Filters

VERSIONS = "hotline_index_versions"
CURRENT = "hotline_index_current"


def schema_of(version: str) -> str:
    name = "hotline_index_" + re.sub(r"[^0-9a-z]+", "_", version.lower())
    return name if len(name) <= 63 else "hotline_index_" + hashlib.sha256(version.encode()).hexdigest()[:40]


def _vector(v: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(v, dtype=np.float32)) + "]"


@contextmanager
def _connect(conninfo: str) -> Iterator:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        yield conn


def ensure_catalog(conninfo: str) -> None:
    with _connect(conninfo) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSIONS} (version text PRIMARY KEY, schema_name text NOT NULL, "
                     "manifest jsonb NOT NULL, published_at timestamptz NOT NULL DEFAULT now())")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {CURRENT} (singleton boolean PRIMARY KEY DEFAULT true "
                     f"CHECK (singleton), version text NOT NULL REFERENCES {VERSIONS})")


def publish(conninfo: str, index: LoadedIndex, hnsw_m: int = 16, hnsw_ef_construction: int = 64) -> str:
    """Copy a built version (its folder's FAISS, bm25s and sentence vectors) into PostgreSQL.
    The schema is written first and registered last, in one transaction: a crash leaves nothing
    a reader can see. Publishing a version again replaces it."""
    ensure_catalog(conninfo)
    if index.keyword.nonoccurrence_array is not None:
        raise ValueError("only BM25 variants without a non-occurrence term can be published")
    schema = schema_of(index.version)
    vectors = (np.asarray(index.vectors, dtype=np.float32) if index.vectors is not None
               else index.dense.reconstruct_n(0, index.dense.ntotal))
    dim = vectors.shape[1]
    scores = index.keyword.scores
    tokens = {i: t for t, i in index.keyword.vocab_dict.items()}
    with _connect(conninfo) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'CREATE TABLE "{schema}".passages (row integer PRIMARY KEY, id text NOT NULL, status text, '
                     f'region text, doc_type text, record jsonb NOT NULL, embedding vector({dim}) NOT NULL)')
        conn.execute(f'CREATE TABLE "{schema}".postings (token text NOT NULL, row integer NOT NULL, score real NOT NULL)')
        conn.execute(f'CREATE TABLE "{schema}".sentences (row integer NOT NULL, embedding vector({dim}) NOT NULL)')
        with conn.cursor().copy(f'COPY "{schema}".passages (row, id, status, region, doc_type, record, embedding) '
                                "FROM STDIN") as copy:
            for row, (p, v) in enumerate(zip(index.passages, vectors)):
                copy.write_row((row, p.id, p.status, p.region, p.doc_type, json.dumps(p.to_record(), ensure_ascii=False),
                                _vector(v)))
        indptr, indices, data = scores["indptr"], scores["indices"], scores["data"]
        with conn.cursor().copy(f'COPY "{schema}".postings (token, row, score) FROM STDIN') as copy:
            for token_id in range(len(indptr) - 1):
                token = tokens[token_id]
                for j in range(indptr[token_id], indptr[token_id + 1]):
                    copy.write_row((token, int(indices[j]), float(data[j])))
        if index.sentences is not None:
            starts = index.sentences.starts
            with conn.cursor().copy(f'COPY "{schema}".sentences (row, embedding) FROM STDIN') as copy:
                for row in range(len(index.passages)):
                    for j in range(int(starts[row]), int(starts[row + 1])):
                        copy.write_row((row, _vector(index.sentences.vectors[j])))
        conn.execute(f'CREATE INDEX ON "{schema}".postings (token)')
        conn.execute(f'CREATE INDEX ON "{schema}".sentences (row)')
        conn.execute(f'CREATE INDEX ON "{schema}".passages USING hnsw (embedding vector_ip_ops) '
                     f"WITH (m = {int(hnsw_m)}, ef_construction = {int(hnsw_ef_construction)})")
        manifest = {**index.manifest, "has_sentences": index.sentences is not None}
        conn.execute(f"INSERT INTO {VERSIONS} (version, schema_name, manifest) VALUES (%s, %s, %s) "
                     "ON CONFLICT (version) DO UPDATE SET schema_name = excluded.schema_name, "
                     "manifest = excluded.manifest, published_at = now()",
                     (index.version, schema, json.dumps(manifest, ensure_ascii=False)))
    return schema


def activate(conninfo: str, version: str) -> None:
    """Make a published version the live one (also how to roll back), in one transaction."""
    ensure_catalog(conninfo)
    with _connect(conninfo) as conn:
        if conn.execute(f"SELECT 1 FROM {VERSIONS} WHERE version = %s", (version,)).fetchone() is None:
            raise IndexNotFound(f"未找到已发布到数据库的索引版本：{version}")
        conn.execute(f"INSERT INTO {CURRENT} (singleton, version) VALUES (true, %s) "
                     "ON CONFLICT (singleton) DO UPDATE SET version = excluded.version", (version,))


def published_versions(conninfo: str) -> list[str]:
    import psycopg

    try:
        with _connect(conninfo) as conn:
            return [r[0] for r in conn.execute(f"SELECT version FROM {VERSIONS} ORDER BY published_at")]
    except psycopg.errors.UndefinedTable:
        return []


def drop(conninfo: str, version: str) -> None:
    """Remove a published version (never the live one)."""
    ensure_catalog(conninfo)
    with _connect(conninfo) as conn:
        found = conn.execute(f"SELECT schema_name FROM {VERSIONS} WHERE version = %s", (version,)).fetchone()
        if found is None:
            return
        if conn.execute(f"SELECT 1 FROM {CURRENT} WHERE version = %s", (version,)).fetchone():
            raise ValueError(f"索引版本 {version} 正在使用，不能删除")
        conn.execute(f"DELETE FROM {VERSIONS} WHERE version = %s", (version,))
        conn.execute(f'DROP SCHEMA IF EXISTS "{found[0]}" CASCADE')


def current_version(conninfo: str) -> str | None:
    """The live version (None before any activation). Replicas ask this on every index poll,
    so it only reads."""
    import psycopg

    try:
        with _connect(conninfo) as conn:
            row = conn.execute(f"SELECT version FROM {CURRENT}").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return row[0] if row else None


def load_version(conninfo: str, version: str | None = None) -> LoadedIndex:
    """The version's manifest, and its passages as `PgPassages` (search structures stay in the database)."""
    version = version or current_version(conninfo)
    if not version:
        raise IndexNotFound("数据库中还没有启用的索引版本（hotline index publish）")
    with _connect(conninfo) as conn:
        found = conn.execute(f"SELECT schema_name, manifest FROM {VERSIONS} WHERE version = %s", (version,)).fetchone()
        if found is None:
            raise IndexNotFound(f"未找到已发布到数据库的索引版本：{version}")
        schema, manifest = found
        size = conn.execute(f'SELECT count(*) FROM "{schema}".passages').fetchone()[0]
    return LoadedIndex(version, None, manifest, PgPassages(conninfo, schema, size), None, None)  # type: ignore[arg-type]


class PgPassages(OnDemandPassages):
    """One published version's passages, read from PostgreSQL when asked for; the `cached` most
    recent are kept. A full iteration (the index's one load pass, registers) streams them."""

    def __init__(self, conninfo: str, schema: str, size: int, cached: int = 8192):
        from psycopg_pool import ConnectionPool

        self._pool = ConnectionPool(conninfo, min_size=1, max_size=2, open=True)
        weakref.finalize(self, self._pool.close)
        self._schema, self._size, self._cached = schema, size, cached
        self._recent: OrderedDict[int, Passage] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    def _get(self, row: int) -> Passage:
        with self._lock:
            passage = self._recent.get(row)
            if passage is not None:
                self._recent.move_to_end(row)
                return passage
        return self._fetch([row])[row]

    def _get_many(self, rows: range) -> list[Passage]:
        self.prefetch(rows)
        return [self._get(r) for r in rows]

    def prefetch(self, rows: Iterable[int]) -> None:
        """Read the rows not yet kept in one round trip (a search's hits, before they are read)."""
        with self._lock:
            missing = [int(r) for r in rows if int(r) not in self._recent]
        if missing:
            self._fetch(missing)

    def _fetch(self, rows: list[int]) -> dict[int, Passage]:
        with self._pool.connection() as conn:
            found = {int(r): Passage.from_record(record) for r, record in conn.execute(
                f'SELECT row, record FROM "{self._schema}".passages WHERE row = ANY(%s)', (rows,)).fetchall()}
        with self._lock:
            for r, passage in found.items():
                self._recent[r] = passage
                self._recent.move_to_end(r)
            while len(self._recent) > self._cached:
                self._recent.popitem(last=False)
        return found

    def __iter__(self) -> Iterator[Passage]:
        with self._pool.connection() as conn, conn.cursor(name="passages") as cursor:
            cursor.itersize = 10_000
            cursor.execute(f'SELECT record FROM "{self._schema}".passages ORDER BY row')
            for (record,) in cursor:
                yield Passage.from_record(record)


@dataclass
class PostgresBackend:
    """Dense search by pgvector's HNSW, BM25 from the stored postings, over one version's schema."""
    conninfo: str
    version: str
    ef_search: int = 100
    name: str = "postgres"
    _pool: object = field(default=None, init=False, repr=False)
    _schema: str = field(default="", init=False)
    _has_sentences: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        from psycopg_pool import ConnectionPool

        self._pool = ConnectionPool(self.conninfo, min_size=1, max_size=4, open=True)
        with self._pool.connection() as conn:  # type: ignore[attr-defined]
            found = conn.execute(f"SELECT schema_name, manifest FROM {VERSIONS} WHERE version = %s",
                                 (self.version,)).fetchone()
        if found is None:
            raise NotFound(f"未找到已发布到数据库的索引版本：{self.version}")
        self._schema, manifest = found[0], found[1]
        self._has_sentences = bool(manifest.get("has_sentences"))

    def dense(self, query: np.ndarray, filters: Filters, allowed: np.ndarray, k: int) -> dict[int, float]:
        where, params = [], []
        for column, values in (("status", filters.status), ("region", filters.region), ("doc_type", filters.doc_type)):
            if values is not None:
                where.append(f"{column} = ANY(%s)")
                params.append(list(values))
        sql = (f'SELECT row, -(embedding <#> %s::vector) FROM "{self._schema}".passages '
               + (f"WHERE {' AND '.join(where)} " if where else "") + "ORDER BY embedding <#> %s::vector LIMIT %s")
        q = _vector(query)
        with self._pool.connection() as conn, conn.transaction():  # type: ignore[attr-defined]
            # Filtered HNSW scans keep going until k rows pass the filter (pgvector 0.8).
            conn.execute(f"SET LOCAL hnsw.ef_search = {int(max(self.ef_search, k))}")
            conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            rows = conn.execute(sql, (q, *params, q, k)).fetchall()
        return {int(r): float(s) for r, s in rows}

    def keyword(self, weighted: Sequence[tuple[str, float]], size: int) -> np.ndarray:
        scores = np.zeros(size, dtype=np.float32)
        if not weighted:
            return scores
        tokens, weights = [t for t, _ in weighted], [w for _, w in weighted]
        with self._pool.connection() as conn:  # type: ignore[attr-defined]
            rows = conn.execute(f'SELECT p.row, sum(p.score * q.w) FROM unnest(%s::text[], %s::real[]) AS q(token, w) '
                                f'JOIN "{self._schema}".postings p ON p.token = q.token GROUP BY p.row',
                                (tokens, weights)).fetchall()
        for row, score in rows:
            scores[row] = score
        return scores

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        rows = [int(r) for r in rows]
        with self._pool.connection() as conn:  # type: ignore[attr-defined]
            found = dict(conn.execute(f'SELECT row, embedding::real[] FROM "{self._schema}".passages WHERE row = ANY(%s)',
                                      (rows,)).fetchall())
        return np.array([found[r] for r in rows], dtype=np.float32)

    def cosines(self, rows: Sequence[int], query: np.ndarray) -> np.ndarray:
        # Computed where the vectors are: 384 floats a row need not cross the wire.
        rows = [int(r) for r in rows]
        with self._pool.connection() as conn:  # type: ignore[attr-defined]
            found = dict(conn.execute(f'SELECT row, -(embedding <#> %s::vector) FROM "{self._schema}".passages '
                                      "WHERE row = ANY(%s)", (_vector(query), rows)).fetchall())
        return np.array([found[r] for r in rows], dtype=np.float32)

    def best_sentences(self, rows: Sequence[int], query: np.ndarray) -> np.ndarray | None:
        if not self._has_sentences:
            return None
        rows = [int(r) for r in rows]
        with self._pool.connection() as conn:  # type: ignore[attr-defined]
            found = dict(conn.execute(f'SELECT row, max(-(embedding <#> %s::vector)) FROM "{self._schema}".sentences '
                                      "WHERE row = ANY(%s) GROUP BY row", (_vector(query), rows)).fetchall())
        return np.array([found.get(r, -np.inf) for r in rows], dtype=np.float32)

    def close(self) -> None:
        self._pool.close()  # type: ignore[attr-defined]
