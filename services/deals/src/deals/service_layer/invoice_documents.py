"""An issued invoice as a PDF "счёт на оплату": the deal's lines, or one line for the total."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from deals.domain.documents import CommercialDocument, DocumentKind, DocumentLine, Party
from deals.domain.money import Money, total
from deals.domain.proposal import document_lines
from deals.service_layer.clients import ClientBase
from deals.service_layer.deals import DealBook
from deals.service_layer.errors import Refused
from deals.service_layer.invoicing import Invoicing
from deals.service_layer.proposals import Render, party_of


class InvoiceDocuments:
    """Renders invoices with the seller's bank details and the buyer's requisites."""

    def __init__(
        self,
        *,
        invoicing: Invoicing,
        deals: DealBook,
        clients: ClientBase,
        render: Render,
        seller: Party,
        time_zone: str,
    ) -> None:
        self._invoicing = invoicing
        self._deals = deals
        self._clients = clients
        self._render = render
        self._seller = seller
        self._zone = ZoneInfo(time_zone)

    async def pdf(self, invoice_id: str) -> tuple[str, bytes]:
        """The file name and the PDF; 409 naming what is missing (bank details, INN…)."""
        invoice = await self._invoicing.get(invoice_id)
        amount = Money.of(invoice["total"]["amount"], invoice["total"]["currency"])
        deal = await self._deals.get(invoice["deal_id"])
        lines = document_lines(list(deal.line_items))
        if not lines or total((line.amount for line in lines), amount.currency) != amount:
            # An invoice for part of the deal (or a deal without lines): one line, its total.
            lines = (
                DocumentLine(
                    number=1,
                    product=f"Оплата по сделке «{deal.title}»",
                    unit="усл",
                    quantity=Decimal(1),
                    unit_price=amount,
                ),
            )
        client_id = invoice.get("client_id")
        if client_id is None:
            raise Refused("the invoice has no client", missing=("client_id",))
        issued: datetime = invoice["issued_at"]
        document = CommercialDocument(
            kind=DocumentKind.INVOICE,
            number=str(invoice.get("number") or invoice_id),
            version=1,
            issued_on=issued.astimezone(self._zone).date(),
            seller=self._seller,
            buyer=party_of(await self._clients.get(client_id)),
            lines=lines,
            currency=amount.currency,
        )
        missing = document.missing_requisites()
        if missing:
            raise Refused("requisites are incomplete", missing=missing)
        pdf = await asyncio.to_thread(self._render, document)
        return f"Счёт-{document.number}.pdf", pdf
