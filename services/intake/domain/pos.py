"""What a store's POS may tell intake (SPEC §7, CONTRACT "POS"), free of I/O.

Two formats map onto the same messages:
- JSON: ``{store_id, transaction_id, type, occurred_at, ...}`` with ``type`` one of
  ``sale``, ``return_executed``, ``allowance_executed``.
- ARTS POSLog XML (2.x and V6), as stores send it (issue 15): every ``Transaction`` gets
  an answer of its own. A ``RetailTransaction`` with appliance lines becomes one
  ``sale``; control records (sign-on, till opening, ...), cancelled or training
  transactions and sales without an appliance are skipped, with the reason. Where each
  field sits in either version is the one table of ``pos_names``.
- Lines: voided ones are ignored; return and negative lines are reported as not handled
  (a return goes through the returns flow, SPEC R*); a line without a serial number, not
  warrantable, or outside the store's appliance categories is ignored and reported.
- Identity [choice]: store + business day + workstation + sequence
  (``2026-11-21:POS-3-1001``), because sequence numbers restart each business day; the
  business day is ``BusinessDayDate``, else the transaction's local date. Without a
  workstation and sequence, ``TransactionID``.
- Times without an offset are the store's local time (its ``timezone``, else its
  branch's zone).
- The declared encoding is honoured (GBK, GB2312 and GB18030 read as GB18030, Big5 as
  cp950, ISO-8859-1, ...): the document is re-encoded to UTF-8 before parsing, as expat
  reads no multi-byte legacy encoding. The signature was checked over the raw bytes.
- A customer without a phone number is an anonymous sale: ``customer`` is None and the
  products wait, by serial, for their owner's first call.
A sale without a maker's warranty term gets 12 months [choice], the common appliance term.

Bounded work: a POSLog document is read in one streaming pass that refuses it the moment
it nests deeper than ``MAX_DEPTH`` elements (no ARTS sale needs more than a dozen), and
each field is looked up among a few levels of children only, so the work grows linearly
with the document, whatever its shape. The signature is checked before any of this
(``service.pos``), and each message is validated like a JSON one (``schemas``).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from shared.rules import RuleBroken

from . import pos_names as n

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




def _child(node: Element | None, name: str) -> Element | None:
    return next(iter(_children(node, name)), None) if node is not None else None


def _child_text(node: Element | None, name: str) -> str | None:
    found = _child(node, name)
    return found.text.strip() if found is not None and found.text and found.text.strip() \
        else None


def _fields(node: Element) -> dict[str, str]:
    """The text of the first element of each name at most ``_FIELD_DEPTH`` levels below
    ``node``, nearest first: one walk per line instead of one per field."""
    found: dict[str, str] = {}
    level = [node]
    for _ in range(_FIELD_DEPTH):
        level = [child for parent in level for child in parent]
        for child in level:
            name = _local(child.tag)
            if name not in found and child.text and child.text.strip():
                found[name] = child.text.strip()
    return found


def _first_text(node: Element | None, names: tuple[str, ...]) -> str | None:
    for name in names:
        found = _text(node, name)
        if found:
            return found
    return None


def _flag(node: Element | None, name: str) -> bool:
    """An ARTS flag, given as an attribute or as a child element."""
    if node is None:
        return False
    value = node.get(name) or _child_text(node, name)
    return value is not None and value.strip().lower() in n.TRUE


# --- the declared encoding --------------------------------------------------------------

_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]{1,40})["']""")
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950"}


def to_utf8(xml: bytes) -> bytes:
    """The document in UTF-8 with its declaration saying so, read in its declared
    encoding; refused (rule §7) when that encoding is unknown or does not read it."""
    if xml.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return xml  # expat reads these itself
    declared = _DECLARATION.match(xml[:300])
    if declared is None:
        return xml
    name = declared.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name).name
    except LookupError as exc:
        raise RuleBroken(f"unknown declared encoding {name!r}", field="body",
                         rule="§7") from exc
    if codec in ("utf-8", "ascii"):
        return xml
    codec = _SUPERSETS.get(codec, codec)
    try:
        text = xml.decode(codec)
    except (UnicodeDecodeError, LookupError) as exc:
        raise RuleBroken(f"the body does not read as its declared {name}", field="body",
                         rule="§7") from exc
    start, end = declared.span(1)
    prefix = xml[:start].decode("ascii", errors="replace")
    return (prefix + "UTF-8" + text[len(xml[:end].decode(codec)):]).encode("utf-8")


# --- one Transaction --------------------------------------------------------------------

@dataclass
class PosLogEntry:
    """What one ``Transaction`` of a document says: a sale to apply, or why it is skipped,
    and which of its lines were not registered (with why)."""

    index: int
    store_id: str | None
    transaction_id: str | None
    message: dict[str, Any] | None = None
    skipped: str | None = None
    lines: list[dict[str, Any]] = field(default_factory=list)


def poslog_transactions(xml: bytes, *, zone: tzinfo,
                        appliance_categories: frozenset[str] = frozenset()
                        ) -> list[PosLogEntry]:
    """Each transaction of a POSLog document (the module docstring gives the mapping).

    Refused as a whole (RuleBroken, field ``body``) only when the body is not a POSLog.
    """
    root = read_xml(to_utf8(xml))
    if _local(root.tag) == "Transaction":  # a one-transaction log without its wrapper
        transactions = [root]
    elif _local(root.tag) == "POSLog":
        transactions = _children(root, "Transaction")
    else:
        raise RuleBroken(f"not a POSLog document (its root is {_local(root.tag)[:40]!r})",
                         field="body", rule="§7")
    return [_entry(i, t, root, zone=zone, categories=appliance_categories)
            for i, t in enumerate(transactions)]


def _entry(index: int, transaction: Element, root: Element, *, zone: tzinfo,
           categories: frozenset[str]) -> PosLogEntry:
    # Some logs (NCR ACS) give the store and business day once, on the POSLog itself.
    store = (_child_text(transaction, n.STORE[0])
             or _child_text(_child(transaction, n.STORE_V6[0]), n.STORE_V6[1])
             or _child_text(root, n.STORE[0]))
    occurred = _time(transaction, zone)
    entry = PosLogEntry(index, store, _identity(transaction, root, occurred))
    retail = _child(transaction, n.SALE_TRANSACTION)
    if retail is None:
        kinds = [_local(c.tag) for c in transaction if _local(c.tag).endswith("Transaction")]
        entry.skipped = f"control transaction ({kinds[0]})" if kinds else \
            "not a sale (no RetailTransaction)"
        return entry
    status = (retail.get("TransactionStatus") or "").strip().lower()
    flags = [f for f in n.NOT_LIVE_FLAGS if _flag(transaction, f) or _flag(retail, f)]
    if flags or status in n.NOT_LIVE_STATUS:
        entry.skipped = f"not a live sale ({flags[0] if flags else status})"
        return entry
    items = _appliances(retail, entry.lines, categories)
    if not items:
        entry.skipped = "no appliance line" if not any(
            line["status"] == "not_handled" for line in entry.lines) \
            else "return or negative lines only: not handled"
        return entry
    entry.message = {
        "store_id": store, "transaction_id": entry.transaction_id, "type": "sale",
        "occurred_at": occurred.isoformat() if isinstance(occurred, datetime) else occurred,
        "customer": _customer(_find(transaction, n.CUSTOMER)), "items": items,
    }
    return entry


def _time(transaction: Element, zone: tzinfo) -> datetime | str | None:
    """The transaction's time; an offsetless one is the store's local time."""
    typed = [c for c in _children(transaction, n.TIME_V6)
             if (c.get("TypeCode") or "Transaction") == "Transaction"]
    raw = (typed[0].text or "").strip() if typed else None
    for name in n.TIME:
        raw = raw or _child_text(transaction, name)
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        return raw  # left for the message's validation to refuse, naming the field
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)


_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]+")


def _identity(transaction: Element, root: Element, occurred: object) -> str | None:
    """Business day + workstation + sequence (sequences restart each day), else the id."""
    workstation = _child_text(transaction, n.WORKSTATION)
    sequence = _child_text(transaction, n.SEQUENCE)
    if not (workstation and sequence):
        return _safe_id(_child_text(transaction, n.TRANSACTION_ID))
    day = _child_text(transaction, n.BUSINESS_DAY) or _child_text(root, n.BUSINESS_DAY)
    if not day and isinstance(occurred, datetime):
        day = occurred.date().isoformat()
    key = f"{workstation}-{sequence}"
    return _safe_id(f"{day[:10]}:{key}" if day else key)


def _safe_id(raw: str | None) -> str | None:
    """An id fit for the key column (64 characters of ``[A-Za-z0-9_.:-]``); a longer one
    keeps a readable head and a hash of the whole, so distinct ids stay distinct."""
    if raw is None:
        return None
    clean = _ID_UNSAFE.sub("_", raw)
    if len(clean) <= 64 and clean == raw:
        return clean
    return f"{clean[:47]}.{hashlib.sha256(raw.encode()).hexdigest()[:16]}"


def _appliances(retail: Element, report: list[dict[str, Any]],
                categories: frozenset[str]) -> list[dict[str, Any]]:
    appliances: list[dict[str, Any]] = []
    warranties: list[tuple[int, str | None, str | None]] = []
    for number, line in enumerate(_children(retail, n.LINE), 1):
        kids: dict[str, Element] = {}
        for kid in line:
            kids.setdefault(_local(kid.tag), kid)
        sale, returned = kids.get(n.SALE), kids.get(n.RETURN)
        product = sale if sale is not None else returned
        if product is None:
            continue  # tender, tax, total, discount: not a product line
        fields = _fields(product)
        model = next((fields[m] for m in n.MODEL if m in fields), None)

        def note(status: str, reason: str, *, line_no: int = number,
                 item: str | None = model) -> None:
            report.append({"line": line_no, "item": item, "status": status, "reason": reason})

        voided = [line.get("VoidFlag"), product.get("VoidFlag"), fields.get("VoidFlag")]
        if any(v is not None and v.strip().lower() in n.TRUE for v in voided):
            note("ignored", "voided")
            continue
        if returned is not None or any(fields.get(f, "").startswith("-")
                                       for f in (n.QUANTITY, n.PRICE[0])):
            note("not_handled", "a return or negative line: returns go through the "
                                "returns flow, not the POS log")
            continue
        serial = next((fields[m] for m in n.SERIAL if m in fields), None)
        if product.get("ItemType") == n.EXTENDED_WARRANTY:
            warranties.append((number, serial, fields.get(n.WARRANTY_YEARS)))
            continue
        category = fields.get(n.CATEGORY)
        warrantable = product.get(n.WARRANTABLE) or fields.get(n.WARRANTABLE)
        if not serial:
            note("ignored", "no serial number: not an appliance")
        elif warrantable is not None and warrantable.strip().lower() not in n.TRUE:
            note("ignored", "not warrantable")
        elif categories and category not in categories:
            note("ignored", f"category {category!r} is not on the store's appliance list")
        else:
            item: dict[str, Any] = {"model": model, "serial": serial,
                                    "price": next((fields[p] for p in n.PRICE if p in fields),
                                                  None)}
            if fields.get(n.WARRANTY_MONTHS):
                item["warranty_months"] = fields[n.WARRANTY_MONTHS]
            appliances.append(item)
    for number, serial, years in warranties:
        target = [a for a in appliances if serial is None or a["serial"] == serial]
        if len(target) != 1:  # SPEC E1: a cover is bought for one named appliance
            report.append({"line": number, "item": serial, "status": "not_handled",
                           "reason": "an extended warranty line must name one appliance's "
                                     "serial"})
            continue
        target[0]["extended_warranty_years"] = years
    return appliances


def _customer(customer: Element | None) -> dict[str, Any] | None:
    """Name, phone, address and district; None (an anonymous sale) without a phone."""
    phone = _phone(customer)
    if customer is None or not phone:
        return None
    lines = [t.text.strip() for t in customer.iter() if _local(t.tag) == n.ADDRESS_LINE
             and t.text and t.text.strip()]
    return {"name": _name(_find(customer, n.NAME, 1)) or phone, "phone": phone,
            "address": ", ".join(lines) or "-",
            "district": _first_text(customer, n.DISTRICT) or "-"}


def _name(name: Element | None) -> str | None:
    """``Name`` as text, or from its parts (``Name[@TypeCode]``, ``FullName``, ...)."""
    if name is None:
        return None
    parts = [(c.get("TypeCode") or _local(c.tag), (c.text or "").strip()) for c in name]
    parts = [(kind, text) for kind, text in parts if text]
    if not parts:
        return (name.text or "").strip() or None
    full = [text for kind, text in parts if kind.lower() in ("fullname", "full", "formatted")]
    if full:
        return full[0]
    texts = [text for _, text in parts]
    # Chinese names read family name first with no space; others are joined by a space.
    return ("" if all(ord(ch) > 0x2E80 for text in texts for ch in text) else " ").join(texts)


def _phone(customer: Element | None) -> str | None:
    found = [p for p in (_find(customer, name) for name in n.PHONE) if p is not None]
    if not found:
        return None
    phone = found[0]
    if phone.text and phone.text.strip() and len(phone) == 0:
        return phone.text.strip()
    full = _text(phone, "FullTelephoneNumber") or _text(phone, n.PHONE[0])
    if full:
        return full
    country, area, local = (_text(phone, part) for part in n.PHONE_PARTS)
    if not local:
        return None
    country = f"+{country.lstrip('+')}" if country else None
    return " ".join(p for p in (country, area, local) if p)
