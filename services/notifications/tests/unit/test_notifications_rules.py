"""Trigger rules: who hears about each event, over which channels, and how urgently."""

from collections.abc import Mapping
from decimal import Decimal

import pytest

from notifications.domain.model import Channel, EventKind, RecipientKind
from notifications.domain.rules import (
    DEFAULT_CHANNELS,
    NotificationIntent,
    RuleConfig,
    RuleInputError,
    SourceEvent,
    intents_for,
)
from notifications.domain.templates import BUILTIN_TEMPLATES
from shared.contracts.events.payment_due import ReminderKind as ContractReminderKind
from shared.contracts.events.tasks import OverdueLevel
from shared.contracts.topics import Topic
from shared.kernel.reminders import ReminderKind

pytestmark = pytest.mark.unit

CLIENT, MANAGER, HEAD = RecipientKind.CLIENT, RecipientKind.MANAGER, RecipientKind.HEAD_OF_SALES


def who(intents: list[NotificationIntent]) -> list[tuple[EventKind, RecipientKind]]:
    return [(intent.event_kind, intent.recipient_role) for intent in intents]


PROPOSAL_LINKS: Mapping[str, object] = {
    "accept_url": "https://crm.example.com/p/proposal-9c1e/accept?v=2&sig=1f",
    "decline_url": "https://crm.example.com/p/proposal-9c1e/decline?v=2&sig=2e",
}


def deal(
    to_stage_kind: str | None, amount: object = "1250000.00", currency: str = "RUB"
) -> dict[str, object]:
    return {"to_stage_kind": to_stage_kind, "amount": {"amount": amount, "currency": currency}}


def test_lead_assignment_and_reassignment_urgently_notify_the_manager() -> None:
    for event_type, kind in [
        ("lead.assigned", EventKind.LEAD_ASSIGNED),
        ("lead.reassigned", EventKind.LEAD_REASSIGNED),
    ]:
        assert intents_for(event_type, {}) == [
            NotificationIntent(kind, MANAGER, DEFAULT_CHANNELS[MANAGER], urgent=True)
        ]


def test_sla_breach_goes_to_the_manager_and_escalates_to_the_head() -> None:
    assert who(intents_for("lead.sla_breached", {})) == [(EventKind.LEAD_SLA_BREACHED, MANAGER)]
    escalated = intents_for("lead.sla_breached", {"escalated": True})
    assert who(escalated) == [
        (EventKind.LEAD_SLA_BREACHED, MANAGER),
        (EventKind.LEAD_SLA_ESCALATED, HEAD),
    ]
    assert all(intent.urgent for intent in escalated)


@pytest.mark.parametrize(
    ("kind", "client_kind", "manager_kind"),
    [
        ("on_issue", EventKind.PAYMENT_ON_ISSUE, EventKind.PAYMENT_ON_ISSUE_MANAGER),
        ("mid_term", EventKind.PAYMENT_MID_TERM, EventKind.PAYMENT_MID_TERM_MANAGER),
        ("day_before", EventKind.PAYMENT_DAY_BEFORE, EventKind.PAYMENT_DAY_BEFORE_MANAGER),
    ],
)
def test_installment_reminders_go_to_the_client_with_a_copy_to_the_manager(
    kind: str, client_kind: EventKind, manager_kind: EventKind
) -> None:
    intents = intents_for("payment.due", {"kind": kind, "installment_id": "inst-1"})
    assert who(intents) == [(client_kind, CLIENT), (manager_kind, MANAGER)]
    assert intents[0].channels == (Channel.EMAIL, Channel.MESSENGER, Channel.SMS)
    assert not any(intent.urgent for intent in intents)


def test_overdue_payment_goes_to_manager_and_head_but_not_to_the_client_by_default() -> None:
    assert who(intents_for("payment.due", {"kind": "overdue"})) == [
        (EventKind.PAYMENT_OVERDUE_MANAGER, MANAGER),
        (EventKind.PAYMENT_OVERDUE_HEAD, HEAD),
    ]


def test_a_team_may_send_clients_a_polite_overdue_notice() -> None:
    config = RuleConfig(notify_client_when_overdue=True)
    assert who(intents_for("payment.due", {"kind": "overdue"}, config)) == [
        (EventKind.PAYMENT_OVERDUE, CLIENT),
        (EventKind.PAYMENT_OVERDUE_MANAGER, MANAGER),
        (EventKind.PAYMENT_OVERDUE_HEAD, HEAD),
    ]


def test_manager_copies_of_reminders_can_be_switched_off() -> None:
    config = RuleConfig(copy_manager_on_reminders=False)
    assert who(intents_for("payment.due", {"kind": "mid_term"}, config)) == [
        (EventKind.PAYMENT_MID_TERM, CLIENT)
    ]
    assert len(intents_for("payment.due", {"kind": "overdue"}, config)) == 2


@pytest.mark.parametrize(
    ("stage", "kind"), [("won", EventKind.DEAL_WON), ("lost", EventKind.DEAL_LOST)]
)
def test_won_or_lost_deal_reaches_the_head_of_sales(stage: str, kind: EventKind) -> None:
    assert who(intents_for("deal.stage_changed", deal(stage))) == [(kind, HEAD)]


def test_other_stage_changes_notify_nobody() -> None:
    assert intents_for("deal.stage_changed", deal("negotiation")) == []
    assert intents_for("deal.stage_changed", {"to_stage": "proposal"}) == []


def test_deal_threshold_is_per_currency_and_inclusive() -> None:
    config = RuleConfig(deal_thresholds={"RUB": Decimal("1000000")})
    assert intents_for("deal.stage_changed", deal("won", "999999.99"), config) == []
    assert len(intents_for("deal.stage_changed", deal("won", "1000000.00"), config)) == 1
    # No threshold for USD: the default of 0 lets it through.
    assert len(intents_for("deal.stage_changed", deal("lost", "10", "USD"), config)) == 1


def test_default_threshold_applies_to_unlisted_currencies() -> None:
    config = RuleConfig(default_deal_threshold=Decimal("50000"))
    assert intents_for("deal.stage_changed", deal("won", "100", "EUR"), config) == []
    assert config.deal_threshold("EUR") == Decimal("50000")


@pytest.mark.parametrize(
    ("segment", "kind"),
    [
        ("hot", EventKind.CADENCE_HOT),
        ("warm", EventKind.CADENCE_WARM),
        ("sleeping", EventKind.CADENCE_SLEEPING),
    ],
)
def test_segment_change_gives_the_manager_a_cadence_task(segment: str, kind: EventKind) -> None:
    assert who(intents_for("client.segment_changed", {"to_segment": segment})) == [(kind, MANAGER)]


def test_segments_without_a_cadence_notify_nobody() -> None:
    assert intents_for("client.segment_changed", {"to_segment": "new"}) == []


def test_contract_renewal_reminds_the_manager() -> None:
    assert who(intents_for("contract.renewal_due", {})) == [
        (EventKind.CONTRACT_RENEWAL_DUE, MANAGER)
    ]


@pytest.mark.parametrize(
    ("level", "kind"),
    [("assignee", EventKind.TASK_OVERDUE), ("team_lead", EventKind.TASK_OVERDUE_TEAM_LEAD)],
)
def test_an_overdue_task_goes_to_the_person_the_event_names_as_staff_mail_does(
    level: str, kind: EventKind
) -> None:
    # Both levels reach a person of the department: the manager's channels, not urgent, so
    # quiet hours hold it until morning; the person is read from `notify_person_id`.
    payload = {"level": level, "notify_person_id": "tl-olga", "assignee_id": "mgr-ivanova"}
    assert intents_for("task.overdue", payload) == [
        NotificationIntent(
            kind,
            MANAGER,
            (Channel.MESSENGER, Channel.EMAIL, Channel.SMS),
            urgent=False,
            person_field="notify_person_id",
        )
    ]


def test_an_overdue_task_follows_the_staff_channels_the_team_configured() -> None:
    config = RuleConfig(channels={MANAGER: (Channel.EMAIL, Channel.MESSENGER)})
    (intent,) = intents_for("task.overdue", {"level": "team_lead"}, config)
    assert intent.channels == (Channel.EMAIL, Channel.MESSENGER)


def test_a_meeting_reminder_urgently_reaches_the_organizer_then_each_colleague() -> None:
    # Urgent: an hour before an 08:30 meeting is 07:30, inside quiet hours; held until
    # 09:00 the reminder would come after the meeting began. Organizer first, so one who is
    # also listed among the staff is told once (the first intent to claim a person wins).
    payload = {"organizer_id": "mgr-a", "staff_ids": ["mgr-b", "mgr-c"], "title": "Demo"}
    staff_channels = (Channel.MESSENGER, Channel.EMAIL, Channel.SMS)
    assert intents_for("meeting.reminder_due", payload) == [
        NotificationIntent(
            EventKind.MEETING_REMINDER_DUE,
            MANAGER,
            staff_channels,
            urgent=True,
            person_field="organizer_id",
        ),
        NotificationIntent(
            EventKind.MEETING_REMINDER_DUE,
            MANAGER,
            staff_channels,
            urgent=True,
            person_field="staff_ids",
        ),
    ]
    # Without colleagues the rule is the same: the service layer finds nobody in the list.
    assert intents_for("meeting.reminder_due", {**payload, "staff_ids": []}) == intents_for(
        "meeting.reminder_due", payload
    )


def test_a_proposal_goes_to_the_client_by_e_mail_only_at_the_address_it_may_name() -> None:
    # Not urgent: quiet hours and caps hold it like any client message. E-mail only, even
    # when the team lets clients be reached by messenger first: the PDF is an attachment.
    config = RuleConfig(channels={CLIENT: (Channel.MESSENGER, Channel.EMAIL)})
    assert intents_for("proposal.sent", PROPOSAL_LINKS, config) == [
        NotificationIntent(
            EventKind.PROPOSAL_SENT,
            CLIENT,
            (Channel.EMAIL,),
            urgent=False,
            address_field="recipient_email",
        )
    ]


@pytest.mark.parametrize("event_type", ["proposal.accepted", "proposal.declined"])
def test_a_proposals_answer_goes_to_the_manager_as_staff_messages_do(event_type: str) -> None:
    assert intents_for(event_type, {"manager_id": "mgr-ivanova"}) == [
        NotificationIntent(
            EventKind(event_type), MANAGER, (Channel.MESSENGER, Channel.EMAIL, Channel.SMS)
        )
    ]


@pytest.mark.parametrize(
    ("field", "link"),
    [
        ("accept_url", "javascript:alert(1)"),
        ("decline_url", "data:text/html,<b>x</b>"),
        ("accept_url", None),
        ("decline_url", "crm.example.com/p/1"),
    ],
)
def test_a_proposal_whose_link_is_no_web_address_is_refused_naming_the_field(
    field: str, link: object
) -> None:
    with pytest.raises(RuleInputError, match=f"'{field}' must be an http") as refused:
        intents_for("proposal.sent", {**PROPOSAL_LINKS, field: link})
    assert str(link) not in str(refused.value)


def test_other_events_resolve_their_people_by_role() -> None:
    payloads: list[tuple[str, Mapping[str, object]]] = [
        ("lead.assigned", {}),
        ("lead.sla_breached", {"escalated": True}),
        ("payment.due", {"kind": "overdue"}),
        ("contract.renewal_due", {}),
    ]
    assert {i.person_field for t, p in payloads for i in intents_for(t, p)} == {None}


def test_unknown_events_call_for_nothing() -> None:
    assert intents_for("lead.received", {"anything": 1}) == []
    assert intents_for("payment.received", {}) == []


def test_channel_preferences_come_from_the_config() -> None:
    config = RuleConfig(channels={MANAGER: (Channel.EMAIL,)})
    assert intents_for("lead.assigned", {}, config)[0].channels == (Channel.EMAIL,)
    # Roles the config leaves out keep the defaults.
    head = intents_for("lead.sla_breached", {"escalated": True}, config)[1]
    assert head.channels == DEFAULT_CHANNELS[HEAD]


@pytest.mark.parametrize(
    ("event_type", "payload", "message"),
    [
        ("payment.due", {}, "'kind' is missing"),
        ("payment.due", {"kind": "every_day"}, "'kind' has an unknown value"),
        ("lead.sla_breached", {"escalated": "yes"}, "'escalated' must be a boolean"),
        ("deal.stage_changed", {"to_stage_kind": "won"}, "'amount' must be an object"),
        ("deal.stage_changed", deal("won", 1250000.5), "Decimal string"),
        ("deal.stage_changed", deal("won", "lots"), "not a decimal"),
        ("deal.stage_changed", deal("won", "Infinity"), "finite"),
        ("deal.stage_changed", {"to_stage_kind": "won", "amount": {"amount": "1"}}, "currency"),
        ("client.segment_changed", {}, "'to_segment' is missing"),
        ("task.overdue", {"notify_person_id": "tl-olga"}, "'level' is missing"),
        ("task.overdue", {"level": "head_of_sales"}, "'level' has an unknown value"),
    ],
)
def test_bad_payloads_are_refused_naming_the_field_not_the_value(
    event_type: str, payload: dict[str, object], message: str
) -> None:
    with pytest.raises(RuleInputError, match=message):
        intents_for(event_type, payload)


def test_every_intent_has_a_builtin_template() -> None:
    payloads: list[tuple[str, Mapping[str, object]]] = [
        ("lead.assigned", {}),
        ("lead.reassigned", {}),
        ("lead.sla_breached", {"escalated": True}),
        *[("payment.due", {"kind": kind.value}) for kind in ReminderKind],
        ("deal.stage_changed", deal("won")),
        ("deal.stage_changed", deal("lost")),
        *[("client.segment_changed", {"to_segment": s}) for s in ("hot", "warm", "sleeping")],
        ("contract.renewal_due", {}),
        *[("task.overdue", {"level": level.value}) for level in OverdueLevel],
        ("meeting.reminder_due", {}),
        ("proposal.sent", PROPOSAL_LINKS),
        ("proposal.accepted", {}),
        ("proposal.declined", {}),
    ]
    config = RuleConfig(notify_client_when_overdue=True)
    emitted = {i.event_kind for t, p in payloads for i in intents_for(t, p, config)}
    assert emitted == set(EventKind)
    assert {key.event_kind for key in BUILTIN_TEMPLATES} == emitted


def test_vocabulary_matches_the_shared_contracts() -> None:
    assert {k.value for k in ReminderKind} == {k.value for k in ContractReminderKind}
    assert {level.value for level in OverdueLevel} == {"assignee", "team_lead"}
    topics = {t.value for t in Topic}
    # Every event the rules react to is a topic (contract.renewal_due became one too).
    assert {e.value for e in SourceEvent} <= topics
