"""Soak benchmark (not a test): a steady open-loop load on a real server for many minutes.

    python -m eval.bench_soak [--minutes 30] [--rate 20]

Requests arrive at a fixed rate whatever the latency (as callers do), alternating between
/v1/agent/suggest (agent key) and /v1/portal/ask, over the questions of every eval set. Prints,
per minute: requests, errors (non-2xx or no answer), p50/p95 latency and the server's RSS; then
the RSS growth from the first minute to the last.
"""

import argparse
import asyncio
import json

import httpx
import psutil

from assistant.settings import PROJECT_ROOT
from eval.bench_api import _pct, served

SETS = ("dev", "dev2", "paraphrases")


def _questions() -> list[str]:
    out = []
    for name in SETS:
        path = PROJECT_ROOT / "eval" / "sets" / f"{name}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        out += [row.get("query") or row["question"] for row in rows]
    return out


async def _soak(base: str, key: str, pid: int, minutes: int, rate: float) -> list[dict]:
    questions = _questions()
    server = psutil.Process(pid)
    loop = asyncio.get_running_loop()
    started = loop.time()
    minute_rows: list[dict] = []
    samples: list[list[tuple[float, bool]]] = [[] for _ in range(minutes)]

    async def one(i: int, client: httpx.AsyncClient) -> None:
        question = questions[i % len(questions)]
        agent = i % 2 == 0
        t0 = loop.time()
        try:
            if agent:
                r = await client.post(f"{base}/v1/agent/suggest", json={"query": question},
                                      headers={"X-API-Key": key})
            else:
                r = await client.post(f"{base}/v1/portal/ask", json={"question": question})
            ok = r.status_code == 200 and "answer" in r.json()
        except (httpx.HTTPError, ValueError):
            ok = False
        minute = int((t0 - started) // 60)
        if minute < minutes:
            samples[minute].append(((loop.time() - t0) * 1000, ok))

    async def report() -> None:
        for minute in range(minutes):
            await asyncio.sleep(max(0.0, started + 60 * (minute + 1) + 2 - loop.time()))
            rows = samples[minute]
            latencies = [ms for ms, _ in rows]
            row = {"minute": minute + 1, "requests": len(rows), "errors": sum(not ok for _, ok in rows),
                   "p50_ms": round(_pct(latencies, 0.5), 1) if rows else None,
                   "p95_ms": round(_pct(latencies, 0.95), 1) if rows else None,
                   "rss_mb": round(server.memory_info().rss / 2**20, 1)}
            minute_rows.append(row)
            print(json.dumps(row), flush=True)

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        reporter = asyncio.create_task(report())
        tasks = []
        for i in range(int(minutes * 60 * rate)):
            await asyncio.sleep(max(0.0, started + i / rate - loop.time()))
            tasks.append(asyncio.create_task(one(i, client)))
        await asyncio.gather(*tasks)
        await reporter
    return minute_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second")
    args = parser.parse_args()
    with served() as (base, key, pid):
        rows = asyncio.run(_soak(base, key, pid, args.minutes, args.rate))
    total = sum(r["requests"] for r in rows)
    errors = sum(r["errors"] for r in rows)
    growth = (rows[-1]["rss_mb"] - rows[0]["rss_mb"]) / rows[0]["rss_mb"] if rows else 0.0
    worst = max((r["p95_ms"] for r in rows if r["p95_ms"] is not None), default=None)
    print(f"{total} requests, {errors} errors; worst per-minute p95 {worst} ms; "
          f"RSS {rows[0]['rss_mb']} → {rows[-1]['rss_mb']} MB ({growth:+.1%} from minute 1)")


if __name__ == "__main__":
    main()
