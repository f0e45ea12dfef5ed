"""The crawler's HTTP layer against a real local server: pacing, limits, robots.txt, redirects."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest
import yaml

from ingest.fetch import Fetcher, FetchError, OffSite, RobotsDisallowed
from ingest.sources import Source
from tests.conftest import make_settings
from eval.fixture_site import FixtureSite, fixture_sources


def source(base: str, **overrides) -> Source:
    return Source.model_validate(yaml.safe_load(fixture_sources(base, **overrides))["sources"][0])


class SendTimes(httpx.AsyncHTTPTransport):
    """Records when the crawler hands each request to the network, on the crawler's own clock:
    the server's arrival times add thread-scheduling jitter a loaded CI machine makes large."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        return await super().handle_async_request(request)


def fetch_all(settings, src: Source, urls: list[str],
              transport: httpx.AsyncBaseTransport | None = None) -> list:
    async def run() -> list:
        async with Fetcher(settings, transport) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(u, src) for u in urls), return_exceptions=True)
    return asyncio.run(run())


@pytest.fixture
def site():
    with FixtureSite() as running:
        running.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        yield running


def test_requests_to_one_host_are_spaced(tmp_path: Path, site):
    # Instant pages and three slots: only the pacing can space them. The 0.2 s are measured a
    # little after the pacer lets a request go, so one gap may lose a few milliseconds to
    # scheduling; unpaced, the gaps are about one millisecond.
    for i in range(5):
        site.put(f"/p{i}.html", "<html>x</html>")
    sent = SendTimes()
    results = fetch_all(make_settings(tmp_path), source(site.base, delay=0.2, concurrency=3),
                        [f"{site.base}/p{i}.html" for i in range(5)], sent)
    assert [r.status for r in results] == [200] * 5
    pages = sent.sent[1:]  # after robots.txt
    gaps = [b - a for a, b in zip(pages, pages[1:], strict=False)]
    assert min(gaps) >= 0.15


def test_requests_to_one_host_are_capped(tmp_path: Path, site):
    for i in range(5):
        site.put(f"/p{i}.html", "<html>x</html>", delay=0.2)
    results = fetch_all(make_settings(tmp_path), source(site.base, delay=0, concurrency=1),
                        [f"{site.base}/p{i}.html" for i in range(5)])
    assert [r.status for r in results] == [200] * 5 and site.max_active == 1


def test_concurrency_per_host_is_used_when_allowed(tmp_path: Path, site):
    for i in range(6):
        site.put(f"/p{i}.html", "<html>x</html>", delay=0.3)
    fetch_all(make_settings(tmp_path), source(site.base, delay=0, concurrency=3),
              [f"{site.base}/p{i}.html" for i in range(6)])
    assert site.max_active == 3


def test_conditional_get_answers_304(tmp_path: Path, site):
    site.put("/a.html", "<html>same</html>")
    settings, src = make_settings(tmp_path), source(site.base)
    (first,) = fetch_all(settings, src, [f"{site.base}/a.html"])

    async def again():
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(f"{site.base}/a.html", src, etag=first.etag)
    assert first.status == 200 and first.etag and asyncio.run(again()).status == 304


def test_limits_on_size_and_type(tmp_path: Path, site):
    site.put("/big.pdf", b"%PDF-" + b"0" * 5000, content_type="application/pdf")
    site.put("/photo.png", b"\x89PNG....", content_type="image/png")
    big, photo = fetch_all(make_settings(tmp_path, crawl_max_bytes=1000), source(site.base),
                           [f"{site.base}/big.pdf", f"{site.base}/photo.png"])
    assert isinstance(big, FetchError) and "过大" in str(big)
    assert isinstance(photo, FetchError) and "image/png" in str(photo)


def test_redirects_stay_on_allowed_domains_and_robots(tmp_path: Path, site):
    site.put("/inside.html", "", location="/target.html")
    site.put("/target.html", "<html>t</html>")
    site.put("/out.html", "", location="http://localhost:1/x.html")
    site.put("/sneaky.html", "", location="/private/x.html")
    inside, out, sneaky, private = fetch_all(
        make_settings(tmp_path), source(site.base),
        [f"{site.base}/{p}" for p in ("inside.html", "out.html", "sneaky.html", "private/y.html")])
    assert inside.status == 200 and inside.url.endswith("/target.html")
    assert isinstance(out, OffSite) and isinstance(sneaky, RobotsDisallowed)
    assert isinstance(private, RobotsDisallowed) and "/private/x.html" not in site.hits


def test_unreachable_robots_txt_blocks_the_host(tmp_path: Path, site):
    site.put("/robots.txt", "", fail_times=100)
    site.put("/a.html", "<html>x</html>")
    (result,) = fetch_all(make_settings(tmp_path, crawl_retries=2, crawl_backoff=0.01), source(site.base),
                          [f"{site.base}/a.html"])
    assert isinstance(result, FetchError) and "robots.txt 无法获取" in str(result)
    assert site.hits["/robots.txt"] == 2 and "共尝试 2 次" in str(result)  # crawl_retries counts attempts
    assert "/a.html" not in site.hits
