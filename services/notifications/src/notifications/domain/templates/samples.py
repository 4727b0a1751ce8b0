"""Made-up contexts of the built-in event kinds, for trial renders of templates."""

from __future__ import annotations

from collections.abc import Mapping

from notifications.domain.model import EventKind

_COMMON: Mapping[str, object] = {
    "recipient_name": "Анна Смирнова",
    "sender_name": "ООО «Пример»",
    "time_zone": "Europe/Moscow",
}
_LEAD: Mapping[str, object] = {
    "lead_id": "lead-0001",
    "lead_name": "ООО «Ромашка»",
    "respond_by": "2026-03-03T07:00:00+00:00",
    "deadline_at": "2026-03-03T07:00:00+00:00",
    "manager_name": "Иван Петров",
}
_PAYMENT: Mapping[str, object] = {
    "invoice_number": "2026-0042",
    "amount": "1250000.00",
    "currency": "RUB",
    "due_date": "2026-04-15",
    "client_name": "ООО «Ромашка»",
    "manager_name": "Иван Петров",
}
_DEAL: Mapping[str, object] = {
    "deal_name": "Поставка насосов",
    "client_name": "ООО «Ромашка»",
    "manager_name": "Иван Петров",
    "amount": "1250000.00",
    "currency": "RUB",
    "lost_reason": "Выбрали поставщика с более коротким сроком поставки",
}
_CLIENT: Mapping[str, object] = {
    "client_name": "ООО «Ромашка»",
    "contract_number": "Д-17/2025",
    "renewal_date": "2026-06-30",
    "last_purchase_date": "2026-02-20",
}
_TASK: Mapping[str, object] = {
    "task_id": "task-0007",
    "task_title": "Перезвонить по коммерческому предложению",
    "due_at": "2026-03-03T07:00:00+00:00",
    "assignee_name": "Иван Петров",
}
_MEETING: Mapping[str, object] = {
    "meeting_id": "meeting-0012",
    "meeting_title": "Демонстрация оборудования",
    "starts_at": "2026-03-03T07:00:00+00:00",
    "where": "Офис клиента, ул. Ленина, 5",
    "organizer_name": "Иван Петров",
}

_PROPOSAL: Mapping[str, object] = {
    "number": "КП-2026-0007",
    "version": 2,
    "amount": "1250000.00",
    "currency": "RUB",
    "valid_until": "2026-03-16",
    "accept_url": "https://crm.example.com/p/proposal-9c1e/accept?v=2&sig=1f2e",
    "decline_url": "https://crm.example.com/p/proposal-9c1e/decline?v=2&sig=3d4c",
    "client_name": "ООО «Ромашка»",
    "manager_name": "Иван Петров",
}
_ANSWER: Mapping[str, object] = {
    "proposal_name": "proposal-9c1e",
    "version": 2,
    "deal_name": "Поставка насосов",
    "client_name": "ООО «Ромашка»",
}
_ACCEPTED: Mapping[str, object] = {**_ANSWER, "amount": "1250000.00", "currency": "RUB"}
_DECLINED: Mapping[str, object] = {**_ANSWER, "reason": "Дорого"}

_BY_EVENT_TYPE: Mapping[str, Mapping[str, object]] = {
    "lead.assigned": _LEAD,
    "lead.reassigned": _LEAD,
    "lead.sla_breached": _LEAD,
    "payment.due": _PAYMENT,
    "deal.stage_changed": _DEAL,
    "contract.renewal_due": _CLIENT,
    "client.segment_changed": _CLIENT,
    "task.overdue": _TASK,
    "meeting.reminder_due": _MEETING,
    "proposal.sent": _PROPOSAL,
    "proposal.accepted": _ACCEPTED,
    "proposal.declined": _DECLINED,
}


def sample_context(event_kind: str) -> dict[str, object]:
    """Made-up context a built-in kind's templates read: every key a template may use.

    The service layer must supply all of these keys (None for an absent optional value);
    admin tools validate a team's custom template against this sample. Amounts are Decimal
    strings with a `currency`, dates ISO strings, instants aware ISO strings.
    """
    try:
        kind = EventKind(event_kind)
    except ValueError:
        raise KeyError(f"no built-in sample for event kind {event_kind!r}") from None
    return {**_COMMON, **_BY_EVENT_TYPE[kind.value.partition(":")[0]]}
