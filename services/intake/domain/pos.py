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

Bounded work: a POSLog document is read in one streaming pass that refuses it the moment
it nests deeper than ``MAX_DEPTH`` elements (no ARTS sale needs more than a dozen), and
each field is looked up among a few levels of children only, so the work grows linearly
with the document, whatever its shape. The signature is checked before any of this
(``service.pos``), and each message is validated like a JSON one (``schemas``).
"""

from __future__ import annotations

import io
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from shared.rules import RuleBroken

DEFAULT_WARRANTY_MONTHS = 12
MAX_DEPTH = 64  # elements; a real POSLog sale nests about ten deep
_FIELD_DEPTH = 3  # how far below its element a field may sit (Customer/Address/District)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_xml(xml: bytes, *, max_depth: int = MAX_DEPTH) -> Element:
    """The document's root, read in one pass; refused as soon as it nests too deep.

    defusedxml refuses DTDs, entities and external references (billion laughs, XXE).
    """
    depth = 0
    root: Element | None = None
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                if depth > max_depth:
                    raise RuleBroken(f"the document nests deeper than {max_depth} elements",
                                     field="body", rule="§7")
            else:
                depth -= 1
    except RuleBroken:
        raise
    except Exception as exc:  # defusedxml raises several types for bad or hostile XML
        raise RuleBroken(f"not well-formed POSLog XML: {str(exc)[:200]}", field="body",
                         rule="§7") from exc
    if root is None:  # pragma: no cover - expat refuses an empty document first
        raise RuleBroken("an empty document", field="body", rule="§7")
    return root


def _children(node: Element, name: str) -> list[Element]:
    return [child for child in node if _local(child.tag) == name]


def _find(node: Element | None, name: str, depth: int = _FIELD_DEPTH) -> Element | None:
    """The first element called ``name`` at most ``depth`` levels below ``node``."""
    level = [node] if node is not None else []
    for _ in range(depth):
        level = [child for parent in level for child in parent]
        for child in level:
            if _local(child.tag) == name:
                return child
    return None


def _text(node: Element | None, name: str) -> str | None:
    found = _find(node, name)
    return found.text.strip() if found is not None and found.text else None


def poslog_messages(xml: bytes) -> list[dict[str, Any]]:
    """The sales of an ARTS POSLog document as POS messages (the module docstring gives
    the mapping); the messages are then validated like JSON ones (``schemas.pos``)."""
    root = read_xml(xml)
    transactions = _children(root, "Transaction")
    if not transactions:
        raise RuleBroken("no Transaction in the POSLog", field="Transaction", rule="§7")
    return [_poslog_sale(t) for t in transactions]


def _poslog_sale(transaction: Element) -> dict[str, Any]:
    retail = next(iter(_children(transaction, "RetailTransaction")), None)
    if retail is None:
        raise RuleBroken("only RetailTransaction sales are accepted", field="RetailTransaction",
                         rule="§7")
    txn_id = _text(transaction, "TransactionID") or "-".join(
        filter(None, [_text(transaction, "WorkstationID"), _text(transaction, "SequenceNumber")])
    )
    appliances: list[dict[str, Any]] = []
    warranties: list[tuple[str | None, str | None]] = []
    sales = [sale for line in _children(retail, "LineItem") for sale in _children(line, "Sale")]
    for sale in sales:
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
    customer = next(iter(_children(retail, "Customer")), None)
    message: dict[str, Any] = {
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
    return message
