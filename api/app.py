"""create_app(): the FastAPI service. Routes are thin; the logic lives in assistant/."""

import json
import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sentence_transformers import SentenceTransformer
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api import errors, pages
from api.errors import error_response
from api.routes import answers, desk, documents, faqs, ingest, ops, orders
from api.state import AppState
from assistant.redact import RedactingFilter
from assistant.settings import Settings

PORTAL_PREFIXES = ("/v1/portal", "/v1/feedback")
UPLOAD_PREFIXES = ("/v1/ingest/uploads", "/v1/orders/import")  # files: the upload limit


class BodyLimit:
    """413 for request bodies over the limit, counted as they stream in (Content-Length may lie,
    or be absent on a chunked body); 414 for an over-long URL. Both in the JSON error shape."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if len(scope.get("raw_path") or path.encode()) + len(scope.get("query_string", b"")) > self.settings.max_url_bytes:
            return await error_response(414, f"请求地址过长（上限 {self.settings.max_url_bytes} 字节）。")(scope, receive, send)
        limit = (self.settings.max_portal_body_bytes if path.startswith(PORTAL_PREFIXES)
                 else self.settings.max_upload_bytes if path.startswith(UPLOAD_PREFIXES)
                 else self.settings.max_body_bytes)
        too_large = error_response(413, f"请求内容过大（上限 {limit // 1024} KB）。")
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await too_large(scope, receive, send)
        seen = 0
        answered = False

        async def counted() -> Message:
            # Over the limit: answer 413 now and tell the app the client left, so whatever it
            # makes of the cut-off body (a parse error, a 400) is never sent.
            nonlocal seen, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                answered = True
                await too_large(scope, receive, send)
                return {"type": "http.disconnect"}
            return message

        async def unless_answered(message: Message) -> None:
            if not answered:
                await send(message)

        await self.app(scope, counted, unless_answered)


class Observe:
    """Request count and latency per route template (plain ASGI: no per-request task overhead)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            state = getattr(scope["app"].state, "hotline", None)
            if state is not None:
                path = getattr(scope.get("route"), "path", "unmatched")
                state.metrics.requests.labels(path, scope["method"], str(status)).inc()
                state.metrics.latency.labels(path).observe(time.perf_counter() - started)


def _redact_logs() -> None:
    """Personal data out of the service's loggers; once per process, however many apps are made."""
    for name in ("uvicorn.access", "uvicorn.error", "api", "assistant"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


def create_app(settings: Settings | None = None, model: SentenceTransformer | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.hotline = AppState.create(settings, model)
        try:
            yield
        finally:
            app.state.hotline.close()

    app = FastAPI(title="12345 规划和自然资源知识助手 API", version="0.1.0", lifespan=lifespan,
                  description="坐席检索与答复建议、市民问答门户、FAQ 编辑审核。错误统一为 "
                              '`{"error": {"code", "message"}}`。需要密钥的接口使用请求头 `X-API-Key`。')
    errors.install(app)
    _redact_logs()

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "PATCH", "PUT"], allow_headers=["Content-Type", "X-API-Key"])
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(Observe)
    # desk before faqs: its GET /v1/faqs/export must not be read as GET /v1/faqs/{faq_id}.
    for router in (answers.router, desk.router, faqs.router, documents.router, ingest.router, ops.router,
                   orders.router, pages.router):
        app.include_router(router)
    app.mount("/static", pages.static_files(), name="static")
    return app


class JsonErrorHttp(HttpToolsProtocol):
    """uvicorn's HTTP protocol, but a request it cannot parse (a request line or headers too
    long for the parser, malformed HTTP) is refused in the JSON error shape, not plain text."""

    def send_400_response(self, msg: str) -> None:
        body = json.dumps({"error": {"code": "bad_request",
                                     "message": "请求格式无效：请求行或请求头过长，或不符合 HTTP 规范。"}},
                          ensure_ascii=False).encode()
        head = [b"HTTP/1.1 400 Bad Request\r\n",
                *(name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers),
                b"content-type: application/json\r\ncontent-length: " + str(len(body)).encode() + b"\r\n",
                b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + body)
        self.transport.close()


def server_options(settings: Settings) -> dict:
    """uvicorn options: the JSON-speaking protocol above, and proxy handling: X-Forwarded-For
    is believed only from the trusted proxies in settings (none by default), so a client cannot
    pick its own address for the rate limit."""
    trusted = settings.trusted_proxies
    return {"http": JsonErrorHttp, "proxy_headers": bool(trusted),
            "forwarded_allow_ips": ",".join(trusted) if trusted else None}

