"""Contract expiry notices (SPEC S20): those issued, with their letter to the holder
(issue 14: e-mailed, or to print), those falling due within a month, and the printed
notice (保養到期通知書) as PDF."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.letters import Letter
from shared.runtime import Runtime, RuntimeDep
from shared.web import pdf
from shared.web.i18n import Formats

from ..api.params import DocNo
from ..api.roles import Accounting, ContractReader
from ..domain import letters as texts
from ..service import contracts
from ..service.notice_letters import notice_text
from . import router

AHEAD = timedelta(days=31)


async def _letters_of(rt: Runtime, session: AsyncSession,
                      contract_nos: list[str]) -> dict[str, Letter]:
    """The notice letter of each contract that has one, in one query (issue 14)."""
    if not contract_nos:
        return {}
    table = rt.context.letters.table
    rows = await session.execute(select(table).where(
        table.c.kind == texts.KIND, table.c.ref.in_(contract_nos)))
    return {row.ref: Letter.of(row) for row in rows}


@router.get("/expiry-notices", response_class=HTMLResponse)
async def expiry_notices(request: Request, rt: RuntimeDep, actor: ContractReader) -> HTMLResponse:
    """The caller's branch's expiry notices, and the contracts whose notice is coming (S20)."""
    branches = [actor.branch] if actor.branch else sorted(rt.branches)
    now = rt.clock.now()
    issued, coming = [], []
    async with rt.db.reading() as session:
        for branch in branches:
            issued += await contracts.expiry_notices(session, branch=branch)
            coming += await contracts.notices_coming(session, branch=branch, until=now + AHEAD)
        letters = await _letters_of(rt, session, [n.contract_no for n in issued])
    issued.sort(key=lambda n: (n.ends_on, n.contract_no))
    return request.app.state.console.render(
        request, "billing_notices.html", actor=actor, issued=issued, coming=coming, now=now,
        letters=letters, may_print=actor.role in ("accountant", "admin"))


@router.get("/contracts/{contract_no}/expiry-notice/pdf")
async def expiry_notice_pdf(
    contract_no: DocNo, request: Request, rt: RuntimeDep, actor: Accounting
) -> Response:
    """The issued expiry notice on paper, in the holder's language, for the post (S20)."""
    async with rt.db.reading() as session:
        contract, notice, to = await contracts.issued_notice(
            rt.context, session, contract_no, actor=actor)
    console = request.app.state.console
    # The notice is the holder's letter: printed in their language, not the reader's.
    lang = to.language
    _ = console.gettext(lang)
    branch = rt.branches[contract.branch]
    fmt = Formats(lang, zone=branch.zone, currency=branch.currency)
    letter = notice_text(contract, notice, to)
    paragraphs = [part.strip() for part in letter.text.split("\n\n") if part.strip()]
    form = pdf.PaperForm(
        title=_("Maintenance contract expiry notice"), number=contract.contract_no,
        sections=[
            pdf.Section(fields=[
                (_("To"), to.name),
                (_("Postal address"), to.address or "—"),
                (_("Contract"), contract.contract_no),
                (_("Term"), f"{fmt.date(contract.starts_on)} – {fmt.date(contract.ends_on)}"),
                (_("Branch"), f"{branch.code} {branch.name}"),
                (_("Notice issued"), fmt.date(notice.issued_on)),
            ]),
            pdf.Section(title=letter.subject, header=[_("Notice")],
                        rows=[[para] for para in paragraphs]),
        ],
        signatures=[pdf.Signature(_("Branch"), f"{branch.code} {branch.name}")],
        footer=_("Printed by the after-sales service system."),
    )
    return Response(pdf.render(form, lang), media_type="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="{contract.contract_no}-expiry-notice.pdf"'})
