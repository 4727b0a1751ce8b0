"""What each person sees of the leads: a manager their own, a team lead the team's, heads all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from leads_fakes import InMemoryLeadRepository, InMemoryRoster

from leads.domain.contact import normalize_contact
from leads.domain.dedupe import LeadStatus
from leads.domain.lead import Lead
from leads.domain.lead_filter import LeadFilter
from leads.domain.lead_records import Owner
from leads.domain.priority import Priority
from leads.domain.sight import Sight
from leads.service_layer.commands import LeadNotFound
from leads.service_layer.queries import LeadListQuery, LeadQueries
from leads.service_layer.sights import sight_of
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROSTER = [
    {"id": "m-anna", "name": "Anna", "team": "north"},
    {"id": "m-boris", "name": "Boris", "team": "north"},
    {"id": "tl-vera", "name": "Vera", "team": "north", "role": "team_lead"},
    {"id": "m-gleb", "name": "Gleb", "team": "south"},
    {"id": "m-gone", "name": "Gone", "team": "north", "active": False},
]
# lead id → (owner, team)
OWNERS = {
    "L-anna": ("m-anna", "north"),
    "L-boris": ("m-boris", "north"),
    "L-gleb": ("m-gleb", "south"),
}


def lead(lead_id: str, manager: str, team: str) -> Lead:
    request = LeadReceivedV1.model_validate(
        {
            "source": "website",
            "external_id": lead_id,
            "channel": "web_form",
            "contact": {"name": "Client", "phone": "+7 912 000 11 22"},
        }
    )
    return Lead.receive(
        lead_id=lead_id,
        request=request,
        contact=normalize_contact(name="Client", phone="+7 912 000 11 22", email=None),
        received_at=T0,
        priority=Priority(score=10, reasons=()),
        owner=Owner(manager, team, "round_robin", T0 + timedelta(hours=1)),
        client_lead_id=None,
        now=T0,
    )


@pytest.fixture
async def queries() -> LeadQueries:
    clock = ManualClock(T0)
    leads = InMemoryLeadRepository(clock=clock)
    for lead_id, (manager, team) in OWNERS.items():
        await leads.add(lead(lead_id, manager, team))
    return LeadQueries(leads, clock=clock)


@pytest.mark.parametrize(
    ("person", "roles", "expected"),
    [
        (None, set(), Sight.everything()),  # a system's key
        ("m-anna", {"manager"}, Sight(manager_id="m-anna")),
        ("tl-vera", {"team_lead"}, Sight(team="north")),
        ("m-anna", {"manager", "head_of_sales"}, Sight.everything()),
        ("someone", {"admin"}, Sight.everything()),
        ("stranger", {"manager"}, Sight.none()),  # not on the roster
        ("m-gone", {"manager"}, Sight.none()),  # left the company
    ],
)
async def test_a_persons_sight_follows_their_role_and_the_roster(
    person: str | None, roles: set[str], expected: Sight
) -> None:
    assert await sight_of(person, frozenset(roles), InMemoryRoster(ROSTER)) == expected


@pytest.mark.parametrize(
    ("sight", "visible"),
    [
        (Sight.everything(), {"L-anna", "L-boris", "L-gleb"}),
        (Sight(team="north"), {"L-anna", "L-boris"}),
        (Sight(manager_id="m-anna"), {"L-anna"}),
        (Sight.none(), set()),
    ],
)
async def test_reads_and_lists_show_only_what_is_in_sight(
    queries: LeadQueries, sight: Sight, visible: set[str]
) -> None:
    page = await queries.find(LeadListQuery(), offset=0, limit=50, sight=sight)
    assert {item.id for item in page.items} == visible
    assert page.total == len(visible)  # counted in the query, not filtered after paging
    for lead_id in OWNERS:
        if lead_id in visible:
            assert (await queries.lead(lead_id, sight)).id == lead_id
        else:
            with pytest.raises(LeadNotFound):
                await queries.lead(lead_id, sight)


async def test_asking_for_someone_elses_leads_gives_an_empty_page(queries: LeadQueries) -> None:
    mine = Sight(manager_id="m-anna")
    others = await queries.find(LeadListQuery(manager_id="m-gleb"), offset=0, limit=50, sight=mine)
    assert (others.items, others.total) == ([], 0)
    queue = await queries.queue("m-boris", offset=0, limit=50, sight=Sight(team="north"))
    assert [item.id for item in queue.items] == ["L-boris"]
    south = await queries.queue("m-gleb", offset=0, limit=50, sight=Sight(team="north"))
    assert south.total == 0


def test_narrowing_keeps_the_callers_own_filters() -> None:
    wanted = LeadFilter(statuses=frozenset({LeadStatus.NEW}), channel="web_form")
    assert Sight(team="north").narrow(wanted) == LeadFilter(
        statuses=frozenset({LeadStatus.NEW}), channel="web_form", team="north"
    )
    assert Sight(team="north").narrow(LeadFilter(team="south")) is None
    assert Sight.everything().narrow(wanted) == wanted
