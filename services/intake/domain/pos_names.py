"""Where each thing intake needs sits in ARTS POSLog 2.x and V6: the one mapping table
(issue 15; SPEC §7). Names are matched on their local part, so any namespace (the NRF
``http://www.nrf-arts.org/IXRetail/namespace/``, the OMG V6 one, a vendor's prefix such as
NCR's ``acs:``) reads the same.

Each row: what intake reads — where POSLog 2.x has it — where V6 has it ("=" the same).

- store — ``RetailStoreID`` (on the Transaction or the POSLog) — ``BusinessUnit/UnitID``
- workstation — ``WorkstationID`` — =
- sequence — ``SequenceNumber`` (the Transaction's own) — =
- business day — ``BusinessDayDate`` (on the Transaction or the POSLog) — =
- time — ``EndDateTime``, else ``BeginDateTime`` — ``POSLogDateTime[@TypeCode="Transaction"]``
- id without workstation and sequence — ``TransactionID`` — =
- a sale — ``RetailTransaction`` — =; any other ``*Transaction`` is a control record
- not live — ``CancelFlag``/``TrainingModeFlag``/``VoidFlag``, ``TransactionStatus`` — =
- line — ``LineItem/Sale`` — =; voided: ``VoidFlag="true"`` on ``LineItem`` or ``Sale``
- return line — ``LineItem/Return``, or a negative ``Quantity``/``ExtendedAmount`` — =
- model — ``ItemID``, else ``POSIdentity/POSItemID`` — =
- serial — ``SerialNumber`` or ``ItemSerialNumber``, up to 3 levels down (a shipment's) — =
- category — ``MerchandiseHierarchy`` — =; warrantable: ``WarrantableFlag`` (attribute/element)
- price — ``ExtendedAmount``, else ``ActualSalesUnitPrice``, ``RegularSalesUnitPrice`` — =
- warranty — ``WarrantyMonths``; extended: ``Sale[@ItemType="ExtendedWarranty"]/WarrantyYears``
- customer name — ``Customer/Name`` text, or its parts ``Name/Name[@TypeCode]`` — =
- phone — ``TelephoneNumber`` text, or ``(Telephone|TelephoneNumber)/`` ``CountryCode``,
  ``AreaCode``, ``LocalNumber`` (or ``FullTelephoneNumber``) — =
- address, district — ``AddressLine``, ``District`` (else ``Territory``, ``City``) — =
"""

from __future__ import annotations

STORE = ("RetailStoreID",)
STORE_V6 = ("BusinessUnit", "UnitID")
WORKSTATION = "WorkstationID"
SEQUENCE = "SequenceNumber"
BUSINESS_DAY = "BusinessDayDate"
TIME = ("EndDateTime", "BeginDateTime")
TIME_V6 = "POSLogDateTime"
TRANSACTION_ID = "TransactionID"
SALE_TRANSACTION = "RetailTransaction"
LINE = "LineItem"
SALE = "Sale"
RETURN = "Return"
MODEL = ("ItemID", "POSItemID")
SERIAL = ("SerialNumber", "ItemSerialNumber")
CATEGORY = "MerchandiseHierarchy"
WARRANTABLE = "WarrantableFlag"
QUANTITY = "Quantity"
PRICE = ("ExtendedAmount", "ActualSalesUnitPrice", "RegularSalesUnitPrice")
WARRANTY_MONTHS = "WarrantyMonths"
WARRANTY_YEARS = "WarrantyYears"
EXTENDED_WARRANTY = "ExtendedWarranty"
CUSTOMER = "Customer"
NAME = "Name"
PHONE = ("TelephoneNumber", "Telephone")
PHONE_PARTS = ("CountryCode", "AreaCode", "LocalNumber")
ADDRESS_LINE = "AddressLine"
DISTRICT = ("District", "Territory", "City")
TRUE = frozenset({"true", "1", "yes", "y"})
# A Transaction flagged so is not a live sale, whatever it holds.
NOT_LIVE_FLAGS = ("CancelFlag", "TrainingModeFlag", "VoidFlag")
NOT_LIVE_STATUS = frozenset({"cancelled", "canceled", "voided", "suspended", "training"})
