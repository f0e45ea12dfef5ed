"""API keys: hashed storage, verification, revocation, roles."""

import hashlib

import pytest
from sqlalchemy import text

from assistant.errors import Invalid, NotFound
from assistant.keys import ROLES, create_key, list_keys, revoke_key, role_allows, verify_key


def test_secret_is_never_stored(db_session):
    key, secret = create_key(db_session, "editor", "编辑部 张三")
    db_session.commit()
    assert secret.startswith("hk_") and len(secret) > 40
    assert key.prefix == secret[:8]
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    rows = db_session.execute(text("SELECT * FROM api_keys")).all()
    stored = " ".join(str(value) for row in rows for value in row)
    assert secret not in stored
    assert secret[8:] not in stored


def test_verify_accepts_the_secret_and_rejects_anything_else(db_session):
    key, secret = create_key(db_session, "agent", "坐席 1")
    db_session.commit()
    assert key.last_used_at is None
    found = verify_key(db_session, secret)
    assert found is not None and found.id == key.id and found.role == "agent"
    assert found.last_used_at is not None
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for wrong in (tampered, secret[:8], "hk_" + "x" * 43, "", "Bearer " + secret):
        assert verify_key(db_session, wrong) is None


def test_last_used_at_is_not_rewritten_on_every_request(db_session):
    _, secret = create_key(db_session, "agent", "坐席 2")
    first = verify_key(db_session, secret).last_used_at
    assert verify_key(db_session, secret).last_used_at == first


def test_revoked_key_fails(db_session):
    key, secret = create_key(db_session, "admin", "运维")
    db_session.commit()
    revoke_key(db_session, key.id)
    db_session.commit()
    revoked_at = key.revoked_at
    assert revoked_at is not None
    assert verify_key(db_session, secret) is None
    revoke_key(db_session, key.id)  # idempotent
    assert key.revoked_at == revoked_at
    with pytest.raises(NotFound, match="未找到"):
        revoke_key(db_session, key.id + 1000)


def test_create_rejects_unknown_role_and_blank_name(db_session):
    with pytest.raises(Invalid, match="未知角色"):
        create_key(db_session, "root", "x")
    with pytest.raises(Invalid, match="名称"):
        create_key(db_session, "agent", "  ")


def test_list_keys_newest_first(db_session):
    a, _ = create_key(db_session, "agent", "a")
    b, _ = create_key(db_session, "editor", "b")
    assert [k.id for k in list_keys(db_session)] == [b.id, a.id]


@pytest.mark.parametrize("held, allowed", [
    ("agent", {"agent"}),
    ("editor", {"agent", "editor"}),
    ("admin", {"agent", "editor", "admin"}),
])
def test_role_matrix(held, allowed):
    for needed in ROLES:
        assert role_allows(held, needed) is (needed in allowed)


def test_unknown_roles_allow_nothing():
    assert not role_allows("root", "agent")
    assert not role_allows("admin", "root")
