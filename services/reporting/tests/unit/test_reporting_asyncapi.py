"""The committed AsyncAPI document is current and names exactly the topics subscribed to."""

import pytest

from reporting.asyncapi import DOCUMENT, RECEIVES, document
from reporting.bootstrap import build
from reporting.settings import ReportingSettings
from shared.contracts.asyncapi import render

pytestmark = pytest.mark.unit


def test_committed_asyncapi_document_is_current() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(document()), "run `make schemas`"


def test_documented_receives_are_the_registered_subscriptions() -> None:
    broker = build(ReportingSettings()).app.state.broker
    subscribed = {name for sub in broker.subscribers for name in sub.topic_names}
    assert subscribed == {topic.value for topic in RECEIVES}
