"""Pipeline stage gates: required fields, no skipped work, lost reasons, closed and stuck deals."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from deals.domain.pipeline import (
    DEFAULT_LOST_REASONS,
    MoveDecision,
    Pipeline,
    Stage,
    StageKind,
    default_pipeline,
    field_value,
    is_stuck,
    missing_fields,
)

pytestmark = pytest.mark.unit

PIPELINE = default_pipeline()

QUALIFIED: dict[str, object] = {"client_id": "client-5521"}
PROPOSED: dict[str, object] = {
    **QUALIFIED,
    "line_items": [{"product": "ВВГ 3х2.5", "quantity": 500}],
    "proposal": {"sent_on": date(2026, 3, 2)},
}
SIGNED: dict[str, object] = {
    **PROPOSED,
    "contract": {"type": "supply", "signed_on": date(2026, 3, 10)},
    "payment_form": "bank_transfer",
}


def test_default_pipeline_matches_the_domain_notes() -> None:
    assert [s.code for s in PIPELINE.stages] == [
        "new",
        "qualification",
        "proposal",
        "negotiation",
        "contract",
        "invoice",
        "payment",
        "shipment",
        "won",
        "lost",
    ]
    assert PIPELINE.first.code == "new"
    probabilities = [s.probability for s in PIPELINE.stages if s.kind is not StageKind.LOST]
    assert probabilities == sorted(probabilities)
    assert PIPELINE.stage("won").probability == 1
    assert PIPELINE.stage("lost").probability == 0
    assert PIPELINE.stage("invoice").required_fields == ("contract.signed_on",)
    assert PIPELINE.stage("payment").required_fields == ("invoice_id",)


def test_next_stage_with_its_fields_filled_is_allowed() -> None:
    assert PIPELINE.check_move(QUALIFIED, "new", "qualification") == MoveDecision(allowed=True)
    assert PIPELINE.check_move(SIGNED, "contract", "invoice").allowed


def test_missing_required_fields_are_listed_by_path() -> None:
    decision = PIPELINE.check_move(QUALIFIED, "negotiation", "contract")
    assert not decision.allowed
    assert decision.missing == ("contract.type", "payment_form")
    assert decision.problems == ()


@pytest.mark.parametrize(
    "empty", [None, "", "   ", [], {}, ()], ids=["none", "empty", "blank", "list", "dict", "tuple"]
)
def test_empty_values_do_not_fill_a_field(empty: object) -> None:
    decision = PIPELINE.check_move({**QUALIFIED, "line_items": empty}, "qualification", "proposal")
    assert decision.missing == ("line_items",)


def test_flat_dotted_keys_count_like_nested_ones() -> None:
    flat = {"contract.signed_on": date(2026, 3, 10)}
    assert PIPELINE.check_move(flat, "contract", "invoice").allowed
    assert field_value({"contract": "not a mapping"}, "contract.signed_on") is None
    assert missing_fields({"amount": Decimal(0), "vip": False}, ("amount", "vip")) == ()


def test_skipping_stages_whose_work_is_not_done_is_refused() -> None:
    decision = PIPELINE.check_move(QUALIFIED, "qualification", "contract")
    assert not decision.allowed
    assert decision.problems == ("skips stages: proposal, negotiation",)
    assert decision.missing == ("contract.type", "payment_form", "line_items", "proposal.sent_on")


def test_skipping_is_allowed_when_the_skipped_work_is_done() -> None:
    # The client signed at the first meeting: proposal and contract data are all there.
    decision = PIPELINE.check_move(SIGNED, "qualification", "invoice")
    assert decision == MoveDecision(allowed=True)


def test_skip_names_only_the_stages_whose_work_is_missing() -> None:
    facts = {**SIGNED, "invoice_id": "inv-1"}
    del facts["proposal"]
    decision = PIPELINE.check_move(facts, "proposal", "payment")
    assert decision.problems == ("skips stages: negotiation",)
    assert decision.missing == ("proposal.sent_on",)


def test_won_needs_delivery_and_no_skipped_shipment() -> None:
    facts = {**SIGNED, "invoice_id": "inv-1", "payment": {"received_on": date(2026, 3, 12)}}
    assert PIPELINE.check_move(facts, "shipment", "won").missing == ("shipment.delivered_on",)
    delivered = {**facts, "shipment": {"delivered_on": date(2026, 3, 20)}}
    assert PIPELINE.check_move(delivered, "shipment", "won").allowed
    assert PIPELINE.check_move(delivered, "payment", "won").allowed
    unpaid = {**delivered, "payment": {}}
    assert PIPELINE.check_move(unpaid, "payment", "won").problems == ("skips stages: shipment",)


def test_moving_back_to_an_earlier_open_stage_is_allowed_without_gates() -> None:
    assert PIPELINE.check_move({}, "negotiation", "proposal") == MoveDecision(allowed=True)
    assert PIPELINE.check_move({}, "shipment", "new").allowed


def test_lost_needs_a_reason_from_the_list() -> None:
    no_reason = PIPELINE.check_move({}, "proposal", "lost")
    assert not no_reason.allowed
    assert no_reason.problems == ("lost_reason: required to lose a deal",)
    blank = PIPELINE.check_move({}, "proposal", "lost", lost_reason="  ")
    assert blank.problems == no_reason.problems
    unknown = PIPELINE.check_move({}, "proposal", "lost", lost_reason="мне скучно")
    assert unknown.problems == ("lost_reason: not one of the allowed reasons",)
    assert PIPELINE.check_move({}, "new", "lost", lost_reason="competitor").allowed
    assert "competitor" in DEFAULT_LOST_REASONS


def test_lost_reasons_are_configurable() -> None:
    reasons = ("дорого", "ушли к конкуренту")
    assert PIPELINE.check_move(
        {}, "proposal", "lost", lost_reason="дорого", allowed_lost_reasons=reasons
    ).allowed
    assert not PIPELINE.check_move(
        {}, "proposal", "lost", lost_reason="price", allowed_lost_reasons=reasons
    ).allowed


@pytest.mark.parametrize(("closed", "to"), [("won", "shipment"), ("lost", "new"), ("won", "lost")])
def test_a_closed_deal_cannot_move(closed: str, to: str) -> None:
    decision = PIPELINE.check_move(SIGNED, closed, to, lost_reason="price")
    assert not decision.allowed
    assert decision.problems[0].startswith("deal is closed")


def test_unknown_and_same_stages_are_refused() -> None:
    assert PIPELINE.check_move({}, "new", "new").problems == ("already in stage new",)
    decision = PIPELINE.check_move({}, "draft", "archive")
    assert decision.problems == (
        "from_stage: unknown stage 'draft'",
        "to_stage: unknown stage 'archive'",
    )
    with pytest.raises(KeyError):
        PIPELINE.stage("draft")


def test_custom_pipeline_validation() -> None:
    won = Stage("won", "Won", Decimal(1), kind=StageKind.WON)
    lost = Stage("lost", "Lost", Decimal(0), kind=StageKind.LOST)
    new = Stage("new", "New", Decimal("0.1"))
    assert Pipeline("p", "Short", (new, won, lost)).check_move({}, "new", "won").allowed
    with pytest.raises(ValueError, match="unique"):
        Pipeline("p", "Dup", (new, new, won, lost))
    with pytest.raises(ValueError, match="before closed"):
        Pipeline("p", "Order", (new, won, Stage("late", "Late", Decimal("0.5")), lost))
    with pytest.raises(ValueError, match="lost stage"):
        Pipeline("p", "No lost", (new, won))
    with pytest.raises(ValueError, match="won stage"):
        Pipeline("p", "No won", (new, lost))


def test_stage_probability_is_an_exact_share() -> None:
    with pytest.raises(TypeError):
        Stage("x", "X", 0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="between 0 and 1"):
        Stage("x", "X", Decimal("1.5"))
    with pytest.raises(ValueError, match="probability 1"):
        Stage("w", "W", Decimal("0.9"), kind=StageKind.WON)


def test_stuck_after_72_hours_in_a_stage() -> None:
    entered = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    limit = timedelta(hours=72)
    assert not is_stuck(entered, entered + limit)
    assert is_stuck(entered, entered + limit + timedelta(seconds=1))
    assert is_stuck(entered, datetime(2026, 3, 5, 6, 1, tzinfo=UTC))
    assert not is_stuck(entered, entered + timedelta(hours=5), limit=timedelta(hours=5))


def test_stuck_check_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_stuck(datetime(2026, 3, 2), datetime(2026, 3, 6, tzinfo=UTC))  # noqa: DTZ001
