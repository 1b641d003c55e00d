"""Intake's request and response bodies (CONTRACT "Intake", "POS").

Every input is checked at the edge (issue 11): ids are strict integers within the
databases' range, text carries no control characters and fits its column, times and
dates lie in the plausible window of ``shared.fields``, money is exact
(``shared.money``). Whether a time lies in the future is the use case's check, against
its clock and the branch's calendar.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from shared.fields import Code, Email, LetterLanguage, PastDate, PastInstant, RecordId, ShortText
from shared.fields import Text as FreeText
from shared.money import MoneyIn
from shared.rules import RuleBroken

from .domain.pos import DEFAULT_WARRANTY_MONTHS


def _filled(value: str) -> str:
    if not value:
        raise ValueError("must not be blank")
    return value


def _line(max_length: int) -> Any:
    """One line of text, not blank, at most ``max_length`` characters (its column)."""
    return Annotated[ShortText, StringConstraints(max_length=max_length),
                     AfterValidator(_filled)]


Name = _line(120)
Address = _line(300)
District = _line(80)
Model = _line(80)
# Loose on purpose: the number itself is read and normalised to E.164 by the use case,
# with the branch's region (domain.customers); this only keeps junk out.
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()\-.]{5,30}$")]
Months = Annotated[int, Field(strict=True, ge=0, le=240)]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    phone: Phone
    address: Address
    district: District
    branch: Annotated[Code, StringConstraints(max_length=16)]
    # Letters to the customer (issue 14): optional; the language defaults to the branch's.
    email: Email | None = None
    language: LetterLanguage | None = None


class ContactIn(BaseModel):
    """The customer's e-mail and letter language, as the counter corrects them."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    language: LetterLanguage | None = None


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    phone: str
    address: str
    district: str
    branch: str
    created_at: datetime
    merged_into: int | None = None
    email: str | None = None
    language: str | None = None


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: RecordId
    model: Model
    serial: Model
    purchased_on: PastDate
    warranty_months: Months
    seller: Name | None = None
    # SPEC R2b: the 三包 category (a key of shared/reference/sanbao.json); none: no offer.
    category: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True,
                                               pattern=r"^[A-Za-z0-9_]{1,40}$")] | None = None


class CoverOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    ref: str | None = Field(description="the contract's number; null while an extended "
                            "warranty sold at a store waits for billing's number")
    pending: bool = False
    starts_on: date
    ends_on: date


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    model: str
    serial: str
    purchased_on: date
    warranty_months: int
    warranty_ends_on: date
    seller: str | None
    category: str | None = None  # SPEC R2b


class ProductFileOut(ProductOut):
    covers: list[CoverOut] = []


class CustomerFileOut(CustomerOut):
    """The customer file: the customer, their products and what covers each (SPEC §1)."""

    merged_at: datetime | None = None
    merged_by: str | None = None
    products: list[ProductFileOut] = []
    call_ids: list[int] = []
    merged_duplicates: list[int] = []


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: RecordId


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: RecordId
    product_id: RecordId
    symptom: Annotated[FreeText, StringConstraints(max_length=2000), AfterValidator(_filled)]
    received_at: PastInstant | None = None
    # SPEC CT1: why a receipt older than the branch's desk window is recorded now; with
    # a supervisor's or branch manager's token it is then accepted as back-dated.
    backdate_reason: Annotated[FreeText, StringConstraints(max_length=500)] | None = None
    channel: Annotated[str, StringConstraints(pattern=r"^(phone|document|pos|web)$")] = "phone"


class CallOut(BaseModel):
    """A line of the register; ``status`` per CONTRACT, filing shown by ``filed_at``."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    branch: str
    voucher_no: str
    customer_id: int
    product_id: int
    customer_name: str
    phone: str
    address: str
    district: str
    model: str
    symptom: str
    channel: str
    category: str
    category_reason: str | None = Field(
        default=None, description="why the category changed after registration (SPEC E3: "
        "billing refused the cover, e.g. misuse)")
    category_before: str | None = None
    cover_refused_ref: str | None = None
    sla_class: str
    received_at: datetime = Field(description="the claimed receipt time (SPEC CT1)")
    recorded_at: datetime | None = Field(description="when intake recorded the call")
    backdated: bool = Field(description="received longer before it was recorded than the "
                            "branch's window allows, on an approver's authority (CT1)")
    backdate_reason: str | None
    backdate_approved_by: str | None
    register_date: date
    arrival_due_at: datetime
    arrival_due_provisional: bool = Field(
        description="the deadline counted a day of a year with no official holiday "
        "schedule loaded (SPEC S19)")
    status: str
    registered_by: str
    priority: bool
    priority_reason: str | None
    sanbao_remedy: str | None = Field(
        default=None, description="SPEC R2b: the 三包 remedy the call offers (return = a "
        "refund, replace, repair), null when the product's category has none or is past "
        "its windows")
    sanbao_window_ends_on: date | None = Field(
        default=None, description="the last day the offered 三包 remedy can be taken")
    technician_id: str | None
    dispatched_at: datetime | None
    in_service_at: datetime | None
    completed_at: datetime | None
    filed: bool = False
    filed_at: datetime | None
    filed_by: str | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None

    @classmethod
    def of(cls, call: object) -> CallOut:
        """The register line of ``call``, with ``filed`` derived from ``filed_at``."""
        out = cls.model_validate(call)
        return out.model_copy(update={"filed": out.filed_at is not None})


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[FreeText, StringConstraints(min_length=1, max_length=500)]


class FlaggedCall(BaseModel):
    call_id: int
    voucher_no: str
    register_date: date


class ReconciliationOut(BaseModel):
    """A morning reconciliation: the calls it sent to the supervisor as priority (S18)."""

    branch: str
    date: date
    run_by: str
    flagged: list[FlaggedCall]
    priority_calls: list[FlaggedCall]


class PosRejectOut(BaseModel):
    """A refused POS message: its headers, size, hash and first bytes (SPEC §7)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    store_id: str | None
    transaction_id: str | None
    status_code: int
    reason: str
    field: str | None
    headers: dict[str, str]
    size: int
    sha256: str
    body: str = Field(description="the first bytes of the body (at most 4 kB), as text")
    truncated: bool


class ClaimIn(BaseModel):
    """The serial of an anonymously sold product a caller claims (issue 15)."""

    model_config = ConfigDict(extra="forbid")

    serial: Model


# POS messages (CONTRACT "POS"): JSON bodies, and the sales read from POSLog documents.
PosId = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                         pattern=r"^[A-Za-z0-9_.:\-]+$")]


class PosCustomer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Name
    phone: Phone
    address: Address
    district: District


class PosItem(BaseModel):
    """One appliance sold, with the extended warranty bought with it, if any."""

    model_config = ConfigDict(extra="ignore")

    model: Model
    serial: Model
    price: Annotated[MoneyIn, Field(gt=0)]
    warranty_months: int = Field(default=DEFAULT_WARRANTY_MONTHS, ge=0, le=240)
    extended_warranty_years: int | None = Field(default=None, ge=1, le=5)


class _PosBase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    store_id: PosId
    transaction_id: PosId
    occurred_at: PastInstant


class PosSale(_PosBase):
    type: Literal["sale"]
    # None: an anonymous sale; its products wait by serial for the first caller (issue 15)
    customer: PosCustomer | None = None
    items: list[PosItem] = Field(min_length=1, max_length=50)


class PosExecution(_PosBase):
    """The cashier carried out a refund or allowance instruction."""

    type: Literal["return_executed", "allowance_executed"]
    instruction_id: PosId
    amount: MoneyIn


PosMessage = Annotated[PosSale | PosExecution, Field(discriminator="type")]
_pos_adapter: TypeAdapter[PosSale | PosExecution] = TypeAdapter(PosMessage)


def parse_pos_message(raw: dict[str, Any]) -> PosSale | PosExecution:
    """Validate a POS message (SPEC §7); a single ``product`` (with an optional top-level
    ``extended_warranty: {years}``) is accepted as shorthand for one item."""
    data = dict(raw)
    if data.get("type") == "sale" and "items" not in data and isinstance(
        data.get("product"), dict
    ):
        item = dict(data["product"])
        warranty = data.get("extended_warranty")
        if isinstance(warranty, dict) and "years" in warranty:
            item["extended_warranty_years"] = warranty["years"]
        data["items"] = [item]
    try:
        return _pos_adapter.validate_python(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = [str(p) for p in error["loc"] if not str(p).startswith("function")]
        if path and path[0] in ("sale", "return_executed", "allowance_executed"):
            path = path[1:]
        message = str(error["msg"]).removeprefix("Value error, ")
        raise RuleBroken(message, field=".".join(path) or "type", rule="§7") from exc
