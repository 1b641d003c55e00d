"""One number, one customer (SPEC §1 customer file): phone numbers in E.164, free of I/O.

A phone is read with the branch's region as the default (``13452928970`` in a Chinese
branch is ``+8613452928970``), so the same number written two ways finds the same file.
A number that cannot be a real one is refused, naming the field.
"""

from __future__ import annotations

import phonenumbers

from shared.rules import RuleBroken


def normalise_phone(phone: str, *, region: str = "CN", field: str = "phone") -> str:
    """The number in E.164 (``+8613800000001``), or 422 naming ``field``."""
    try:
        parsed = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException as exc:
        raise RuleBroken(f"{phone!r} is not a phone number", field=field, rule="§1") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise RuleBroken(f"{phone!r} is not a valid phone number in {region}", field=field,
                         rule="§1")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
