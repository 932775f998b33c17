"""Notification rules without I/O: routing, idempotency keys, retry schedule, rendering."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.notifications.domain import is_transient_smtp_code, message_id, next_attempt_at, plan
from services.notifications.rendering import fallback_chain, render
from tests.test_events import submitted_event

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_application_submitted_goes_to_applicant_and_each_staff_member():
    emails = plan(submitted_event(language="el"), ("a@efus.eu", "b@efus.eu"))
    assert [(e.template, e.recipient.email, e.recipient.language) for e in emails] == [
        ("application_received", "anna@riga.lv", "el"),
        ("staff_new_application", "a@efus.eu", "en"),
        ("staff_new_application", "b@efus.eu", "en"),
    ]
    assert emails[0].essential and not emails[1].essential


def test_message_id_is_deterministic_per_key():
    event_id = uuid4()
    first = message_id(event_id, "Anna@Riga.lv", "application_received")
    assert first == message_id(event_id, "anna@riga.lv", "application_received")
    assert first != message_id(event_id, "anna@riga.lv", "staff_new_application")
    assert first.startswith("<") and first.endswith("@pactesur.efus.eu>")


@pytest.mark.parametrize(("code", "transient"), [(None, True), (421, True), (451, True), (550, False), (554, False)])
def test_smtp_classification(code, transient):
    assert is_transient_smtp_code(code) is transient


def test_backoff_grows_and_is_capped():
    delays = [next_attempt_at(NOW, n, 0.0) - NOW for n in range(1, 12)]
    assert delays[:3] == [timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)]
    assert max(delays) == timedelta(hours=1)
    assert next_attempt_at(NOW, 1, 0.5) - NOW == timedelta(seconds=7.5)


def test_fallback_chain():
    assert fallback_chain("pt-PT") == ["pt_PT", "pt"]
    assert fallback_chain("fr") == ["fr"]


CONTEXT = dict(
    city="Kordelió-Évosmos",
    contact_name="Νίκος <b>",
    call_title="PACTESUR 2",
    application_id="A-1",
    submitted_at=NOW,
    closes_at=NOW + timedelta(days=30),
    timezone="Europe/Athens",
)


@pytest.mark.parametrize(
    ("language", "used", "greeting"),
    [("el", "el", "Αγαπητέ/ή"), ("fr", "fr", "Madame, Monsieur"), ("pt-PT", "pt", "Caro/a"), ("sv", "en", "Dear")],
)
def test_confirmation_in_the_recipient_language(language, used, greeting):
    email = render("application_received", language, CONTEXT)
    assert email.language == used
    assert email.text.startswith(greeting)
    assert "Kordelió-Évosmos" in email.subject and "\n" not in email.subject
    assert "(Europe/Athens)" in email.text and ("17:00" in email.text or "5:00" in email.text)


def test_html_is_escaped_and_text_is_not():
    email = render("application_received", "en", CONTEXT)
    assert "Νίκος &lt;b&gt;" in email.html and "<b>" not in email.html
    assert "Νίκος <b>" in email.text
