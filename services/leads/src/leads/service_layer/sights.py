"""What a caller of the HTTP API may see of the leads, from their role and the roster."""

from __future__ import annotations

from collections.abc import Set

from leads.domain.sight import Sight
from leads.service_layer.ports import Roster
from shared.platform.access import HEADS


async def sight_of(person: str | None, roles: Set[str], roster: Roster) -> Sight:
    """Everything for a system (no person) or a head; a team lead's team; a manager's own.

    A person is found on the roster by their id; one who is not there sees nothing, so a
    token for someone the sales department does not know opens no lead.
    """
    if person is None or roles & HEADS:
        return Sight.everything()
    manager = await roster.get_manager(person)
    if manager is None or not manager.active:
        return Sight.none()
    if "team_lead" in roles:
        return Sight(team=manager.team)
    return Sight(manager_id=manager.id)
