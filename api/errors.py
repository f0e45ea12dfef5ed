"""One error shape for every 4xx/5xx: {"error": {"code": ..., "message": ...}}, messages in Chinese."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.errors import DomainError

log = logging.getLogger(__name__)

STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
                414: "uri_too_long", 415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited",
                500: "internal_error", 503: "unavailable"}
STATUS_MESSAGES = {401: "需要有效的 API 密钥。", 403: "当前密钥无权执行此操作。", 404: "请求的资源不存在。",
                   405: "不支持该请求方法。", 413: "请求内容过大。", 429: "请求过于频繁，请稍后再试。",
                   500: "服务内部错误，请稍后再试。", 503: "服务暂不可用，请稍后再试。"}
DATABASE_DOWN = "数据库暂不可用，请稍后再试；检索和答复仍可使用。"
# What a driver raises when the database cannot be reached (refused, dropped, locked too long).
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers
        self.code = code or STATUS_CODES.get(status, "error")


def error_response(status: int, message: str, code: str | None = None, headers: dict | None = None,
                   rows: list[dict] | None = None) -> JSONResponse:
    error = {"code": code or STATUS_CODES.get(status, "error"), "message": message}
    if rows is not None:
        error["rows"] = rows
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _field_message(err: dict) -> str:
    loc = list(err.get("loc", ()))
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    where = ".".join(str(p) for p in loc)
    kind = err.get("type", "")
    if kind == "json_invalid":
        return "请求体不是有效的 JSON。"
    if kind == "missing":
        return f"缺少必填字段：{where}。" if where else "请求体不能为空：需要一个 JSON 对象。"
    if kind in ("string_too_long", "too_long"):
        return f"字段 {where} 过长（上限 {err.get('ctx', {}).get('max_length', '')}）。"
    if kind in ("string_too_short", "too_short"):
        return f"字段 {where} 不能为空。"
    if kind == "extra_forbidden":
        return f"不支持的字段：{where}。"
    if kind in ("blank_text", "control_char"):
        return f"字段 {where} {err.get('msg', '')}。"
    if kind == "model_attributes_type" or kind == "dict_type":
        return "请求体必须是 JSON 对象。"
    return f"字段 {where} 的值无效：{err.get('msg', '')}。" if where else f"请求无效：{err.get('msg', '')}。"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code, exc.headers)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code, rows=exc.details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) and exc.status_code not in STATUS_MESSAGES else \
            STATUS_MESSAGES.get(exc.status_code, str(exc.detail))
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        return error_response(422, _field_message(errors[0]) if errors else "请求无效。")

    async def database_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unreachable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(503, DATABASE_DOWN, headers={"Retry-After": "30"})

    for kind in DATABASE_UNREACHABLE:
        app.add_exception_handler(kind, database_down)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, STATUS_MESSAGES[500])
