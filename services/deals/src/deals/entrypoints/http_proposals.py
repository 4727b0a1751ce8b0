"""HTTP API of proposals: draft a version, send it as a PDF, record the answer; client links."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse
from pydantic import Field

from deals.domain.proposal import Proposal
from deals.entrypoints.access import ACCESS
from deals.entrypoints.api_models import Body
from deals.entrypoints.http_common import DealsHttp, out
from deals.service_layer.errors import NotFound
from deals.service_layer.proposals import ACCEPT, BadLink, ProposalDesk
from shared.contracts.values import LongText, ShortText

Answer = Annotated[Literal["accept", "decline"], Path(description="accept or decline")]
Signature = Annotated[str, Query(alias="sig", min_length=64, max_length=64)]
Version = Annotated[int, Query(alias="v", ge=1)]


class DraftIn(Body):
    """A new version of the deal's proposal, from its lines as they stand."""

    valid_until: date = Field(description="Last day the offer holds.")
    terms: LongText | None = Field(default=None, description="Delivery, payment, warranty…")


class SendIn(Body):
    """Send the latest version."""

    recipient_email: ShortText | None = Field(
        default=None, description="Where to; the client's address on file by default."
    )


class AnswerIn(Body):
    """The client's answer as the manager heard it."""

    version: int = Field(ge=1, description="The version answered.")
    answer: Literal["accept", "decline"] = Field(description="accept or decline.")
    reason: ShortText | None = Field(default=None, description="Why, for a decline.")


def proposals_router(deps: DealsHttp, desk: ProposalDesk) -> APIRouter:
    """Routes under /v1/deals/{id}/proposal and the client's /v1/links/proposals/…"""
    router = APIRouter(prefix="/v1", tags=["proposals"])
    in_scope = deps.deal_in_scope()

    @router.post(
        "/deals/{deal_id}/proposal/versions",
        status_code=201,
        summary="Draft a new version of the deal's proposal from its lines",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def draft(deal_id: str, body: DraftIn) -> dict[str, Any]:
        return _view(await desk.draft(deal_id, valid_until=body.valid_until, terms=body.terms))

    @router.get(
        "/deals/{deal_id}/proposal",
        summary="The deal's proposal with every version",
        dependencies=[ACCESS.read(), in_scope],
    )
    async def get(deal_id: str) -> dict[str, Any]:
        return out(await desk.get(deal_id))

    @router.post(
        "/deals/{deal_id}/proposal/send",
        summary="Render the latest version as a PDF and send it (409 names missing requisites)",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def send(deal_id: str, body: SendIn) -> dict[str, Any]:
        return _view(await desk.send(deal_id, recipient_email=body.recipient_email))

    @router.post(
        "/deals/{deal_id}/proposal/answer",
        summary="Record the client's answer to the version sent",
        dependencies=[ACCESS.write(), in_scope],
    )
    async def answer(deal_id: str, body: AnswerIn) -> dict[str, Any]:
        proposal_id = (await desk.get(deal_id))["_id"]
        proposal = await desk.answer(
            proposal_id, body.version, body.answer, via="manager", reason=body.reason
        )
        return _view(proposal)

    @router.get(
        "/links/proposals/{proposal_id}/{answer}",
        response_class=HTMLResponse,
        summary="The page a client's link opens: it asks to confirm (mail scanners only look)",
        dependencies=[ACCESS.signed_link()],
    )
    async def confirm_page(proposal_id: str, answer: Answer, v: Version, sig: Signature) -> str:
        verb = "Принять" if answer == ACCEPT else "Отказаться от"
        return _page(
            f"<form method='post'><p>{escape(verb)} коммерческое предложение, версия {v}?</p>"
            f"<button type='submit'>{escape(verb.split()[0])}</button></form>"
        )

    @router.post(
        "/links/proposals/{proposal_id}/{answer}",
        response_class=HTMLResponse,
        summary="The client's answer by a signed link",
        dependencies=[ACCESS.signed_link()],
    )
    async def answer_by_link(proposal_id: str, answer: Answer, v: Version, sig: Signature) -> str:
        try:
            await desk.answer_by_link(proposal_id, v, answer, sig)
        except BadLink:
            raise NotFound("proposal") from None
        thanks = "Спасибо, предложение принято." if answer == ACCEPT else "Спасибо за ответ."
        return _page(f"<p>{thanks}</p>")

    return router


def _page(body: str) -> str:
    return f"<!doctype html><html lang='ru'><meta charset='utf-8'><body>{body}</body></html>"


def _view(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "number": proposal.number,
        "deal_id": proposal.deal_id,
        "state": proposal.state.value,
        "versions": [
            {
                "version": v.version,
                "total": {"amount": str(v.total.amount), "currency": v.total.currency},
                "valid_until": v.valid_until.isoformat(),
                "sent_at": v.sent_at,
            }
            for v in proposal.versions
        ],
        "answered_version": proposal.answered_version,
    }
