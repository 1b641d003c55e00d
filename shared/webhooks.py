"""Signed webhooks between the system and stores' POS (CONTRACT "POS").

Both directions follow the Standard Webhooks convention (the ``standardwebhooks``
library): headers ``webhook-id``, ``webhook-timestamp`` (seconds; more than 5 minutes
old or ahead is refused) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`` keyed with the store's secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class SignatureRefused(Exception):
    """The message's signature, timestamp or headers do not check out."""


def sign(secret: str, *, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """The three headers that sign ``body`` for a store whose secret is ``secret``."""
    at = at.astimezone(UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def verify(secret: str, *, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise :class:`SignatureRefused` unless ``body`` is signed with ``secret`` and fresh."""
    try:
        Webhook(secret).verify(body, dict(headers), json_parse=False)
    except WebhookVerificationError as exc:
        raise SignatureRefused(str(exc)) from exc
    except (ValueError, TypeError) as exc:  # malformed signature header
        raise SignatureRefused("malformed webhook-signature header") from exc
