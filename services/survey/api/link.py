"""The customer's one-time survey link (SPEC Q25 [choice]): a small phone-friendly page.

``GET /s/{token}`` shows the card's four questions, a comment and an optional complaint
or suggestion; ``POST /s/{token}`` (``application/x-www-form-urlencoded``) records the
answer and uses the link up. No login: the signed token is the only credential, so these
are the only unauthenticated routes besides ``/healthz`` and the docs (CONTRACT "auth").
A link that is not ours answers 403 (the service's ``Forbidden``), a used, expired or
withdrawn one 410 (``WrongState``: "no longer usable"), a bad level 422 naming the
field, each as a readable HTML page. Of twenty submits of one link at once, one is
recorded and the others are told it was already answered (410).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from html import escape
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from shared.context import Context
from shared.rules import Forbidden, RuleBroken, WrongState
from shared.runtime import RuntimeDep

from ..domain import cards as rules
from ..models import SurveyCard
from ..service import answers

router = APIRouter(tags=["survey link"])

_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}
QUESTIONS = {
    "attitude": "The technician's attitude 服務態度",
    "skill": "The technician's skill 技術水平",
    "arrival": "Arrival on time 到達時間",
    "follow_through": "Kept what was promised 承諾履行",
}
LABELS = {4: "Very satisfied 非常滿意", 3: "Satisfied 滿意", 2: "Dissatisfied 不滿意",
          1: "Very dissatisfied 非常不滿意"}
_MAX_BODY = 20_000
_FIELDS = {name: {"type": "string", "enum": ["1", "2", "3", "4"]} for name in rules.DIMENSIONS}
_FORM_SCHEMA = {
    "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
        "schema": {"type": "object", "required": list(rules.DIMENSIONS), "properties": {
            **_FIELDS, "comment": {"type": "string"},
            "complaint_kind": {"type": "string", "enum": list(rules.KINDS)},
            "complaint_severity": {"type": "string", "enum": list(rules.SEVERITIES)},
            "complaint_text": {"type": "string"},
        }}}}},
}


TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def _page(status: int, html: str) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _message(status: int, title: str, message: str) -> HTMLResponse:
    return _page(status, _template("link_message.html").substitute(
        title=escape(title), message=escape(message)))


def _questions(values: Mapping[str, str]) -> str:
    blocks = []
    for name in rules.DIMENSIONS:
        choices = "".join(
            f'<label class="choice"><input type="radio" name="{name}" value="{level}" required'
            f'{" checked" if values.get(name) == str(level) else ""}> '
            f"{level} · {escape(LABELS[level])}</label>"
            for level in sorted(rules.LEVELS, reverse=True)
        )
        blocks.append(f"<fieldset><legend>{escape(QUESTIONS[name])}</legend>{choices}</fieldset>")
    return "\n".join(blocks)


def _technician(ctx: Context, card: SurveyCard) -> str:
    if not card.technician_id:
        return ""
    branch = ctx.branches.get(card.branch)
    member = branch.staff.get(card.technician_id) if branch else None
    name = f"{member.name} ({card.technician_id})" if member else card.technician_id
    return f", served by <strong>{escape(name)}</strong>"


def _form(ctx: Context, card: SurveyCard, values: Mapping[str, str], error: str = "") -> str:
    kind = values.get("complaint_kind", "complaint")
    severity = values.get("complaint_severity", "general")
    return _template("link_form.html").substitute(
        voucher_no=escape(card.voucher_no), technician_line=_technician(ctx, card),
        error=f'<div class="error" role="alert">{escape(error)}</div>' if error else "",
        questions=_questions(values), comment=escape(values.get("comment", "")),
        complaint_text=escape(values.get("complaint_text", "")),
        kind_complaint="checked" if kind != "suggestion" else "",
        kind_suggestion="checked" if kind == "suggestion" else "",
        severity_general="checked" if severity != "serious" else "",
        severity_serious="checked" if severity == "serious" else "",
    )


def _refused(exc: Forbidden | WrongState) -> HTMLResponse:
    if isinstance(exc, Forbidden):
        return _message(403, "Link not valid", exc.message)
    return _message(410, "Link no longer usable", exc.message)


# The link's answers are pages for the customer, refusals included.
_PAGES: dict[int | str, dict[str, Any]] = {
    410: {"description": "the link was used or has expired",
          "content": {"text/html": {"schema": {"type": "string"}}}},
}


@router.get("/s/{token}", response_class=HTMLResponse, responses=_PAGES)
async def show_survey(token: str, rt: RuntimeDep) -> HTMLResponse:
    """The survey page behind a one-time link: four questions, comment, complaint (Q25)."""
    try:
        async with rt.db.reading() as session:
            card = await answers.open_link(rt.context, session, token=token)
            html = _form(rt.context, card, {})
    except (Forbidden, WrongState) as exc:
        return _refused(exc)
    return _page(200, html)


@router.post("/s/{token}", response_class=HTMLResponse, openapi_extra=_FORM_SCHEMA,
             responses=_PAGES)
async def submit_survey(token: str, request: Request, rt: RuntimeDep) -> HTMLResponse:
    """Record the customer's answer from the link's form; the link is then used (Q25, Q26)."""
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        return _message(413, "Too long", "The answer is too long; please shorten it.")
    try:
        form = dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True,
                              max_num_fields=50))
    except ValueError:
        return _message(422, "Not understood", "The answer could not be read; please "
                                               "send the form again.")
    try:
        async with rt.db.transaction() as session:
            await answers.answer_by_link(rt.context, session, token=token, form=form)
    except (Forbidden, WrongState) as exc:
        return _refused(exc)
    except RuleBroken as exc:
        async with rt.db.reading() as session:
            try:
                card = await answers.open_link(rt.context, session, token=token)
            except (Forbidden, WrongState) as again:
                return _refused(again)
            field = exc.field or ""
            label = QUESTIONS.get(field, field)
            rule = f" (SPEC {exc.rule})" if exc.rule else ""
            error = f"{field}: {exc.message}{rule} — please check “{label}”."
            return _page(422, _form(rt.context, card, form, error))
    return _message(200, "Thank you! 謝謝！",
                    "Your answer has been recorded. If you reported a complaint, "
                    "we will contact you about it.")
