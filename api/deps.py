"""Typed dependencies: the app state, a database session per request, and role checks."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.errors import DATABASE_UNREACHABLE, ApiError
from api.state import AppState
from assistant.db import ApiKey
from assistant.keys import role_allows, verify_key


async def get_state(request: Request) -> AppState:
    return request.app.state.hotline


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """One transaction per request: committed when the route returns (before the response is
    sent, so what it reports is stored), rolled back on error. Routes never commit."""
    with state.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _secret(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def optional_key(request: Request, state: StateDep, session: SessionDep) -> ApiKey | None:
    secret = _secret(request)
    if not secret:
        return None
    try:
        key = verify_key(session, secret)
        # verify_key may have noted last_used_at: commit now so the write lock is not held for
        # the whole request (SQLite has one writer; waiters back off in sleeps of up to 100 ms).
        session.commit()
    except DATABASE_UNREACHABLE:
        # Search and suggestions need no database: a key seen recently still opens them, so an
        # outage does not stop the agents. Revocation is immediate whenever the database answers.
        # The rollback leaves the session usable for the request's later (failing, counted) writes.
        session.rollback()
        key = state.keys.recall(secret)
        if key is None:
            raise
    else:
        state.keys.remember(secret, key)
    if key is None:
        raise ApiError(401, "API 密钥无效或已停用。")
    return key


def require(role: str):
    """Dependency: a valid key whose role covers `role` (admin ⊇ editor ⊇ agent)."""

    async def check(key: Annotated[ApiKey | None, Depends(optional_key)]) -> ApiKey:
        if key is None:
            raise ApiError(401, "需要有效的 API 密钥（请求头 X-API-Key）。")
        if not role_allows(key.role, role):
            raise ApiError(403, f"当前密钥角色为 {key.role}，此操作需要 {role} 权限。")
        return key

    return check


AgentKey = Annotated[ApiKey, Depends(require("agent"))]
EditorKey = Annotated[ApiKey, Depends(require("editor"))]
AdminKey = Annotated[ApiKey, Depends(require("admin"))]
OptionalKey = Annotated[ApiKey | None, Depends(optional_key)]


def rate_limited(request: Request, state: StateDep) -> None:
    """Public routes: a moving-window limit per client address."""
    client = request.client.host if request.client else "unknown"
    wait = state.allow(state.settings.portal_rate_limit, f"portal:{client}")
    if wait:
        raise ApiError(429, f"请求过于频繁，请 {wait} 秒后再试。", headers={"Retry-After": str(wait)})


RateLimited = Depends(rate_limited)
