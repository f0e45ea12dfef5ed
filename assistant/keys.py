"""API keys: created once with a secret shown a single time, stored only as a SHA-256 hash.

Functions flush but never commit; the caller owns the transaction.
"""

import hashlib
import hmac
import secrets
import threading
import time
from datetime import timedelta

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.db import ApiKey, utcnow
from assistant.vocabularies import ROLES
from assistant.errors import Invalid, NotFound

__all__ = ["ROLES", "RecentKeys", "create_key", "list_keys", "revoke_key", "role_allows", "verify_key"]

SECRET_PREFIX = "hk_"
DISPLAY_PREFIX_CHARS = 8
# Recording every use would make every request a write; a minute's resolution is enough for audits.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def role_allows(held: str, needed: str) -> bool:
    """admin may do everything, editor what editors and agents do, agent only agent work."""
    if held not in ROLES or needed not in ROLES:
        return False
    return ROLES.index(held) >= ROLES.index(needed)


def create_key(s: Session, role: str, name: str) -> tuple[ApiKey, str]:
    """A new key and its plaintext secret, which is not stored and cannot be shown again."""
    if role not in ROLES:
        raise Invalid(f"未知角色：{role}（可选：{'、'.join(ROLES)}）")
    if not name.strip():
        raise Invalid("密钥名称不能为空")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name.strip(), role=role, key_hash=_hash(secret),
                 prefix=secret[:DISPLAY_PREFIX_CHARS], created_at=utcnow())
    s.add(key)
    s.flush()
    return key, secret


def verify_key(s: Session, secret: str) -> ApiKey | None:
    """The live key behind `secret`, or None; notes when it was used."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    digest = _hash(secret)
    # Look up by the public prefix, then compare hashes in constant time.
    candidates = s.scalars(select(ApiKey).where(ApiKey.prefix == secret[:DISPLAY_PREFIX_CHARS]))
    key = next((k for k in candidates if hmac.compare_digest(k.key_hash, digest)), None)
    if key is None or key.revoked_at is not None:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        key.last_used_at = now
        s.flush()
    return key


def revoke_key(s: Session, key_id: int) -> ApiKey:
    """Revoke for good; revoking twice keeps the first revocation time."""
    key = s.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"未找到编号为 {key_id} 的密钥")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        s.flush()
    return key


def list_keys(s: Session) -> list[ApiKey]:
    """All keys, newest first (hashes included; never show them to users)."""
    return list(s.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def _detached_copy(key: ApiKey) -> ApiKey:
    """A copy no session owns: the request's own object is expired by any later rollback in
    that request and could not be read again once its session closed (found by the failover test)."""
    return ApiKey(**{attr.key: getattr(key, attr.key) for attr in sa_inspect(ApiKey).column_attrs})


class RecentKeys:
    """Keys verified against the database in the last `grace` seconds, by secret hash.

    Consulted only when the database cannot be reached, so revocation stays immediate while
    it can; a key refused by the database is forgotten at once."""

    def __init__(self, grace: float):
        self.grace = grace
        self._seen: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    def remember(self, secret: str, key: ApiKey | None) -> None:
        with self._lock:
            if key is None:
                self._seen.pop(_hash(secret), None)
            else:
                self._seen[_hash(secret)] = (time.monotonic(), _detached_copy(key))

    def recall(self, secret: str) -> ApiKey | None:
        with self._lock:
            seen = self._seen.get(_hash(secret))
        if seen is None or time.monotonic() - seen[0] > self.grace:
            return None
        return seen[1]
