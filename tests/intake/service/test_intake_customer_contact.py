"""Issue 14 on intake's service layer: a customer's e-mail (validated at the edge) and
letter language (default the branch's), corrected with an audit entry, and carried by
``CallRegistered`` to the services that write to the customer."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.intake.schemas import CallIn, ContactIn, CustomerIn
from services.intake.service import calls, customers
from shared.events.intake import CallRegistered
from shared.rules import WrongState
from tests.intake.support import CLERK_ACTOR, file_with_product, unit


def _customer(**over: str | None) -> CustomerIn:
    return CustomerIn.model_validate({"name": "Wu Mei", "phone": "13452928970",
                                      "address": "88 Huaihai Rd", "district": "Huangpu",
                                      "branch": "SC01", **over})


async def test_email_and_language_are_kept_and_language_defaults_to_the_branchs() -> None:
    async with unit() as (ctx, _outbox, db):
        async with db.transaction() as session:
            given, _ = await customers.register_customer(
                ctx, session, actor=CLERK_ACTOR,
                data=_customer(email="Wu.Mei@Example.COM", language="zh-Hant"))
            default, _ = await customers.register_customer(
                ctx, session, actor=CLERK_ACTOR, data=_customer(phone="13452928971"))
        # the domain is case-insensitive and lower-cased; the mailbox part is kept
        assert (given.email, given.language) == ("Wu.Mei@example.com", "zh-Hant")
        assert (default.email, default.language) == (None, "zh-Hans")  # SC01's language


@pytest.mark.parametrize("bad", ["wu", "wu@", "@example.com", "wu@example", "wu mei@x.com",
                                 "wu@@example.com", "wu@exa_mple.com", "a\n@b.com",
                                 "x" * 65 + "@example.com"])
def test_an_unusable_email_is_refused_at_the_edge(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        _customer(email=bad)
    assert err.value.errors()[0]["loc"] == ("email",)


def test_only_the_three_letter_languages_are_accepted() -> None:
    with pytest.raises(ValidationError):
        _customer(language="fr")
    with pytest.raises(ValidationError):
        ContactIn.model_validate({"language": "zh"})


async def test_contact_is_corrected_with_an_audit_entry_and_travels_with_the_next_call() -> None:
    async with unit() as (ctx, outbox, db):
        customer_id, product_id = await file_with_product(ctx, db)
        async with db.transaction() as session:
            updated = await customers.update_contact(
                ctx, session, actor=CLERK_ACTOR, customer_id=customer_id,
                data=ContactIn(email="wu@example.com", language="en"))
            history = await ctx.audit.history(session, subject_type="customer",
                                              subject_id=customer_id)
        assert (updated.email, updated.language) == ("wu@example.com", "en")
        (entry,) = [e for e in history if e["action"] == "customer.contact_updated"]
        assert entry["detail"]["before"] == {"email": None, "language": "zh-Hans"}
        async with db.atomic() as session:
            await calls.register_call(ctx, session, actor=CLERK_ACTOR, data=CallIn(
                customer_id=customer_id, product_id=product_id, symptom="no picture"))
        (event,) = [e for e in outbox.committed if isinstance(e, CallRegistered)]
        assert (event.customer_email, event.customer_language, event.customer_address) == (
            "wu@example.com", "en", "88 Huaihai Rd")
        # no e-mail any more: letters go by post; no language: the branch's
        async with db.transaction() as session:
            cleared = await customers.update_contact(ctx, session, actor=CLERK_ACTOR,
                                                     customer_id=customer_id, data=ContactIn())
        assert (cleared.email, cleared.language) == (None, "zh-Hans")


async def test_a_merged_files_contact_cannot_be_changed() -> None:
    async with unit() as (ctx, _outbox, db):
        survivor, _ = await file_with_product(ctx, db, phone="13800000001")
        duplicate, _ = await file_with_product(ctx, db, phone="13800000002")
        async with db.transaction() as session:
            await customers.merge_customers(ctx, session, actor=CLERK_ACTOR,
                                            survivor_id=survivor, duplicate_id=duplicate)
        with pytest.raises(WrongState):
            async with db.transaction() as session:
                await customers.update_contact(ctx, session, actor=CLERK_ACTOR,
                                               customer_id=duplicate, data=ContactIn())


def test_old_call_registered_payloads_still_parse() -> None:
    old = {"call_id": 1, "voucher_no": "V1", "branch": "SC01", "customer_id": 1,
           "customer_name": "Wu", "district": "Huangpu", "product_id": 1, "model": "TV",
           "serial": "S", "symptom": "x", "category": "C", "sla_class": "urban",
           "received_at": "2026-03-16T02:00:00Z", "arrival_due_at": "2026-03-16T08:00:00Z",
           "registered_by": "C01"}
    event = CallRegistered.model_validate(old)
    assert (event.customer_email, event.customer_language, event.customer_address) == (
        None, None, None)
