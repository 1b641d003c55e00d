"""Extended-warranty routes: quote, sell at the counter, read with cover (SPEC E1–E4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from shared.auth import ActorDep
from shared.runtime import RuntimeDep

from ..schemas.contracts import QuoteOut, WarrantyIn, WarrantyOut
from ..service import warranties as svc
from .params import DocNo
from .roles import WarrantySeller

router = APIRouter(tags=["extended warranty"])


@router.get("/extended-warranty/quote", response_model=QuoteOut)
async def quote(
    _actor: ActorDep, product_price: Annotated[str, Query(max_length=20)],
    years: Annotated[int, Query(ge=1, le=5)],
) -> QuoteOut:
    """The price of an extended warranty by product price band and term (SPEC E1)."""
    price = svc.quote(product_price=product_price, years=years)
    return QuoteOut(years=years, price=price)


@router.post("/extended-warranties", response_model=WarrantyOut,
             status_code=status.HTTP_201_CREATED)
async def sell(body: WarrantyIn, rt: RuntimeDep, actor: WarrantySeller) -> WarrantyOut:
    """Sell an extended warranty at the counter; its cover is granted at once (SPEC E1)."""
    async with rt.db.transaction() as session:
        warranty = await svc.open_warranty(
            rt.context, session, actor=actor, branch=body.branch, customer_id=body.customer_id,
            product_id=body.product_id, product_price=body.product_price, years=body.years,
            maker_warranty_ends_on=body.maker_warranty_ends_on, channel="counter",
        )
        return _out(warranty)


@router.get("/extended-warranties/{warranty_no}", response_model=WarrantyOut)
async def read(warranty_no: DocNo, rt: RuntimeDep, actor: ActorDep) -> WarrantyOut:
    """One extended warranty with the cover it gives (SPEC E2–E4)."""
    async with rt.db.reading() as session:
        return _out(await svc.get_warranty(session, warranty_no, actor=actor))


def _out(warranty: object) -> WarrantyOut:
    fields = {name: getattr(warranty, name) for name in WarrantyOut.model_fields
              if name != "cover"}
    return WarrantyOut(**fields, cover=svc.cover_terms())
