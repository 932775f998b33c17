"""Notification rules without I/O: routing, idempotency keys, retry schedule, rendering."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.notifications.domain.delivery import (
    RetryPolicy,
    SendPace,
    is_transient_smtp_code,
    lane_of,
    next_attempt_at,
)
from services.notifications.domain.digest import digest_cutoff, digest_id
from services.notifications.domain.emails import (
    FAILURE_NOTICE,
    PlannedEmail,
    Preferences,
    Recipient,
    disposition,
    failure_notices,
    message_id,
)
from services.notifications.domain.explanation import explanation
from services.notifications.domain.routes import STAFF_KINDS, plan
from services.notifications.mail.rendering import render
from shared.i18n import fallback_chain
from tests.test_events import submitted_event

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
STAFF = (Recipient("a@efus.eu", "A", "en", is_staff=True), Recipient("b@efus.eu", "B", "fr", is_staff=True))


def test_application_submitted_goes_to_applicant_and_each_staff_member():
    emails = plan(submitted_event(language="el"), STAFF)
    assert [(e.template, e.recipient.email, e.recipient.language) for e in emails] == [
        ("application_received", "anna@riga.lv", "el"),
        ("staff_new_application", "a@efus.eu", "en"),
        ("staff_new_application", "b@efus.eu", "fr"),
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


CONTEXT = {
    "payload": submitted_event(
        city="Kordelió-Évosmos",
        contact_name="Νίκος <b>",
        call_title="PACTESUR 2",
        submitted_at=NOW,
        closes_at=NOW + timedelta(days=30),
        timezone="Europe/Athens",
    ).payload
}


@pytest.mark.parametrize(
    ("language", "used", "greeting"),
    [
        ("el", "el", "Αγαπητέ/ή"),
        ("fr", "fr", "Madame, Monsieur"),
        ("pt-PT", "pt", "Caro/a"),
        ("sv", "sv", "Bästa"),
        ("ja", "en", "Dear"),
    ],
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


def test_backoff_follows_the_configured_policy():
    policy = RetryPolicy(max_attempts=3, base_seconds=0.5, cap_seconds=2)
    assert [next_attempt_at(NOW, n, 0.0, policy) - NOW for n in (1, 2, 3, 4)] == [
        timedelta(seconds=s) for s in (0.5, 1, 2, 2)
    ]


def email(template="staff_new_application", essential=False, staff=True, address="a@efus.eu"):
    return PlannedEmail(Recipient(address, "A", "en", is_staff=staff), template, essential, {})


def test_disposition():
    opted = Preferences(opted_out=frozenset({("a@efus.eu", "staff_new_application")}))
    digest = Preferences(digest=frozenset({("a@efus.eu", "staff_new_application")}))
    assert disposition(email(address="A@efus.eu"), opted).status == "suppressed"
    assert disposition(email(essential=True), opted).status == "pending"
    assert disposition(email(), digest).status == "held"
    assert disposition(email(staff=False), digest).status == "pending"
    assert disposition(email(template="other"), opted).status == "pending"


def test_send_pace_spreads_a_burst():
    pace = SendPace(rate=10, burst=1)
    waits = [pace.wait_before_next(NOW) for _ in range(5)]
    assert waits == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
    assert SendPace(rate=10).wait_before_next(NOW + timedelta(seconds=10)) == 0
    assert SendPace(rate=0).wait_before_next(NOW) == 0


def test_one_recipient_always_uses_the_same_smtp_lane():
    assert lane_of("Anna@Riga.lv", 4) == lane_of("anna@riga.lv", 4)
    lanes = {lane_of(f"person-{n}@city.example.eu", 4) for n in range(100)}
    assert lanes == {0, 1, 2, 3}
    assert lane_of("anyone@city.example.eu", 1) == 0


def test_failure_notices_go_to_staff_once_and_never_about_a_notice():
    notice_id, emails = failure_notices(7, "x@city.eu", "application_received", "Subject", "550 no", STAFF)
    assert [e.recipient.email for e in emails] == ["a@efus.eu", "b@efus.eu"]
    assert {e.template for e in emails} == {FAILURE_NOTICE} and emails[0].context["recipient"] == "x@city.eu"
    assert notice_id == failure_notices(7, "x@city.eu", "application_received", "S", "e", STAFF)[0]
    assert failure_notices(8, "a@efus.eu", FAILURE_NOTICE, "S", "e", STAFF)[1] == []
    assert FAILURE_NOTICE in STAFF_KINDS and "staff_new_application" in STAFF_KINDS


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (datetime(2026, 11, 24, 16, 0, tzinfo=UTC), datetime(2026, 11, 24, 16, 0, tzinfo=UTC)),  # 17:00 CET
        (datetime(2026, 11, 24, 15, 59, tzinfo=UTC), datetime(2026, 11, 23, 16, 0, tzinfo=UTC)),
        (datetime(2026, 7, 1, 15, 30, tzinfo=UTC), datetime(2026, 7, 1, 15, 0, tzinfo=UTC)),  # 17:00 CEST
    ],
)
def test_digest_cutoff_is_17h_brussels(now, cutoff):
    assert digest_cutoff(now) == cutoff
    assert digest_id("A@efus.eu", digest_cutoff(now)) == digest_id("a@efus.eu", cutoff)


def test_the_explainer_names_its_reason():
    event = uuid4()
    assert explanation("a@x.eu", None, None, [], [], [], []).reason == "no_email_to_address"
    assert explanation("a@x.eu", event, False, [], [], [], []).reason == "event_not_received"
    assert explanation("a@x.eu", event, True, [], [], [], []).reason == "no_route"
