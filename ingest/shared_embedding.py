"""Embedding a large build on several workers (HOTLINE_JOBS=worker).

The builder writes the texts it has no vector for into a work table in PostgreSQL, queues
helper jobs, and embeds alongside them. Everyone takes the next slice of the shortest texts
with `FOR UPDATE SKIP LOCKED` and keeps the rows locked while embedding them: a helper that
dies mid-slice loses its connection, the lock goes with it, and the rows are taken again by
whoever asks next. Nothing is handed out twice, and nothing is lost.
"""

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)

TABLE = "hotline_embedding_work"
Encode = Callable[[Sequence[str]], np.ndarray]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def ensure_table(conninfo: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (build text NOT NULL, hash text NOT NULL, "
                     "body text NOT NULL, vector bytea, embedded_by text, PRIMARY KEY (build, hash))")


def embed_slices(conninfo: str, build: str, encode: Encode, slice_size: int, who: str) -> int:
    """Embed unclaimed rows of `build`, a slice at a time, until none is free; returns how many."""
    import psycopg

    done = 0
    with psycopg.connect(conninfo) as conn:
        while True:
            with conn.transaction():
                rows = conn.execute(f"SELECT hash, body FROM {TABLE} WHERE build = %s AND vector IS NULL "
                                    "ORDER BY length(body), hash LIMIT %s FOR UPDATE SKIP LOCKED",
                                    (build, slice_size)).fetchall()
                if not rows:
                    return done
                vectors = np.asarray(encode([body for _, body in rows]), dtype=np.float32)
                with conn.cursor() as cur:
                    cur.executemany(f"UPDATE {TABLE} SET vector = %s, embedded_by = %s WHERE build = %s AND hash = %s",
                                    [(v.tobytes(), who, build, h) for (h, _), v in zip(rows, vectors)])
            done += len(rows)


def embed_shared(conninfo: str, texts: dict[str, str], encode: Encode, slice_size: int,
                 ask_helpers: Callable[[str], None],
                 poll_seconds: float = 0.2) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Vectors of `texts` (by hash), embedded here and by the helpers `ask_helpers(build)` queues,
    and how many each process embedded."""
    import psycopg

    ensure_table(conninfo)
    build = uuid.uuid4().hex
    with psycopg.connect(conninfo) as conn:
        with conn.cursor().copy(f"COPY {TABLE} (build, hash, body) FROM STDIN") as copy:
            for h, body in texts.items():
                copy.write_row((build, h, body))
        conn.commit()
        try:
            ask_helpers(build)
            who = worker_name()
            while True:
                embed_slices(conninfo, build, encode, slice_size, who)
                left = conn.execute(f"SELECT count(*) FROM {TABLE} WHERE build = %s AND vector IS NULL",
                                    (build,)).fetchone()[0]
                conn.commit()
                log.info("embedded %d of %d texts", len(texts) - left, len(texts))
                if not left:
                    break
                time.sleep(poll_seconds)  # slices still locked by helpers
            rows = conn.execute(f"SELECT hash, vector, embedded_by FROM {TABLE} WHERE build = %s", (build,)).fetchall()
            by_whom: dict[str, int] = {}
            for _, _, name in rows:
                by_whom[name] = by_whom.get(name, 0) + 1
            log.info("embedded %d texts on %d processes: %s", len(rows), len(by_whom), by_whom)
            return {h: np.frombuffer(v, dtype=np.float32) for h, v, _ in rows}, by_whom
        finally:
            conn.rollback()
            conn.execute(f"DELETE FROM {TABLE} WHERE build = %s", (build,))
            conn.commit()


@dataclass
class SharedEmbedder:
    """What a build calls with the texts it must embed: shared when there are enough of them."""
    conninfo: str
    encode: Encode
    ask_helpers: Callable[[str], None]
    slice_size: int
    min_texts: int
    by_whom: dict[str, int] = field(default_factory=dict)

    def __call__(self, texts: dict[str, str]) -> dict[str, np.ndarray] | None:
        """Vectors by hash, or None when too few texts are worth queueing (embed them locally)."""
        if len(texts) < self.min_texts:
            return None
        vectors, by_whom = embed_shared(self.conninfo, texts, self.encode, self.slice_size, self.ask_helpers)
        for name, count in by_whom.items():
            self.by_whom[name] = self.by_whom.get(name, 0) + count
        return vectors
