"""API benchmark (not a test): a real server, /v1/agent/suggest driven with the dev questions.

    python -m eval.bench_api [--seconds 15] [--concurrency 1 8 32]

Starts `hotline serve` on a free port with a temporary database and agent key, runs each
concurrency level for a bounded time, and prints latency percentiles, requests/s and errors.
Then times the stages of one answer in-process, to show where the time goes.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from assistant.settings import PROJECT_ROOT

DEV_SET = PROJECT_ROOT / "eval" / "sets" / "dev.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


async def _drive(base: str, key: str, questions: list[str], concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(n: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        i = n
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                r = await client.post(f"{base}/v1/agent/suggest", json={"query": questions[i % len(questions)]},
                                      headers={"X-API-Key": key})
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - started) * 1000)
            errors += not ok
            i += concurrency

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(n, client) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"concurrency": concurrency, "requests": len(latencies), "errors": errors,
            "rps": round(len(latencies) / elapsed, 1), "p50_ms": round(_pct(latencies, 0.5), 1),
            "p95_ms": round(_pct(latencies, 0.95), 1), "p99_ms": round(_pct(latencies, 0.99), 1)}


def stages(questions: list[str]) -> dict:
    """Median time of each stage of an answer, in-process (ms)."""
    from assistant.answer import Answerer
    from assistant.answer import extractive_answer
    from assistant.question import analyse
    from assistant.retrieval import Searcher
    from assistant.settings import Settings

    searcher = Searcher.open(Settings())
    answerer = Answerer.create(searcher)
    timings: dict[str, list[float]] = {k: [] for k in ("encode", "scope", "search", "compose", "total")}
    for q in questions * 3:
        t0 = time.perf_counter()
        vector = searcher.encode(q)
        t1 = time.perf_counter()
        answerer.scope.check(vector)
        t2 = time.perf_counter()
        hits = searcher.search(q, 5, vector=vector)
        t3 = time.perf_counter()
        extractive_answer(q, analyse(q), set(searcher.tokenizer.tokens(q)), hits)
        t4 = time.perf_counter()
        answerer.answer(q)
        t5 = time.perf_counter()
        for name, value in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            value and timings[name].append(value * 1000)
    return {name: round(statistics.median(v), 2) for name, v in timings.items()}


@contextmanager
def served(**env_overrides: str) -> Iterator[tuple[str, str, int]]:
    """`hotline serve` on a free port with a temporary database: yields (base URL, agent key, pid)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOTLINE_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite",
                   HOTLINE_PORTAL_RATE_LIMIT="1000000/minute", **env_overrides)
        hotline = [sys.executable, "-m", "api.cli"]
        out = subprocess.run([*hotline, "keys", "create", "--role", "agent", "--name", "bench"], env=env,
                             capture_output=True, text=True, check=True).stdout
        key = out.strip().splitlines()[-1]
        port = _free_port()
        server = subprocess.Popen([*hotline, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("server did not become ready")
                time.sleep(0.5)
            yield base, key, server.pid
        finally:
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--no-cache", action="store_true",
                        help="disable the service's question-embedding cache (every request encodes)")
    args = parser.parse_args()
    questions = [json.loads(line)["query"] for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line]
    with served(**({"HOTLINE_QUERY_CACHE_SIZE": "0"} if args.no_cache else {})) as (base, key, _):
        results = [asyncio.run(_drive(base, key, questions, c, args.seconds)) for c in args.concurrency]
    print(f"{'conc':>5}{'req':>7}{'err':>5}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}  (ms)")
    for r in results:
        print(f"{r['concurrency']:>5}{r['requests']:>7}{r['errors']:>5}{r['rps']:>8}"
              f"{r['p50_ms']:>8}{r['p95_ms']:>8}{r['p99_ms']:>8}")
    print("stages of one answer in-process (median ms):", json.dumps(stages(questions[:20])))


if __name__ == "__main__":
    main()
