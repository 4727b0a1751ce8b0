"""Which leads a list or a work queue shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from leads.domain.dedupe import LeadStatus
from leads.domain.lead import Lead


@dataclass(frozen=True)
class LeadFilter:
    """Every condition set here must hold; `statuses=None` means any status (empty: none)."""

    statuses: frozenset[LeadStatus] | None = None
    manager_id: str | None = None
    team: str | None = None
    channel: str | None = None
    min_priority: int | None = None
    deadline_before: datetime | None = None

    def matches(self, lead: Lead) -> bool:
        """Whether the lead passes every condition."""
        return (
            (self.statuses is None or lead.status in self.statuses)
            and (self.manager_id is None or lead.manager_id == self.manager_id)
            and (self.team is None or lead.team == self.team)
            and (self.channel is None or lead.channel.value == self.channel)
            and (self.min_priority is None or lead.priority.score >= self.min_priority)
            and (
                self.deadline_before is None
                or (lead.sla_deadline is not None and lead.sla_deadline < self.deadline_before)
            )
        )
