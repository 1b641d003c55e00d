"""A reference POS, for a store's IT to read: how to talk to aftersales.

Inbound to aftersales (``POST /pos/events`` on intake): every message is JSON with
``store_id``, ``transaction_id`` (the POS's own id: re-sending the same id is safe, the
first answer comes back), ``type`` and ``occurred_at``, signed per Standard Webhooks with
the store's secret (``shared.webhooks.sign``). Re-send on any network error or 5xx;
a 4xx means the message itself is wrong: fix it, don't re-send it unchanged.

Outbound from aftersales: refund and allowance instructions for the cashier arrive at the
store's ``instructions_url``, signed the same way. Verify the signature, show the slip to
the cashier, answer 2xx to stop re-sends, and once the cashier has done it send a
``return_executed`` / ``allowance_executed`` event naming the ``instruction_id``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response

from shared.webhooks import SignatureRefused, sign, verify


@dataclass
class PosSimulator:
    store_id: str
    secret: str
    intake_url: str
    client: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=10))
    instructions: list[dict[str, Any]] = field(default_factory=list)
    auto_execute: bool = True

    async def send(self, message: dict[str, Any], *, attempts: int = 5) -> httpx.Response:
        """Send one signed message, re-sending on network errors and 5xx."""
        body = json.dumps(message).encode()
        for attempt in range(attempts):
            headers = sign(self.secret, msg_id=f"{self.store_id}-{message['transaction_id']}",
                           body=body, at=datetime.now(UTC))
            headers["content-type"] = "application/json"
            try:
                response = await self.client.post(
                    f"{self.intake_url}/pos/events", content=body, headers=headers
                )
                if response.status_code < 500:
                    return response
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1 * 2**attempt)
        raise RuntimeError(f"intake did not answer {message['transaction_id']}")

    def sale(
        self, *, transaction_id: str | None = None, customer: dict[str, str],
        product: dict[str, Any], extended_warranty_years: int | None = None,
        sold_on: date | None = None,
    ) -> dict[str, Any]:
        """A sale message: the customer, the appliance and any extended warranty bought."""
        message: dict[str, Any] = {
            "store_id": self.store_id,
            "transaction_id": transaction_id or uuid.uuid4().hex,
            "type": "sale",
            "occurred_at": datetime.now(UTC).isoformat(),
            "customer": customer,
            "product": product,
        }
        if sold_on:
            message["occurred_at"] = datetime(sold_on.year, sold_on.month, sold_on.day,
                                              12, tzinfo=UTC).isoformat()
        if extended_warranty_years:
            message["extended_warranty"] = {"years": extended_warranty_years}
        return message

    def executed(self, instruction: dict[str, Any]) -> dict[str, Any]:
        """The cashier's confirmation that an instruction was carried out."""
        kind = "return_executed" if instruction["type"] == "refund" else "allowance_executed"
        return {
            "store_id": self.store_id,
            "transaction_id": f"EXEC-{instruction['instruction_id']}",
            "type": kind,
            "occurred_at": datetime.now(UTC).isoformat(),
            "instruction_id": instruction["instruction_id"],
            "amount": instruction["amount"],
        }

    def receiver(self) -> FastAPI:
        """The store's endpoint for instructions from aftersales."""
        app = FastAPI()

        @app.post("/instructions")
        async def receive(request: Request) -> Response:
            body = await request.body()
            try:
                verify(self.secret, body=body, headers=request.headers)
            except SignatureRefused as exc:
                return Response(str(exc), status_code=401)
            instruction = json.loads(body)
            if all(i["instruction_id"] != instruction["instruction_id"]
                   for i in self.instructions):
                self.instructions.append(instruction)
                if self.auto_execute:
                    asyncio.get_running_loop().create_task(self.send(self.executed(instruction)))
            return Response(status_code=204)

        return app


async def serve_receiver(sim: PosSimulator, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """Run the simulator's instruction endpoint on 127.0.0.1:``port`` in this event loop."""
    server = uvicorn.Server(uvicorn.Config(sim.receiver(), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    from .helpers import eventually

    async def started() -> bool:
        return server.started

    await eventually(started, within=10, interval=0.01)
    return server, task
