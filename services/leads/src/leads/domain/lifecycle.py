"""Lead lifecycle: which moves are allowed from which status, and what counts as contact."""

from __future__ import annotations

from leads.domain.dedupe import CLOSED_STATUSES, LeadStatus

AWAITING_CONTACT: frozenset[LeadStatus] = frozenset({LeadStatus.NEW, LeadStatus.ASSIGNED})
OPEN_STATUSES: frozenset[LeadStatus] = frozenset(LeadStatus) - CLOSED_STATUSES

CONTACT_KINDS = frozenset({"call", "email", "message", "meeting"})
MISSED_OUTCOMES = frozenset({"missed", "no_answer_inbound"})


class LifecycleError(Exception):
    """A move the lead's current status does not allow; the message is safe to show."""


def counts_as_contact(
    kind: str, direction: str, outcome: str | None, *, before_request: bool = False
) -> bool:
    """Whether an activity is the manager's response to the lead.

    An outbound call nobody answered still counts: the SLA measures how fast the manager
    reacted, and reassigning a lead the manager is already dialling helps nobody. A note is
    not contact, and neither is an inbound call the manager missed. Nothing that happened
    before the request was received (`before_request`) answers it: a person's call minutes
    before their web form goes on the timeline, and the assignee still owes the response.
    """
    if kind not in CONTACT_KINDS or before_request:
        return False
    return not (direction == "inbound" and outcome in MISSED_OUTCOMES)


def check_qualify(status: LeadStatus) -> None:
    """A lead is qualified after someone talked to it."""
    if status is not LeadStatus.CONTACTED:
        raise LifecycleError(f"a lead can be qualified only once contacted; it is {status}")


def check_convert(status: LeadStatus) -> bool:
    """A contacted or qualified lead converts; True when qualification is implied on the way."""
    if status is LeadStatus.QUALIFIED:
        return False
    if status is LeadStatus.CONTACTED:
        return True
    raise LifecycleError(f"a lead converts only after contact; it is {status}")


def check_disqualify(status: LeadStatus, reason: str, allowed: frozenset[str]) -> None:
    """Any open lead may be closed, with a reason from the configured list."""
    if status in CLOSED_STATUSES:
        raise LifecycleError(f"the lead is already closed ({status})")
    if reason not in allowed:
        raise LifecycleError(
            f"unknown disqualification reason; allowed: {', '.join(sorted(allowed))}"
        )


def check_reassign(status: LeadStatus) -> None:
    """Only an open lead changes hands."""
    if status in CLOSED_STATUSES:
        raise LifecycleError(f"the lead is already closed ({status})")
