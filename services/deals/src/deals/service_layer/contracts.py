"""Contracts on deals: type, payment form, terms, dates, and their renewal reminders."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar

from deals.domain.contract import DealContract, contract_id_for, contract_terms
from deals.domain.contracts import Contract, RenewalReminder, plan_renewal_reminders
from deals.domain.deal_terms import DealTerms
from deals.service_layer.errors import Invalid, NotFound
from deals.service_layer.invoicing import ClientTimeZones, DealReader
from deals.service_layer.records import Record
from shared.platform.clock import Clock

R = TypeVar("R")


class ContractRepository(Protocol):
    """Port: contracts by id, and records to show."""

    async def add(self, aggregate: DealContract, *, causation_id: str | None = None) -> bool:
        """Store a new contract; False if the id is taken."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[DealContract], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[DealContract, R] | None:
        """Load, change and save, again on a lost race; None if there is no such contract."""

    async def record(self, contract_id: str) -> Record | None:
        """The stored contract as shown, or None."""


class ContractOnDeal(Protocol):
    """Port: the deal keeps a copy of its contract for its stage gates."""

    async def attach_contract(
        self, deal_id: str, *, contract: dict[str, Any], payment_form: str
    ) -> None:
        """Put the contract's summary and payment form on the deal."""


class Contracts:
    """Attach or update a deal's contract; the deal keeps a copy of what its gates check."""

    def __init__(
        self,
        contracts: ContractRepository,
        *,
        deals: DealReader,
        zones: ClientTimeZones,
        on_deal: ContractOnDeal,
        clock: Clock,
        days_before: list[int],
        default_time_zone: str,
    ) -> None:
        self._contracts = contracts
        self._deals = deals
        self._zones = zones
        self._on_deal = on_deal
        self._clock = clock
        self._days = days_before
        self._tz = default_time_zone

    async def attach(self, deal_id: str, fields: Mapping[str, Any]) -> Record:
        """Store the contract with its renewal schedule, then mirror it onto the deal.

        The contract is written first: a crash in between leaves a contract the deal does
        not show yet, and repeating the call completes it.
        """
        deal = await self._deals.terms(deal_id)
        if deal is None:
            raise NotFound("deal")
        contract_id = contract_id_for(deal_id)
        try:
            terms = contract_terms(contract_id, fields)
        except ValueError as exc:
            raise Invalid((f"contract: {exc}",)) from None
        time_zone = await self._zones.time_zone_of(deal.client_id) if deal.client_id else None
        now = self._clock.now()
        planned = plan_renewal_reminders(
            terms, time_zone=time_zone or self._tz, days_before=self._days, not_before=now
        )
        contract = await self._sign_or_revise(deal, terms, planned, now)
        await self._on_deal.attach_contract(
            deal_id, contract=dict(contract.summary()), payment_form=terms.payment_form.value
        )
        return await self.get(contract_id)

    async def _sign_or_revise(
        self,
        deal: DealTerms,
        terms: Contract,
        planned: tuple[RenewalReminder, ...],
        now: datetime,
    ) -> DealContract:
        def revise(contract: DealContract) -> None:
            contract.revise(terms, planned, now)

        revised = await self._contracts.update(terms.id, revise)
        if revised is None:
            signed = DealContract.sign(terms, deal=deal, planned=planned, now=now)
            if await self._contracts.add(signed):
                return signed
            # Signed by a concurrent request meanwhile: revise what it stored.
            revised = await self._contracts.update(terms.id, revise)
        if revised is None:
            raise NotFound("contract")
        return revised[0]

    async def get(self, contract_id: str) -> Record:
        """One contract."""
        record = await self._contracts.record(contract_id)
        if record is None:
            raise NotFound("contract")
        return record
