"""Signed webhooks between the system and stores' POS (CONTRACT "POS").

Both directions follow the Standard Webhooks convention (the ``standardwebhooks``
library): headers ``webhook-id``, ``webhook-timestamp`` (seconds; more than 5 minutes
old or ahead is refused) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`` keyed with the store's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class SignatureRefused(Exception):
    """The message's signature, timestamp or headers do not check out."""


def sign(secret: str, *, msg_id: str, body: bytes, at: datetime) -> dict[str, str]:
    """The three headers that sign ``body`` for a store whose secret is ``secret``."""
    at = at.astimezone(UTC)
    try:
        signature = Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body.decode())
    except UnicodeDecodeError:  # a GBK or Big5 POSLog: the HMAC is over the raw bytes
        signature = _raw_signature(secret, msg_id, str(int(at.timestamp())), body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def verify(secret: str, *, body: bytes, headers: Mapping[str, str]) -> None:
    """Raise :class:`SignatureRefused` unless ``body`` is signed with ``secret`` and fresh."""
    try:
        body.decode()
    except UnicodeDecodeError:
        _verify_raw(secret, body=body, headers=headers)
        return
    try:
        Webhook(secret).verify(body, dict(headers), json_parse=False)
    except WebhookVerificationError as exc:
        raise SignatureRefused(str(exc)) from exc
    except (ValueError, TypeError) as exc:  # malformed signature header
        raise SignatureRefused("malformed webhook-signature header") from exc


def _raw_signature(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_") + "==")
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return f"v1,{base64.b64encode(digest).decode()}"


def _verify_raw(secret: str, *, body: bytes, headers: Mapping[str, str]) -> None:
    """The same check for a body that is not UTF-8 (issue 15: a POSLog declared GBK,
    Big5 or ISO-8859-1), which the library cannot take: it decodes the body as UTF-8."""
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp = lowered.get("webhook-id"), lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        raise SignatureRefused("Missing required headers")
    try:
        at = float(stamp)
    except ValueError as exc:
        raise SignatureRefused("Invalid Signature Headers") from exc
    drift = datetime.now(UTC).timestamp() - at
    if drift > 300:
        raise SignatureRefused("Message timestamp too old")
    if drift < -300:
        raise SignatureRefused("Message timestamp too new")
    expected = _raw_signature(secret, msg_id, stamp, body)
    if not any(hmac.compare_digest(expected, given) for given in signatures.split(" ")):
        raise SignatureRefused("No matching signature found")
