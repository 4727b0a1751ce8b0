"""HTTP API of invoices and payments."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request, Response

from deals.domain.invoice import InvoiceFilter, PlannedPart
from deals.domain.money import Money
from deals.entrypoints.access import ACCESS
from deals.entrypoints.api_models import InvoiceIn, PaymentIn
from deals.entrypoints.http_common import DealsHttp, out, page
from deals.service_layer.errors import NotFound

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="Retry safely with the same key."),
]
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:deals:http")


def _money(value: Any) -> Money:
    return Money.of(value.amount, value.currency)


def invoices_router(deps: DealsHttp) -> APIRouter:
    """Routes for invoices and payments."""
    router = APIRouter(prefix="/v1", tags=["invoices"])
    invoice_in_scope = deps.invoice_in_scope()

    @router.post(
        "/deals/{deal_id}/invoices",
        status_code=201,
        summary="Issue an invoice in installments",
        dependencies=[ACCESS.write(), deps.deal_in_scope()],
    )
    async def issue(
        deal_id: str, body: InvoiceIn, idempotency_key: IdempotencyKey = None
    ) -> dict[str, Any]:
        """Installment amounts must add up to the total; omit them all to split evenly."""
        invoice_id = body.invoice_id
        if invoice_id is None and idempotency_key:
            invoice_id = f"inv-{uuid.uuid5(NAMESPACE, f'{deal_id}:{idempotency_key}').hex[:16]}"
        doc = await deps.invoicing.issue(
            deal_id,
            invoice_id=invoice_id,
            number=body.number,
            total=_money(body.total) if body.total else None,
            parts=[
                PlannedPart(due_on=i.due_on, amount=_money(i.amount) if i.amount else None)
                for i in body.installments
            ],
        )
        return out(doc)

    @router.get(
        "/invoices/{invoice_id}/document",
        summary="The invoice as a PDF «счёт на оплату» (409 names missing requisites)",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}}}},
        dependencies=[ACCESS.read(), invoice_in_scope],
    )
    async def document(invoice_id: str) -> Response:
        if deps.invoice_documents is None:
            raise NotFound("invoice document")
        filename, pdf = await deps.invoice_documents.pdf(invoice_id)
        disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
        return Response(
            pdf, media_type="application/pdf", headers={"Content-Disposition": disposition}
        )

    @router.get(
        "/invoices/{invoice_id}",
        summary="One invoice with payments and reminders",
        dependencies=[ACCESS.read(), invoice_in_scope],
    )
    async def get_invoice(invoice_id: str) -> dict[str, Any]:
        return out(await deps.invoicing.get(invoice_id))

    @router.get("/invoices", summary="List invoices", dependencies=[ACCESS.read()])
    async def list_invoices(
        request: Request,
        deal_id: Annotated[str | None, Query(max_length=128)] = None,
        client_id: Annotated[str | None, Query(max_length=128)] = None,
        status: Annotated[str | None, Query(pattern="^(open|paid)$")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> dict[str, Any]:
        owners = (await deps.scope(request)).owners
        search = InvoiceFilter(
            deal_id=deal_id,
            client_id=client_id,
            status=status,
            managers=None if owners is None else tuple(sorted(owners)),
        )
        found, total = await deps.invoicing.search(search, offset=offset, limit=limit)
        return page([out(invoice) for invoice in found], total, offset)

    @router.post(
        "/invoices/{invoice_id}/payments",
        status_code=201,
        summary="Record a payment (full or partial)",
        responses={409: {"description": "Overpayment or wrong currency"}},
        dependencies=[ACCESS.write(), invoice_in_scope],
    )
    async def pay(
        invoice_id: str,
        body: PaymentIn,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        payment_id = body.payment_id
        if payment_id is None:
            key = idempotency_key or uuid.uuid4().hex
            payment_id = f"pay-{uuid.uuid5(NAMESPACE, f'{invoice_id}:{key}').hex[:16]}"
        doc, created = await deps.invoicing.record_payment(
            invoice_id,
            payment_id=payment_id,
            amount=_money(body.amount),
            paid_at=body.paid_at or deps.clock.now(),
            reference=body.reference,
            publish=True,
        )
        if not created:
            response.status_code = 200
        return out(doc)

    return router
