"""What the stage gates look at: the deal's own fields plus facts derived from its invoices."""

from __future__ import annotations

from typing import Any

from deals.adapters.store import DealsStore, Doc


async def gate_facts(store: DealsStore, deal: Doc) -> dict[str, Any]:
    """Field paths the pipeline's `required_fields` name, filled from where they live.

    Invoices, payments and deliveries are read from their own documents rather than copied
    onto the deal, so a crash between two writes can never leave a gate believing stale data.
    """
    invoices = [
        doc async for doc in store.invoices.find({"deal_id": deal["_id"]}).sort("issued_at", 1)
    ]
    paid_on = sorted(p["paid_at"] for inv in invoices for p in inv.get("payments", []))
    delivered = sorted(
        s["delivered_on"]
        for s in (deal.get("shipments") or {}).values()
        if s.get("delivered_on") and s.get("status") == "delivered"
    )
    contract = deal.get("contract") or {}
    return {
        "client_id": deal.get("client_id"),
        "line_items": deal.get("line_items") or [],
        "expected_close_on": deal.get("expected_close_on"),
        "proposal": {"sent_on": (deal.get("proposal") or {}).get("sent_on")},
        "contract": {
            "type": contract.get("type"),
            "number": contract.get("number"),
            "signed_on": contract.get("signed_on"),
        },
        "payment_form": deal.get("payment_form") or contract.get("payment_form"),
        "invoice_id": invoices[0]["_id"] if invoices else None,
        "payment": {"received_on": paid_on[0] if paid_on else None},
        "shipment": {"delivered_on": delivered[0] if delivered else None},
    }
