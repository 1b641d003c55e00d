"""The S20 expiry notice as a letter to the contract holder (issue 14).

Invariant: ``contracts.send_due_notices`` stamps the notice, records it and queues this
letter (``ctx.letters.queue``, unique per ``("expiry_notice", contract_no)``) in one
transaction, so each contract's notice is one letter, mailed once by the relay, and a
rolled-back watcher run leaves none. The printable notice uses the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.letter_text import LetterText, letter_language
from shared.letters import Letter

from ..domain import letters as texts
from ..models import BillingVoucher, Contract, ExpiryNotice
from .holders import holder


@dataclass(frozen=True)
class Addressee:
    """Whom the notice is for and how it reaches them."""

    name: str
    email: str | None
    address: str | None
    language: str


async def addressee(ctx: Context, session: AsyncSession, contract: Contract) -> Addressee:
    """The holder as billing knows them: the contact intake's events carried; without one,
    the name on their latest voucher, else the customer number (the letter then waits,
    to be printed, for someone to write the address by hand)."""
    branch = ctx.branch(contract.branch)
    known = await holder(session, contract.customer_id)
    if known is not None:
        return Addressee(name=known.name, email=known.email, address=known.address,
                         language=letter_language(known.language, branch.language))
    name = await session.scalar(
        select(BillingVoucher.customer_name).where(
            BillingVoucher.customer_id == contract.customer_id)
        .order_by(BillingVoucher.created_at.desc()).limit(1))
    return Addressee(name=name or f"#{contract.customer_id}", email=None, address=None,
                     language=letter_language(None, branch.language))


def notice_text(contract: Contract, notice: ExpiryNotice, to: Addressee) -> LetterText:
    """The words of the notice, in the holder's language (letter and PDF alike)."""
    return texts.expiry_notice_letter(
        language=to.language, name=to.name, contract_no=contract.contract_no,
        branch=contract.branch, starts_on=contract.starts_on, ends_on=contract.ends_on,
        issued_on=notice.issued_on,
    )


async def queue_notice_letter(ctx: Context, session: AsyncSession, *, contract: Contract,
                              notice: ExpiryNotice, actor: Actor) -> Letter:
    """S20: queue the expiry notice to the holder, by e-mail or for the post."""
    to = await addressee(ctx, session, contract)
    letter = notice_text(contract, notice, to)
    return await ctx.letters.queue(
        session, kind=texts.KIND, ref=contract.contract_no, to_email=to.email,
        to_name=to.name, to_postal=to.address, language=letter.language,
        subject=letter.subject, text=letter.text, actor=actor, branch=contract.branch,
    )
