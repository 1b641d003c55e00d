"""SPEC Q25 [choice] pure rule: the one-time link is signed and tamper-evident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.survey.domain import links


def test_q25_link_is_signed_and_tamper_evident() -> None:
    key = links.link_key("secret")
    expires = datetime(2026, 3, 28, 1, 0, tzinfo=UTC)
    token = links.sign(key, card_id=7, expires_at=expires, nonce="abc")
    claims = links.read(key, token)
    assert (claims.card_id, claims.expires_at, claims.nonce) == (7, expires, "abc")
    assert not claims.expired(expires - timedelta(seconds=1))
    assert claims.expired(expires)
    card, exp, nonce, mac = token.split(".")
    altered = mac[:-1] + ("B" if mac.endswith("A") else "A")
    for forged in (f"8.{exp}.{nonce}.{mac}", f"{card}.{int(exp) + 86400}.{nonce}.{mac}",
                   f"{card}.{exp}.{nonce}.{altered}",
                   "7.1.abc", ""):
        with pytest.raises(links.BadLink):
            links.read(key, forged)
    with pytest.raises(links.BadLink):
        links.read(links.link_key("other secret"), token)


def test_q25_a_signed_but_absurd_expiry_is_a_bad_link_not_a_crash() -> None:
    key = links.link_key("secret")
    payload = f"7.{10**20}.abc"
    token = f"{payload}.{links._mac(key, payload)}"
    with pytest.raises(links.BadLink):
        links.read(key, token)
