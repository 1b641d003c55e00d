"""The letters page every service serves (issue 14): ``GET /letters``, a failed letter's
``POST /letters/{letter_id}/retry`` and the printable ``GET /letters/{letter_id}/pdf``.

Who sees them (docs/rules.md "Letters"): the role that owns the service's letters —
service_dept in survey (the survey link), accountant and branch_manager in billing (the
S20 expiry notice), gm_office, vice_gm and service_dept in complaints (the Q26 outcome
letter) — and
admin everywhere. Branch staff see only their own branch's letters; a head-office
(branchless) caller sees every branch, or the one asked for.
"""

# No ``from __future__ import annotations``: the routes' ``Keeper`` alias is local to
# letters_router, and FastAPI must see it as an object, not as a string to resolve.
import re
import uuid
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..auth import Actor, roles, scoped_branch
from ..fields import Code
from ..letters import STATUSES, Letter
from ..rules import NotFound
from . import i18n, pdf

if TYPE_CHECKING:
    from .console import Console

LETTER_KEEPERS: dict[str, tuple[str, ...]] = {
    "survey": ("service_dept", "admin"),
    "billing": ("accountant", "branch_manager", "admin"),
    # service_dept records the Q26 letter step, so it follows the outcome letter it sent
    "complaints": ("gm_office", "vice_gm", "service_dept", "admin"),
}
ADMIN_ONLY = ("admin",)


def keepers(service: str) -> tuple[str, ...]:
    """The roles that may see and retry ``service``'s letters."""
    return LETTER_KEEPERS.get(service, ADMIN_ONLY)


def _visible(actor: Actor, letter: Letter) -> bool:
    # a branchless letter is head office's; branch staff see only their own branch's
    return actor.branch is None or letter.branch == actor.branch


def letters_router(console: "Console") -> APIRouter:
    """The letters pages of ``console``'s service."""
    from .console import pages_router

    router = pages_router()
    Keeper = Annotated[Actor, Depends(roles(*keepers(console.service)))]
    runtime = console.runtime

    async def load(letter_id: uuid.UUID, actor: Actor) -> Letter:
        async with runtime.db.reading() as session:
            letter = await runtime.letters.get(session, letter_id)
        if not _visible(actor, letter):
            raise NotFound(f"no letter {letter_id}", field="letter_id")
        return letter

    @router.get("/letters", response_class=HTMLResponse)
    async def letters_page(
        request: Request, actor: Keeper,
        status: Annotated[str | None, Query(max_length=16)] = None,
        kind: Annotated[str | None, Query(max_length=40)] = None,
        branch: Annotated[Code | None, Query()] = None,
    ) -> HTMLResponse:
        """The service's letters to customers, newest first: pending, sent, failed or
        waiting to be printed, with attempts and the last error."""
        where = scoped_branch(actor, branch or None)
        wanted = status if status in STATUSES else None
        async with runtime.db.reading() as session:
            rows = await runtime.letters.listing(session, branch=where, status=wanted,
                                                 kind=kind or None)
        return console.render(request, "letters.html", actor=actor, letters=rows,
                              status=wanted or "", kind=kind or "", statuses=STATUSES,
                              where=where)

    @router.post("/letters/{letter_id}/retry")
    async def retry_letter(letter_id: uuid.UUID, request: Request,
                           actor: Keeper) -> Response:
        """Queue a failed letter again for another round of attempts."""
        letter = await load(letter_id, actor)
        async with runtime.db.transaction() as session:
            await runtime.letters.retry(session, letter.id)
            await runtime.audit.record(
                session, actor=actor, action="letter.retried", subject_type="letter",
                subject_id=str(letter.id),
                detail={"kind": letter.kind, "ref": letter.ref,
                        "last_error": letter.last_error})
        return RedirectResponse("/letters", status_code=303)

    @router.get("/letters/{letter_id}/pdf")
    async def letter_pdf(letter_id: uuid.UUID, request: Request, actor: Keeper) -> Response:
        """The letter on paper for postal mail, in the customer's language: sender,
        address block, date, subject and body."""
        letter = await load(letter_id, actor)
        lang = letter.language if letter.language in i18n.LANGUAGES else (
            console.language(request, actor))
        _ = console.gettext(lang)
        branch = runtime.branches.get(letter.branch or "") or runtime.context.head_office()
        fmt = i18n.Formats(lang, zone=branch.zone, currency=branch.currency)
        body = pdf.letter_pdf(
            sender=[branch.name], recipient=[letter.to_name, letter.to_postal or ""],
            date_line=fmt.date(letter.created_at, "long"), subject=letter.subject,
            body=letter.text, reference=f"{_('Reference')}: {letter.ref}", lang=lang,
        )
        # a header value: only characters every client reads in a file name
        name = re.sub(r"[^A-Za-z0-9._-]", "_", f"letter-{letter.kind}-{letter.ref}") + ".pdf"
        return Response(body, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    return router
