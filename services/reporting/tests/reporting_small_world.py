"""A small scripted world whose every report figure is worked out by hand in the tests.

Days are in March–May 2026 at 09:00 UTC or later, noon in Moscow, far from a local midnight;
the reports are read at `NOW` (15 May, 03:00 in Moscow), in `TZ`.

Leads (team, channel, owner):
- L1 north, web_form, m1: received 2 Mar, contacted by m1 after 3 600 s within the SLA,
  qualified 3 Mar, converted by m1 5 Mar.
- L2 south, phone, m2: received 3 Mar, m2 breached the SLA, contacted by m2 after 7 200 s,
  converted by m2 6 Mar.
- L3 north, web_form, m1: received 10 Apr, m1 breached the SLA, disqualified (spam) 11 Apr.

Deals (client, manager, money; the channel given on the deal itself):
- D1 from L1, c1, m1, RUB 100 000: opened 5 Mar, won 20 Mar (15 days).
- D2 from L2, c2, m2, RUB 50 000: opened 6 Mar, won 25 Mar (19 days); no channel of its own.
- D3 no lead, c1, m2, USD 2 000, channel exhibition: opened 10 Mar, lost 28 Mar (price).
- D4 no lead, c2, m1, RUB 30 000 at probability 0.5: opened 12 Mar, open.
- D5 no lead, c1, m2, RUB 10 000: opened 18 Apr, won 20 Apr (2 days).
Expected close dates and lines: D4 is expected to close 20 May. Lines at the win: D1
PUMP-50 ×2 (RUB 80 000) and a free "Монтаж" line (RUB 20 000); D2 PUMP-50 ×1 (RUB 40 000)
and "Монтаж" (RUB 10 000); D5 PUMP-50 ×1 (RUB 6 000) and VALVE-2 ×4 (RUB 4 000).

Invoices and payments:
- I1 for D1 (c1, m1), 21 Mar, RUB 100 000: 60 000 due 1 Apr, 40 000 due 1 May;
  P1 pays 60 000 on 30 Mar.
- I2 for D2 (c2, m2), 26 Mar, RUB 50 000 due 10 Apr; P2 pays it on 15 Apr.
- I3 for D4 (c2, m1), 2 Apr, USD 1 000 due 20 Apr; unpaid.

Claims: CL2 c1 quality 29 Mar; CL1 c2 late 16 Apr.
Activities: A1 call m1 2 Mar; A2 email m2 3 Mar; A3 objection (price) m2 on D3 15 Mar;
A4 meeting m1 12 Apr; A5 objection (timing) m1 12 Apr. Tasks: T1 done by m1 10 Mar;
T2 overdue on m2 5 Apr.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from reporting_fakes import InMemoryFactLog, InMemoryReadModels

from reporting.domain.facts import (
    ActivityKind,
    ActivityLogged,
    ClaimRecorded,
    DealLine,
    DealStageChanged,
    Fact,
    InvoiceIssued,
    LeadAssigned,
    LeadContacted,
    LeadConverted,
    LeadDisqualified,
    LeadQualified,
    LeadSlaBreached,
    PaymentReceived,
    PlannedInstallment,
    StageKind,
    TaskDone,
    TaskOverdue,
)
from reporting.domain.segments import SegmentThresholds
from reporting.service_layer.queries import Reports
from reporting.service_layer.records import merge_facts

TZ = "Europe/Moscow"
NOW = datetime(2026, 5, 15, tzinfo=UTC)


def utc(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _deal(
    deal: str,
    kind: StageKind,
    at: datetime,
    amount: str,
    *,
    client: str,
    manager: str,
    currency: str = "RUB",
    lead: str | None = None,
    channel: str | None = None,
    probability: str = "0.1",
    reason: str | None = None,
    close_on: date | None = None,
    lines: tuple[DealLine, ...] | None = None,
) -> DealStageChanged:
    stage = {StageKind.OPEN: "new", StageKind.WON: "won", StageKind.LOST: "lost"}[kind]
    return DealStageChanged(
        deal_id=deal,
        pipeline_id="main",
        from_stage=None if kind is StageKind.OPEN else "new",
        to_stage=stage,
        to_stage_kind=kind,
        changed_at=at,
        amount=Decimal(amount),
        currency=currency,
        client_id=client,
        manager_id=manager,
        lead_id=lead,
        channel=channel,
        lost_reason=reason,
        stage_probability=Decimal({StageKind.WON: "1", StageKind.LOST: "0"}.get(kind, probability)),
        expected_close_on=close_on,
        lines=lines,
    )


def line(sku: str | None, product: str, quantity: str, net: str) -> DealLine:
    """A line in roubles."""
    return DealLine(sku, product, Decimal(quantity), Decimal(net), "RUB")


def _invoice(
    invoice: str,
    deal: str,
    client: str,
    manager: str,
    at: datetime,
    currency: str,
    *plan: tuple[date, str],
) -> InvoiceIssued:
    installments = tuple(
        PlannedInstallment(f"{invoice}-{n}", due, Decimal(amount))
        for n, (due, amount) in enumerate(plan, start=1)
    )
    total = sum((i.amount for i in installments), Decimal(0))
    return InvoiceIssued(invoice, deal, client, manager, at, total, currency, installments)


def small_world() -> list[Fact]:
    """The facts of the module docstring."""
    open_, won, lost = StageKind.OPEN, StageKind.WON, StageKind.LOST
    return [
        LeadAssigned("L1", "web_form", "site", "m1", "north", utc(3, 2), utc(3, 2)),
        LeadContacted("L1", "m1", utc(3, 2, 10), 3600, True),
        LeadQualified("L1", utc(3, 3)),
        LeadConverted("L1", "m1", "web_form", utc(3, 5)),
        LeadAssigned("L2", "phone", "call", "m2", "south", utc(3, 3), utc(3, 3)),
        LeadSlaBreached("L2", "m2", utc(3, 3, 10)),
        LeadContacted("L2", "m2", utc(3, 3, 11), 7200, False),
        LeadConverted("L2", "m2", "phone", utc(3, 6)),
        LeadAssigned("L3", "web_form", "site", "m1", "north", utc(4, 10), utc(4, 10)),
        LeadSlaBreached("L3", "m1", utc(4, 10, 10)),
        LeadDisqualified("L3", "spam", utc(4, 11)),
        _deal(
            "D1",
            open_,
            utc(3, 5),
            "100000",
            client="c1",
            manager="m1",
            lead="L1",
            channel="web_form",
        ),
        _deal(
            "D1",
            won,
            utc(3, 20),
            "100000",
            client="c1",
            manager="m1",
            lead="L1",
            channel="web_form",
            lines=(
                line("PUMP-50", "Насос Н-50", "2", "80000"),
                line(None, " Монтаж", "1", "20000"),
            ),
        ),
        _deal("D2", open_, utc(3, 6), "50000", client="c2", manager="m2", lead="L2"),
        _deal(
            "D2",
            won,
            utc(3, 25),
            "50000",
            client="c2",
            manager="m2",
            lead="L2",
            lines=(line("PUMP-50", "Насос Н-50", "1", "40000"), line(None, "Монтаж", "1", "10000")),
        ),
        _deal(
            "D3",
            open_,
            utc(3, 10),
            "2000",
            client="c1",
            manager="m2",
            currency="USD",
            channel="exhibition",
            probability="0.2",
        ),
        _deal(
            "D3",
            lost,
            utc(3, 28),
            "2000",
            client="c1",
            manager="m2",
            currency="USD",
            channel="exhibition",
            reason="price",
        ),
        _deal(
            "D4",
            open_,
            utc(3, 12),
            "30000",
            client="c2",
            manager="m1",
            probability="0.5",
            close_on=date(2026, 5, 20),
        ),
        _deal("D5", open_, utc(4, 18), "10000", client="c1", manager="m2", probability="0.3"),
        _deal(
            "D5",
            won,
            utc(4, 20),
            "10000",
            client="c1",
            manager="m2",
            lines=(
                line("PUMP-50", "Насос Н-50", "1", "6000"),
                line("VALVE-2", "Клапан", "4", "4000"),
            ),
        ),
        _invoice(
            "I1",
            "D1",
            "c1",
            "m1",
            utc(3, 21),
            "RUB",
            (date(2026, 4, 1), "60000"),
            (date(2026, 5, 1), "40000"),
        ),
        PaymentReceived("P1", "I1", "c1", Decimal("60000"), "RUB", utc(3, 30)),
        _invoice("I2", "D2", "c2", "m2", utc(3, 26), "RUB", (date(2026, 4, 10), "50000")),
        PaymentReceived("P2", "I2", "c2", Decimal("50000"), "RUB", utc(4, 15)),
        _invoice("I3", "D4", "c2", "m1", utc(4, 2), "USD", (date(2026, 4, 20), "1000")),
        ClaimRecorded("CL1", "c2", "D2", "late", utc(4, 16)),
        ClaimRecorded("CL2", "c1", "D1", "quality", utc(3, 29)),
        ActivityLogged("A1", "L1", "m1", ActivityKind.CALL, utc(3, 2, 10)),
        ActivityLogged("A2", "L2", "m2", ActivityKind.EMAIL, utc(3, 3, 11)),
        ActivityLogged("A3", None, "m2", ActivityKind.OBJECTION, utc(3, 15), "D3", "c1", "price"),
        ActivityLogged("A4", None, "m1", ActivityKind.MEETING, utc(4, 12), "D5", "c1"),
        ActivityLogged(
            "A5", None, "m1", ActivityKind.OBJECTION, utc(4, 12, 10), "D5", "c1", "timing"
        ),
        TaskDone("T1", "m1", utc(3, 10)),
        TaskOverdue("T2", "m2", utc(4, 5)),
    ]


async def small_world_reports() -> Reports:
    """The reports over the small world's records, merged in two batches."""
    facts = small_world()
    records = InMemoryReadModels()
    await merge_facts(records, 1, facts[: len(facts) // 2])
    await merge_facts(records, 1, facts[len(facts) // 2 :])
    return Reports(InMemoryFactLog(), records, time_zone=TZ, thresholds=SegmentThresholds())
