"""The committed AsyncAPI document is current and lists exactly the topics leads subscribes to."""

import pytest

from leads.asyncapi import DOCUMENT, RECEIVES, document
from leads.bootstrap import build
from leads.settings import LeadsSettings
from shared.contracts.asyncapi import render

pytestmark = pytest.mark.unit


def test_committed_asyncapi_document_is_current() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(document()), "run `make schemas`"


def test_documented_receives_are_the_registered_subscriptions() -> None:
    broker = build(LeadsSettings()).app.state.broker
    subscribed = {name for sub in broker.subscribers for name in sub.topic_names}
    assert subscribed == {topic.value for topic in RECEIVES}
