"""The baseline for ``calls_throughput.py``: a bare FastAPI endpoint with the same body
model and the same server settings as the services (``shared.runtime.serve``: uvicorn,
uvloop and httptools, no access log), but no auth, database or events."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class CallIn(BaseModel):
    customer_id: int
    product_id: int
    symptom: str


@app.post("/calls", status_code=201)
async def create_call(body: CallIn) -> dict[str, object]:
    return {"id": 1, "voucher_no": "SC01-V000001", **body.model_dump()}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                loop="uvloop", http="httptools", access_log=False)
