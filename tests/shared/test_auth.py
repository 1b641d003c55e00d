"""Bearer tokens and roles (CONTRACT "auth")."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from shared.auth import decode_token, issue_token

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


def test_settings_derive_one_database_per_service() -> None:
    from shared.settings import Settings

    url = Settings(service="billing", database_url="postgresql://u@h:5432/postgres",
                   db_prefix="x").sqlalchemy_url()
    assert url == "postgresql+asyncpg://u@h:5432/x_billing"
