"""What a store's POS may tell intake (SPEC §7, CONTRACT "POS"), free of I/O.

Two formats map onto the same messages:
- JSON: ``{store_id, transaction_id, type, occurred_at, ...}`` with ``type`` one of
  ``sale``, ``return_executed``, ``allowance_executed``.
- ARTS POSLog XML (the retail industry's transaction log) for sales: each
  ``Transaction`` with a ``RetailTransaction`` becomes one ``sale``. Mapping [choice]:
  ``RetailStoreID`` → store, ``TransactionID`` (else ``WorkstationID-SequenceNumber``)
  → transaction, ``EndDateTime`` → occurred_at; each ``LineItem/Sale`` with a
  ``SerialNumber`` is an appliance (``ItemID`` = model, ``ExtendedAmount`` = price,
  optional ``WarrantyMonths``); a ``Sale`` with ``ItemType="ExtendedWarranty"`` and
  ``WarrantyYears`` buys an extended warranty for the appliance line named by its
  ``SerialNumber`` (or the only appliance); ``Customer`` gives name, telephone, address
  and district.
A sale without a maker's warranty term gets 12 months [choice], the common appliance term.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from defusedxml import ElementTree
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from shared.rules import RuleBroken

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
DEFAULT_WARRANTY_MONTHS = 12


class PosCustomer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Text
    phone: Annotated[str, StringConstraints(strip_whitespace=True,
                                            pattern=r"^\+?[0-9 ()\-.]{5,30}$")]
    address: Text
    district: Text


class PosItem(BaseModel):
    """One appliance sold, with the extended warranty bought with it, if any."""

    model_config = ConfigDict(extra="ignore")

    model: Text
    serial: Text
    price: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    warranty_months: int = Field(default=DEFAULT_WARRANTY_MONTHS, ge=0, le=240)
    extended_warranty_years: int | None = Field(default=None, ge=1, le=5)


class _Base(BaseModel):
    model_config = ConfigDict(extra="ignore")

    store_id: Id
    transaction_id: Id
    occurred_at: AwareDatetime


class PosSale(_Base):
    type: Literal["sale"]
    customer: PosCustomer
    items: list[PosItem] = Field(min_length=1, max_length=50)


class PosExecution(_Base):
    """The cashier carried out a refund or allowance instruction."""

    type: Literal["return_executed", "allowance_executed"]
    instruction_id: Id
    amount: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


PosMessage = Annotated[PosSale | PosExecution, Field(discriminator="type")]
_adapter: TypeAdapter[PosSale | PosExecution] = TypeAdapter(PosMessage)


def parse_json_message(raw: dict[str, Any]) -> PosSale | PosExecution:
    """Validate a JSON message; a single ``product`` (with an optional top-level
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
        return _adapter.validate_python(data)
    except ValidationError as exc:
        raise _first_error(exc) from exc


def _first_error(exc: ValidationError) -> RuleBroken:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function")) or None
    if field and field.split(".")[0] in ("sale", "return_executed", "allowance_executed"):
        field = ".".join(field.split(".")[1:]) or None
    return RuleBroken(error["msg"], field=field or "type", rule="§7")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node: Any, name: str) -> Any:
    return next((child for child in node.iter() if _local(child.tag) == name), None)


def _text(node: Any, name: str) -> str | None:
    found = _find(node, name) if node is not None else None
    return found.text.strip() if found is not None and found.text else None


def parse_poslog(xml: bytes) -> list[PosSale]:
    """The sales in an ARTS POSLog document (see the module docstring for the mapping)."""
    try:
        root = ElementTree.fromstring(xml)
    except Exception as exc:  # defusedxml raises several types for bad or hostile XML
        raise RuleBroken(f"not well-formed POSLog XML: {exc}", field="body", rule="§7") from exc
    transactions = [n for n in root.iter() if _local(n.tag) == "Transaction"]
    if not transactions:
        raise RuleBroken("no Transaction in the POSLog", field="Transaction", rule="§7")
    return [_poslog_sale(t) for t in transactions]


def _poslog_sale(transaction: Any) -> PosSale:
    retail = _find(transaction, "RetailTransaction")
    if retail is None:
        raise RuleBroken("only RetailTransaction sales are accepted", field="RetailTransaction",
                         rule="§7")
    txn_id = _text(transaction, "TransactionID") or "-".join(
        filter(None, [_text(transaction, "WorkstationID"), _text(transaction, "SequenceNumber")])
    )
    appliances: list[dict[str, Any]] = []
    warranties: list[tuple[str | None, str | None]] = []
    for sale in (n for n in retail.iter() if _local(n.tag) == "Sale"):
        if sale.get("ItemType") == "ExtendedWarranty":
            warranties.append((_text(sale, "SerialNumber"), _text(sale, "WarrantyYears")))
            continue
        item: dict[str, Any] = {
            "model": _text(sale, "ItemID"), "serial": _text(sale, "SerialNumber"),
            "price": _text(sale, "ExtendedAmount"),
        }
        if _text(sale, "WarrantyMonths"):
            item["warranty_months"] = _text(sale, "WarrantyMonths")
        appliances.append(item)
    for serial, years in warranties:
        target = [a for a in appliances if serial is None or a["serial"] == serial]
        if len(target) != 1:
            raise RuleBroken("an extended warranty line must name one appliance's serial",
                             field="SerialNumber", rule="E1")
        target[0]["extended_warranty_years"] = years
    customer = _find(retail, "Customer")
    message = {
        "store_id": _text(transaction, "RetailStoreID"),
        "transaction_id": txn_id or None,
        "type": "sale",
        "occurred_at": _text(transaction, "EndDateTime"),
        "customer": {
            "name": _text(customer, "Name"), "phone": _text(customer, "TelephoneNumber"),
            "address": _text(customer, "AddressLine"), "district": _text(customer, "District"),
        },
        "items": appliances,
    }
    parsed = parse_json_message(message)
    if not isinstance(parsed, PosSale):  # pragma: no cover - type is fixed to "sale" above
        raise RuleBroken("not a sale", field="type", rule="§7")
    return parsed
