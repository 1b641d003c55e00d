"""One-time survey links (SPEC Q25 [choice]): compact HMAC-SHA256 signed tokens.

A token is ``{card_id}.{expires_unix}.{nonce}.{mac}`` where ``mac`` is the URL-safe
base64 of HMAC-SHA256 over the first three parts, under a key derived from the
service's ``jwt_secret`` (so a bearer token can never pass for a link, nor the other
way round). The card stores the nonce it issued, so only the latest link of a card
is valid, and a card answered once refuses its link ("usable once"). Pure: no I/O,
no clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

_PURPOSE = b"aftersales/survey-link/v1"


class BadLink(ValueError):
    """The token was not issued by us, or was altered."""


@dataclass(frozen=True)
class LinkClaims:
    card_id: int
    expires_at: datetime
    nonce: str

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def link_key(secret: str) -> bytes:
    """The link-signing key, derived from the service secret."""
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def new_nonce() -> str:
    return secrets.token_urlsafe(6)


def _mac(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(key: bytes, *, card_id: int, expires_at: datetime, nonce: str) -> str:
    """The token of a card's link."""
    payload = f"{card_id}.{int(expires_at.timestamp())}.{nonce}"
    return f"{payload}.{_mac(key, payload)}"


def read(key: bytes, token: str) -> LinkClaims:
    """The claims of a genuine token; raises ``BadLink`` otherwise (expiry not checked)."""
    parts = token.split(".")
    if len(parts) != 4:
        raise BadLink("malformed link")
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(_mac(key, payload), parts[3]):
        raise BadLink("signature does not match")
    try:
        card_id, expires = int(parts[0]), int(parts[1])
        expires_at = datetime.fromtimestamp(expires, UTC)
    except (ValueError, OverflowError, OSError):
        raise BadLink("malformed link") from None
    return LinkClaims(card_id=card_id, expires_at=expires_at, nonce=parts[2])
