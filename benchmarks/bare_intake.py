"""P2's baseline: a bare FastAPI endpoint taking the same `LeadReceivedV1` model, served alike.

`python benchmarks/bare_intake.py PORT` serves `POST /v1/leads` on 127.0.0.1 with the same
uvicorn settings as a service (no access log, default loop and HTTP parser); it validates the
body and answers 202 with ids, and does nothing else: no Kafka, no database, no middleware.
"""

from __future__ import annotations

import sys
import uuid

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from shared.contracts.events.lead_received import LeadReceivedV1


class Accepted(BaseModel):
    """The same answer shape as the service's."""

    lead_id: str
    event_id: str


app = FastAPI()


@app.post("/v1/leads", status_code=202, response_model=Accepted)
async def submit_lead(lead: LeadReceivedV1) -> Accepted:
    """Validate and answer."""
    return Accepted(lead_id=f"lead-{uuid.uuid4().hex[:20]}", event_id=str(uuid.uuid4()))


@app.get("/readyz")
async def ready() -> dict[str, str]:
    """Ready as soon as it listens."""
    return {"status": "ready"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False)
