"""Which leads a caller may see: all of them, a team's, or one manager's own."""

from __future__ import annotations

from dataclasses import dataclass, replace

from leads.domain.lead import Lead
from leads.domain.lead_filter import LeadFilter


@dataclass(frozen=True)
class Sight:
    """All leads (systems, heads of sales, admins), one team's, or one manager's own.

    A lead outside it does not exist for the caller: reads answer 404 and lists leave it out.
    """

    team: str | None = None
    manager_id: str | None = None
    nothing: bool = False

    @classmethod
    def everything(cls) -> Sight:
        """What systems, heads of sales and admins see."""
        return cls()

    @classmethod
    def none(cls) -> Sight:
        """What a person who is not on the roster sees."""
        return cls(nothing=True)

    def sees(self, lead: Lead) -> bool:
        """Whether the lead is within sight."""
        if self.nothing:
            return False
        return (self.team is None or lead.team == self.team) and (
            self.manager_id is None or lead.manager_id == self.manager_id
        )

    def narrow(self, wanted: LeadFilter) -> LeadFilter | None:
        """The filter limited to this sight, or None when nothing it asks for is in sight."""
        if self.nothing:
            return None
        if self.team is not None:
            if wanted.team not in (None, self.team):
                return None
            wanted = replace(wanted, team=self.team)
        if self.manager_id is not None:
            if wanted.manager_id not in (None, self.manager_id):
                return None
            wanted = replace(wanted, manager_id=self.manager_id)
        return wanted
