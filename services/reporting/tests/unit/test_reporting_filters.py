"""Each filter a report applies, with figures worked out by hand on the small world.

The world and its figures are described in `reporting_small_world`; days are 2026.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from reporting_small_world import NOW, small_world_reports

from reporting.domain.activity import LeaderboardRow, ResponseStats
from reporting.domain.channels import ChannelFigures
from reporting.domain.receivables import AgeBucket, InvoicedVsPaid, OverdueBucket, PaymentDiscipline
from reporting.domain.sales import SalesReport
from reporting.domain.segments import ChurnReasons, Segment
from reporting.service_layer.queries import Filters

pytestmark = pytest.mark.unit

RUB, USD = "RUB", "USD"
DAY = timedelta(days=1)


def sold(
    won: dict[str, str] | None = None,
    days: tuple[int, ...] = (),
    *,
    lost: int = 0,
    open_rub: str | None = None,
    weighted_rub: str | None = None,
    open_count: int = 0,
) -> SalesReport:
    """A sales report of deals won in RUB (amounts), `days` to close each, lost for price."""
    amounts = {currency: Decimal(amount) for currency, amount in (won or {}).items()}
    closing = sorted(DAY * d for d in days)
    middle = len(closing) // 2
    median = (
        None
        if not closing
        else closing[middle]
        if len(closing) % 2
        else (closing[middle - 1] + closing[middle]) / 2
    )
    return SalesReport(
        won_count=len(days),
        won_sum=amounts,
        average_deal={c: (a / len(days)).quantize(Decimal("0.01")) for c, a in amounts.items()},
        time_to_close_median=median,
        time_to_close_p90=closing[-1] if closing else None,
        lost_count=lost,
        lost_reasons={"price": lost} if lost else {},
        open_count=open_count,
        open_sum={RUB: Decimal(open_rub)} if open_rub else {},
        weighted_pipeline={RUB: Decimal(weighted_rub)} if weighted_rub else {},
    )


def named(filters: Filters) -> str:
    """A test id: the filters given, as in a query."""
    return "&".join(f"{k}={v}" for k, v in vars(filters).items() if v is not None)


D1 = sold({RUB: "100000"}, (15,))
"""D1 alone: won 20 Mar, 15 days after it opened."""
D2 = sold({RUB: "50000"}, (19,))
"""D2 alone: won 25 Mar, 19 days after it opened."""
D2_D4 = sold({RUB: "50000"}, (19,), open_rub="30000", weighted_rub="15000.00", open_count=1)
D4 = sold(open_rub="30000", weighted_rub="15000.00", open_count=1)


async def test_the_whole_sales_report_before_any_filter() -> None:
    reports = await small_world_reports()
    everything = await reports.sales(Filters())
    # Won D1 100 000 (15 d), D2 50 000 (19 d), D5 10 000 (2 d); lost D3; open D4.
    assert everything == SalesReport(
        won_count=3,
        won_sum={RUB: Decimal("160000")},
        average_deal={RUB: Decimal("53333.33")},
        time_to_close_median=15 * DAY,
        time_to_close_p90=19 * DAY,
        lost_count=1,
        lost_reasons={"price": 1},
        open_count=1,
        open_sum={RUB: Decimal("30000")},
        weighted_pipeline={RUB: Decimal("15000.00")},
    )


SALES_CASES = [
    # Team: the team of the deal's lead (L1 north, L2 south); D3–D5 have no lead.
    (Filters(team="north"), D1),
    (Filters(team="south"), D2),
    # Channel: the lead's (L1 web_form, L2 phone), else the deal's own, else "unknown".
    (Filters(channel="web_form"), D1),
    (Filters(channel="phone"), D2),
    (Filters(channel="exhibition"), sold(lost=1)),
    (
        Filters(channel="unknown"),
        sold({RUB: "10000"}, (2,), open_rub="30000", weighted_rub="15000.00", open_count=1),
    ),
    # Client: c1 has D1 (won, 15 d), D3 (lost) and D5 (won, 2 d): median 8.5 days.
    (Filters(client_id="c1"), sold({RUB: "110000"}, (15, 2), lost=1)),
    (Filters(client_id="c2"), D2_D4),
    # With a manager too (as a manager's own view narrows it): m1 sold c1 only D1.
    (Filters(manager_id="m1", client_id="c1"), D1),
    (Filters(team="north", channel="phone"), sold()),
]


@pytest.mark.parametrize(
    ("filters", "expected"), [pytest.param(f, e, id=named(f)) for f, e in SALES_CASES]
)
async def test_sales_apply_team_channel_and_client(filters: Filters, expected: SalesReport) -> None:
    reports = await small_world_reports()
    assert await reports.sales(filters) == expected


async def test_sales_by_manager_apply_manager_team_channel_and_client() -> None:
    reports = await small_world_reports()
    assert await reports.sales_by_manager(Filters()) == {
        "m1": sold({RUB: "100000"}, (15,), open_rub="30000", weighted_rub="15000.00", open_count=1),
        "m2": sold({RUB: "60000"}, (19, 2), lost=1),
    }
    assert await reports.sales_by_manager(Filters(manager_id="m2")) == {
        "m2": sold({RUB: "60000"}, (19, 2), lost=1)
    }
    assert await reports.sales_by_manager(Filters(team="north")) == {"m1": D1}
    assert await reports.sales_by_manager(Filters(channel="phone")) == {"m2": D2}
    assert await reports.sales_by_manager(Filters(client_id="c2")) == {"m1": D4, "m2": D2}


M1_RESPONSE = ResponseStats("m1", 2, 1, Decimal("0.5000"), 1, 1, Decimal(3600))
"""L1 (contacted by m1 after 3 600 s, within the SLA) and L3 (breached by m1)."""
M2_RESPONSE = ResponseStats("m2", 1, 1, Decimal("1.0000"), 1, 0, Decimal(7200))
"""L2: breached by m2, then contacted by m2 after 7 200 s."""


async def test_response_applies_manager_and_channel() -> None:
    reports = await small_world_reports()
    assert await reports.response(Filters()) == {"m1": M1_RESPONSE, "m2": M2_RESPONSE}
    assert await reports.response(Filters(manager_id="m1")) == {"m1": M1_RESPONSE}
    assert await reports.response(Filters(channel="phone")) == {"m2": M2_RESPONSE}
    assert await reports.response(Filters(channel="web_form")) == {"m1": M1_RESPONSE}
    assert await reports.response(Filters(team="north", channel="phone")) == {}


async def test_the_leaderboard_applies_manager() -> None:
    reports = await small_world_reports()
    # m1: D1 100 000, call and meeting; m2: D2 + D5 = 60 000, one e-mail (objections no contact).
    m1 = LeaderboardRow("m1", Decimal("100000"), 1, 2)
    m2 = LeaderboardRow("m2", Decimal("60000"), 2, 1)
    assert await reports.leaderboard(Filters(), RUB) == (m1, m2)
    assert await reports.leaderboard(Filters(manager_id="m2"), RUB) == (m2,)


async def test_receivables_apply_currency() -> None:
    reports = await small_world_reports()
    assert await reports.invoiced_vs_paid(Filters()) == InvoicedVsPaid(
        invoiced={RUB: Decimal("150000"), USD: Decimal("1000")},
        paid={RUB: Decimal("110000")},
        outstanding={RUB: Decimal("40000"), USD: Decimal("1000")},
    )
    assert await reports.invoiced_vs_paid(Filters(currency=USD)) == InvoicedVsPaid(
        invoiced={USD: Decimal("1000")}, paid={}, outstanding={USD: Decimal("1000")}
    )
    assert await reports.invoiced_vs_paid(Filters(currency=RUB)) == InvoicedVsPaid(
        invoiced={RUB: Decimal("150000")},
        paid={RUB: Decimal("110000")},
        outstanding={RUB: Decimal("40000")},
    )


def aging(count: int, outstanding: dict[str, str]) -> tuple[OverdueBucket, ...]:
    """Every overdue installment 1–30 days past due, the other buckets empty."""
    young = OverdueBucket(
        AgeBucket.DAYS_1_30, count, {c: Decimal(a) for c, a in outstanding.items()}
    )
    return (young, *(OverdueBucket(b, 0, {}) for b in list(AgeBucket)[1:]))


async def test_aging_applies_currency() -> None:
    reports = await small_world_reports()
    # I1-2 (RUB 40 000, due 1 May) is 14 days past due, I3-1 (USD 1 000, due 20 Apr) 25.
    assert await reports.overdue(Filters(), NOW) == aging(2, {RUB: "40000", USD: "1000"})
    assert await reports.overdue(Filters(currency=USD), NOW) == aging(1, {USD: "1000"})
    assert await reports.overdue(Filters(currency=RUB, client_id="c2"), NOW) == aging(0, {})


async def test_payment_discipline_applies_manager_and_client() -> None:
    reports = await small_world_reports()
    # c1: I1-1 paid on time, I1-2 unpaid 14 days. c2: I2-1 paid 5 days late, I3-1 unpaid 25.
    c1 = PaymentDiscipline("c1", 2, 1, Decimal("0.5000"), Decimal("7.00"))
    c2 = PaymentDiscipline("c2", 2, 0, Decimal("0.0000"), Decimal("15.00"))
    assert await reports.discipline(Filters(), NOW) == {"c1": c1, "c2": c2}
    # m1 issued I1 and I3: c2 counts I3 only.
    c2_of_m1 = PaymentDiscipline("c2", 1, 0, Decimal("0.0000"), Decimal("25.00"))
    assert await reports.discipline(Filters(manager_id="m1"), NOW) == {"c1": c1, "c2": c2_of_m1}
    c2_of_m2 = PaymentDiscipline("c2", 1, 0, Decimal("0.0000"), Decimal("5.00"))
    assert await reports.discipline(Filters(manager_id="m2"), NOW) == {"c2": c2_of_m2}
    assert await reports.discipline(Filters(client_id="c2"), NOW) == {"c2": c2}


async def test_segments_apply_manager_and_client() -> None:
    reports = await small_world_reports()
    # c1 last bought 20 Apr (D5, from m2): hot at 25 days; c2 on 25 Mar (D2): cooling at 51.
    assert await reports.segments(Filters(), NOW) == {"c1": Segment.HOT, "c2": Segment.COOLING}
    # m1's buyers: c1 (D1). Its segment is still c1's own, from D5 (m1's D1 alone: cooling).
    assert await reports.segments(Filters(manager_id="m1"), NOW) == {"c1": Segment.HOT}
    assert await reports.segments(Filters(client_id="c2"), NOW) == {"c2": Segment.COOLING}
    assert await reports.segments(Filters(manager_id="m1", client_id="c2"), NOW) == {}


async def test_churn_reasons_apply_client() -> None:
    reports = await small_world_reports()
    c1 = ChurnReasons(lost_reasons={"price": 1}, claim_categories={"quality": 1})
    c2 = ChurnReasons(lost_reasons={}, claim_categories={"late": 1})
    assert await reports.churn(Filters()) == {"c1": c1, "c2": c2}
    assert await reports.churn(Filters(client_id="c2")) == {"c2": c2}


async def test_channels_apply_channel() -> None:
    reports = await small_world_reports()
    web = ChannelFigures("web_form", 2, 1, 1, {RUB: Decimal("100000")})
    phone = ChannelFigures("phone", 1, 1, 1, {RUB: Decimal("50000")})
    unknown = ChannelFigures("unknown", 0, 0, 1, {RUB: Decimal("10000")})
    assert await reports.channels(Filters()) == {
        "phone": phone,
        "unknown": unknown,
        "web_form": web,
    }
    assert await reports.channels(Filters(channel="web_form")) == {"web_form": web}
    assert await reports.channels(Filters(channel="email")) == {}
