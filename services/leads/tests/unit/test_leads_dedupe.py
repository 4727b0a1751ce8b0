"""Unit tests for duplicate detection of incoming leads by phone or e-mail."""

from datetime import UTC, datetime, timedelta

import pytest

from leads.domain.contact import normalize_contact
from leads.domain.dedupe import LeadStatus, OpenLeadRef, dedupe_keys, find_duplicate

pytestmark = pytest.mark.unit

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)
PHONE = "+79123456789"
EMAIL = "ivan@mail.ru"


def ref(
    lead_id: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    age: timedelta = timedelta(days=1),
    status: LeadStatus = LeadStatus.ASSIGNED,
) -> OpenLeadRef:
    return OpenLeadRef(lead_id, phone, email, NOW - age, status)


def find(
    candidate_phone: str | None, candidate_email: str | None, *leads: OpenLeadRef
) -> OpenLeadRef | None:
    candidate = normalize_contact(phone=candidate_phone, email=candidate_email)
    return find_duplicate(candidate, leads, received_at=NOW, window=WINDOW)


def test_call_after_email_joins_the_lead_with_the_same_phone() -> None:
    lead = ref("L1", phone=PHONE, email=EMAIL)

    assert find("8 (912) 345-67-89", None, ref("L0", phone="+79990000000"), lead) == lead


def test_email_differing_only_in_case_and_spaces_joins_the_lead() -> None:
    lead = ref("L1", email=EMAIL)

    assert find(None, "  Ivan@Mail.RU ", lead) == lead


def test_lead_inactive_longer_than_the_window_is_not_a_duplicate() -> None:
    assert find(PHONE, None, ref("L1", phone=PHONE, age=WINDOW + timedelta(seconds=1))) is None


def test_lead_active_exactly_at_the_window_edge_is_a_duplicate() -> None:
    lead = ref("L1", phone=PHONE, age=WINDOW)

    assert find(PHONE, None, lead) == lead


@pytest.mark.parametrize("status", [LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED])
def test_closed_lead_is_never_a_duplicate(status: LeadStatus) -> None:
    assert find(PHONE, EMAIL, ref("L1", phone=PHONE, email=EMAIL, status=status)) is None


def test_most_recently_active_match_is_chosen() -> None:
    older = ref("L1", phone=PHONE, age=timedelta(days=5))
    newer = ref("L2", email=EMAIL, age=timedelta(hours=2))
    oldest = ref("L3", phone=PHONE, age=timedelta(days=20))

    assert find(PHONE, EMAIL, older, newer, oldest) == newer


def test_equal_activity_times_pick_the_same_lead_in_any_order() -> None:
    a = ref("L1", phone=PHONE)
    b = ref("L2", phone=PHONE)

    assert find(PHONE, None, a, b) == find(PHONE, None, b, a) == b


def test_invalid_contact_data_never_matches_anything() -> None:
    assert find("123", "ivan@", ref("L1", phone="123", email="ivan@")) is None


def test_different_person_is_not_a_duplicate() -> None:
    assert find("+79990000000", "petr@mail.ru", ref("L1", phone=PHONE, email=EMAIL)) is None


def test_dedupe_keys_list_valid_phone_and_email() -> None:
    contact = normalize_contact(phone="8 912 345 67 89", email="Ivan@Mail.ru")

    assert dedupe_keys(contact) == ("phone:+79123456789", "email:ivan@mail.ru")


def test_dedupe_keys_skip_invalid_and_missing_values() -> None:
    assert dedupe_keys(normalize_contact(phone="123", messenger_handle="@ivan")) == ()
