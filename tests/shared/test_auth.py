"""Bearer tokens and roles (CONTRACT "auth")."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from shared.auth import HEAD_OFFICE_ROLES, ROLES, decode_token, issue_token

SECRET = "test-secret-long-enough-for-hs256-keys"


def test_token_round_trip_carries_user_role_and_branch() -> None:
    actor = decode_token(SECRET, issue_token(SECRET, role="technician", user="T01", branch="SC01"))
    assert (actor.user_id, actor.role, actor.branch) == ("T01", "technician", "SC01")


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        issue_token(SECRET, role="janitor")


def test_wrong_secret_and_expired_tokens_are_invalid() -> None:
    with pytest.raises(jwt.InvalidTokenError):
        decode_token("another-secret-long-enough-for-hs256",
                     issue_token(SECRET, role="clerk", branch="SC01"))
    expired = issue_token(SECRET, role="clerk", branch="SC01", ttl=timedelta(seconds=-1))
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_token(SECRET, expired)


def test_a_token_verified_once_still_expires_and_binds_to_its_secret(monkeypatch) -> None:
    """Issue 17: a verified token is remembered, but its expiry is read on every use and
    another secret never finds it."""
    token = issue_token(SECRET, role="clerk", user="C01", branch="SC01",
                        ttl=timedelta(minutes=5))
    assert decode_token(SECRET, token).user_id == "C01"
    with pytest.raises(jwt.InvalidSignatureError):
        decode_token("another-secret-long-enough-for-hs256", token)
    assert decode_token(SECRET, token).user_id == "C01"  # remembered
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(jwt.ExpiredSignatureError):
        decode_token(SECRET, token)


def test_settings_derive_one_database_per_service() -> None:
    from shared.settings import Settings

    url = Settings(service="billing", database_url="postgresql://u@h:5432/postgres",
                   db_prefix="x").sqlalchemy_url()
    assert url == "postgresql+asyncpg://u@h:5432/x_billing"


def _raw(claims: dict) -> str:
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.mark.parametrize("missing", ["exp", "sub", "iss"])
def test_a_token_without_exp_sub_or_issuer_is_invalid(missing: str) -> None:
    now = datetime.now(UTC)
    claims = {"sub": "C01", "role": "clerk", "branch": "SC01", "iss": "aftersales",
              "iat": now, "exp": now + timedelta(hours=1)}
    del claims[missing]
    with pytest.raises(jwt.InvalidTokenError):
        decode_token(SECRET, _raw(claims))


def test_only_head_office_roles_may_hold_a_branchless_token() -> None:
    assert decode_token(SECRET, issue_token(SECRET, role="gm_office", user="G01")).branch is None
    for role in sorted(ROLES - HEAD_OFFICE_ROLES):
        with pytest.raises(ValueError, match="branch"):
            issue_token(SECRET, role=role, user="X")
        now = datetime.now(UTC)
        forged = _raw({"sub": "X", "role": role, "iss": "aftersales", "exp": now + timedelta(1)})
        with pytest.raises(jwt.InvalidTokenError, match="branch"):
            decode_token(SECRET, forged)


def test_a_subject_that_is_not_a_staff_id_is_invalid() -> None:
    now = datetime.now(UTC)
    for sub in ("", "   ", 7, "x" * 65):
        forged = _raw({"sub": sub, "role": "admin", "iss": "aftersales",
                       "exp": now + timedelta(hours=1)})
        with pytest.raises(jwt.InvalidTokenError):
            decode_token(SECRET, forged)
