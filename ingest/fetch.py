"""Polite HTTP for the crawler: robots.txt, per-host pacing and concurrency, retries with
backoff, redirects only within a source's allowed domains, size and content-type limits,
conditional GET.
"""

import asyncio
import logging
import time
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from assistant.settings import Settings
from ingest.sources import Source

log = logging.getLogger(__name__)

# Types worth downloading; anything else (images, video, archives) is refused before the body.
ACCEPTED_TYPES = {
    "text/html", "application/xhtml+xml", "application/pdf", "application/x-pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/octet-stream",  # many government sites serve attachments this way
}
REDIRECTS = {301, 302, 303, 307, 308}
DISALLOW_ALL = "User-agent: *\nDisallow: /\n"


class FetchError(Exception):
    """A URL that could not be fetched; the message (Chinese) goes into the run log."""


class RobotsDisallowed(FetchError):
    pass


class OffSite(FetchError):
    pass


class _Retryable(Exception):
    """A 429 or 5xx answer: worth another try after a pause."""

    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass
class Response:
    url: str  # after redirects
    status: int
    content_type: str = ""
    charset: str | None = None
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class _Host:
    """Pacing state of one host: requests in flight are capped, starts are spaced by `delay`."""
    slots: asyncio.Semaphore
    delay: float
    pace: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0
    robots: Protego | None = None
    robots_error: str | None = None  # robots.txt unreachable: the host is not crawled this run
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _content_type(header: str) -> tuple[str, str | None]:
    message = Message()
    message["content-type"] = header or "application/octet-stream"
    return message.get_content_type(), message.get_param("charset")  # type: ignore[return-value]


class Fetcher:
    """One per crawl run (it holds the per-host state); use as an async context manager."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        self._hosts: dict[str, _Host] = {}
        self._client = httpx.AsyncClient(
            headers={"User-Agent": settings.crawl_user_agent},
            timeout=httpx.Timeout(settings.crawl_timeout),
            follow_redirects=False,  # followed by hand, to keep them within allowed domains
            limits=httpx.Limits(max_connections=max(settings.crawl_workers * 2, 10)),
            transport=transport,
        )

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    def _host(self, url: str, source: Source) -> _Host:
        key = urlsplit(url).netloc.lower()
        if key not in self._hosts:
            delay = self.settings.crawl_delay if source.delay is None else source.delay
            slots = source.concurrency or self.settings.crawl_host_concurrency
            self._hosts[key] = _Host(asyncio.Semaphore(slots), delay)
        return self._hosts[key]

    async def _robots(self, url: str, source: Source) -> Protego:
        host = self._host(url, source)
        async with host.robots_lock:
            if host.robots is None:
                parts = urlsplit(url)
                robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
                try:
                    response = await self._get(robots_url, source, {}, accept_any_type=True)
                    text = response.body.decode("utf-8", "replace")
                    # RFC 9309: no robots.txt (4xx) allows everything.
                    host.robots = Protego.parse(text if response.status == 200 else "")
                except FetchError as exc:
                    # Unreachable robots.txt: RFC 9309 says assume everything is disallowed.
                    log.warning("robots.txt of %s unreachable (%s): not crawling it", parts.netloc, exc)
                    host.robots = Protego.parse(DISALLOW_ALL)
                    host.robots_error = f"robots.txt 无法获取（{exc}），本次不抓取该站"
                crawl_delay = host.robots.crawl_delay(self.settings.crawl_user_agent)
                if crawl_delay:
                    host.delay = max(host.delay, float(crawl_delay))
            return host.robots

    async def allowed(self, url: str, source: Source) -> bool:
        """Whether robots.txt lets us fetch `url`; FetchError if robots.txt could not be read."""
        robots = await self._robots(url, source)
        error = self._host(url, source).robots_error
        if error:
            raise FetchError(error)
        return bool(robots.can_fetch(url, self.settings.crawl_user_agent))

    async def fetch(self, url: str, source: Source, etag: str | None = None,
                    last_modified: str | None = None) -> Response:
        """GET `url` honouring robots.txt; redirects are followed only to allowed, permitted URLs."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _ in range(self.settings.crawl_max_redirects + 1):
            if not source.allows(current):
                raise OffSite(f"重定向到站外地址 {current}，未跟随")
            if not await self.allowed(current, source):
                raise RobotsDisallowed(f"robots.txt 不允许抓取 {current}")
            response = await self._get(current, source, headers)
            if response.status not in REDIRECTS:
                return response
            current = response.url
        raise FetchError(f"重定向超过 {self.settings.crawl_max_redirects} 次")

    async def _get(self, url: str, source: Source, headers: dict[str, str],
                   accept_any_type: bool = False) -> Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.crawl_retries),
            wait=wait_exponential(multiplier=self.settings.crawl_backoff, max=60),
            retry=retry_if_exception_type((httpx.TransportError, TimeoutError, _Retryable)),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(url, source, headers, accept_any_type)
        except _Retryable as exc:
            raise FetchError(f"服务器错误 HTTP {exc.status}（共尝试 {self.settings.crawl_retries} 次）") from None
        except (httpx.TimeoutException, TimeoutError):
            raise FetchError(f"超时（{self.settings.crawl_timeout:g} 秒，"
                             f"共尝试 {self.settings.crawl_retries} 次）") from None
        except httpx.TransportError as exc:
            raise FetchError(f"连接失败：{type(exc).__name__}") from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    async def _once(self, url: str, source: Source, headers: dict[str, str],
                    accept_any_type: bool) -> Response:
        host = self._host(url, source)
        async with host.slots:
            async with host.pace:
                wait = host.next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                host.next_start = time.monotonic() + host.delay
            async with asyncio.timeout(self.settings.crawl_timeout):
                return await self._read(url, headers, accept_any_type)

    async def _read(self, url: str, headers: dict[str, str], accept_any_type: bool) -> Response:
        async with self._client.stream("GET", url, headers=headers) as r:
            status = r.status_code
            if status == 429 or status >= 500:
                raise _Retryable(status)
            if status in REDIRECTS:
                location = r.headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {status} 重定向缺少 Location")
                return Response(urljoin(url, location), status)
            meta = {"etag": r.headers.get("etag"), "last_modified": r.headers.get("last-modified")}
            if status != 200:
                return Response(url, status, **meta)
            content_type, charset = _content_type(r.headers.get("content-type", ""))
            if not accept_any_type and content_type not in ACCEPTED_TYPES:
                raise FetchError(f"内容类型 {content_type} 不在抓取范围")
            limit = self.settings.crawl_max_bytes
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(f"文件过大（{int(declared)} 字节，上限 {limit}）")
            chunks, size = [], 0
            async for chunk in r.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"文件过大（超过上限 {limit} 字节）")
                chunks.append(chunk)
            return Response(url, status, content_type, charset, b"".join(chunks), **meta)
