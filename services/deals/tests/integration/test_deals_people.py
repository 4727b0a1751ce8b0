"""People through the deals API: only the head of sales approves, as themselves."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from deals_testkit import ServiceFactory, create_client
from pydantic import SecretStr

from shared.platform.auth import digest
from shared.platform.clock import ManualClock
from shared.platform.identity import OidcSettings
from shared.platform.settings import ApiSettings
from shared.testing.oidc import AUDIENCE, local_issuer

pytestmark = pytest.mark.integration

OPS_KEY = "o-" + "x" * 40
PRICE = {"amount": "1000.00", "currency": "RUB"}
# 12 % asked on one line: above a manager's limit, so the head of sales must decide.
LINE = {"product": "Гайка", "quantity": "1", "unit_price": PRICE}
LINES = {"items": [{**LINE, "requested_discount_percent": "12"}]}


async def pending_deal(http: httpx.AsyncClient, client_id: str) -> str:
    """A deal whose 12 % discount waits for the head of sales."""
    deal = {"title": "X", "manager_id": "m-anna", "client_id": client_id}
    deal_id = str((await http.post("/v1/deals", json=deal)).json()["id"])
    priced = (await http.put(f"/v1/deals/{deal_id}/line-items", json=LINES)).json()
    assert priced["approval"]["status"] == "pending"
    return deal_id


async def test_a_discount_is_approved_only_by_the_head_of_sales_or_their_deputy(
    deals_service: ServiceFactory, clock: ManualClock
) -> None:
    keys = [{"id": "ops", "sha256": digest(OPS_KEY), "scopes": ["*"]}]
    with local_issuer() as issuer:
        settings = {
            "api": ApiSettings(keys=SecretStr(json.dumps(keys))),
            "oidc": OidcSettings(issuer=issuer.url, audience=AUDIENCE),
        }
        async with deals_service(**settings) as (_, http):
            http.headers["Authorization"] = f"Bearer {OPS_KEY}"
            client_id = await create_client(http)
            deal_id = await pending_deal(http, client_id)
            path = f"/v1/deals/{deal_id}/discount-approval"
            manager = {"Authorization": f"Bearer {issuer.token('m-anna', roles=['manager'])}"}
            head = {"Authorization": f"Bearer {issuer.token('h-irina', roles=['head_of_sales'])}"}
            boris = {"Authorization": f"Bearer {issuer.token('m-boris', roles=['manager'])}"}

            own = await http.post(path, json={"approved": True}, headers=manager)
            assert own.status_code == 403  # a manager never approves a discount
            posing = await http.post(path, json={"approved": True, "by": "h-boss"}, headers=head)
            assert posing.status_code == 403
            assert posing.json()["detail"] == "`by` may only repeat who you are"
            unnamed = await http.post(path, json={"approved": True})  # the ops key
            assert unnamed.status_code == 422  # a system must name the approver
            assert [e["loc"] for e in unnamed.json()["detail"]] == [["body", "by"]]
            approved = await http.post(path, json={"approved": True}, headers=head)
            assert approved.status_code == 200, approved.text
            assert approved.json()["approval"]["status"] == "approved"
            assert approved.json()["approval"]["decided_by"] == "h-irina"

            # Away for three days, the head names Boris; he decides until then, and only he.
            until = (clock.now() + timedelta(days=3)).isoformat()
            named = await http.put(
                "/v1/discount-deputy", json={"person_id": "m-boris", "until": until}, headers=head
            )
            assert named.status_code == 200, named.text
            assert named.json()["named_by"] == "h-irina"
            by_manager = await http.put(
                "/v1/discount-deputy", json={"person_id": "m-anna", "until": until}, headers=boris
            )
            assert by_manager.status_code == 403  # only the head names a deputy
            second = f"/v1/deals/{await pending_deal(http, client_id)}/discount-approval"
            assert (
                await http.post(second, json={"approved": False}, headers=manager)
            ).status_code == 403
            rejected = await http.post(second, json={"approved": False}, headers=boris)
            assert rejected.status_code == 200, rejected.text
            assert rejected.json()["approval"]["decided_by"] == "m-boris"
            third = f"/v1/deals/{await pending_deal(http, client_id)}/discount-approval"
            clock.advance(timedelta(days=3))
            late = await http.post(third, json={"approved": True}, headers=boris)
            assert late.status_code == 403  # the stand-in is over
