"""Every email template renders in all 24 official EU languages: subject, plain text and HTML."""

from __future__ import annotations

import re

import pytest

from services.notifications.mail.rendering import email_templates, render
from services.notifications.mail.samples import SAMPLES, sample_context
from services.notifications.web.unsubscribe import PAGES
from shared.web.pages.viewer import LinkHolder, Viewer
from tests.test_notifications_catalogues import EU_LANGUAGES

LEFTOVER = re.compile(r"%\(\w+\)|\{\{|\{%|\}\}")


def test_every_template_has_sample_data():
    assert sorted(SAMPLES) == email_templates()


@pytest.mark.parametrize("template", email_templates())
@pytest.mark.parametrize("language", EU_LANGUAGES)
def test_renders_in_every_language(template, language):
    email = render(template, language, sample_context(template), unsubscribe_url="https://x.example/u?t=1")
    assert email.language == language
    assert email.subject and "\n" not in email.subject
    for part in (email.subject, email.text, email.html):
        assert not LEFTOVER.search(part), part
    assert email.html.startswith("<!DOCTYPE html>") and f'lang="{language}"' in email.html
    assert "https://x.example/u?t=1" in email.text and 'href="https://x.example/u?t=1"' in email.html


def test_no_unsubscribe_link_without_url():
    email = render("application_received", "fr", sample_context("application_received"))
    assert "désabonner" not in email.text and "désabonner" not in email.html


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "1 notification"),
        ("en", 2, "2 notifications"),
        ("pl", 2, "2 powiadomienia"),
        ("pl", 5, "5 powiadomień"),
        ("pl", 22, "22 powiadomienia"),
        ("lv", 11, "11 paziņojumu"),
        ("lv", 21, "21 paziņojums"),
        ("sl", 102, "102 obvestili"),
        ("ro", 21, "21 de notificări"),
        ("mt", 2, "2 notifiki"),
        ("mt", 11, "11-il notifika"),
        ("fr", 0, "0 notification"),
    ],
)
def test_plural_forms_in_the_digest_subject(language, count, expected):
    items = [{"subject": "s", "text": "t"}] * count
    assert expected in render("staff_digest", language, {"items": items}).subject


def test_unsubscribe_page_is_translated():
    texts = PAGES.texts(Viewer.of(LinkHolder("de-AT"), None, PAGES.languages))
    assert texts.language == "de" and "nicht mehr" in texts("You will no longer receive this kind of email.")


@pytest.mark.parametrize(
    ("decision", "language", "subject", "body"),
    [
        ("selected", "el", "Η αίτησή σας επιλέχθηκε", "https://pactesur.efus.eu/sign-up?token=sample"),
        ("waitlisted", "pl", "liście rezerwowej", "(pozycja 2)"),
        ("rejected", "ga", "Cinneadh ar d'iarratas", "nár roghnaíodh"),
    ],
)
def test_decision_variants(decision, language, subject, body):
    context = sample_context("decision_released", decision=decision, waitlist_position=2)
    email = render("decision_released", language, context)
    assert subject in email.subject and body in email.text


def test_decision_released_goes_to_the_application_contact_in_their_language():
    from uuid import uuid4

    from services.notifications.domain.routes import plan
    from shared.contracts import Contact, DecisionReleased
    from shared.contracts.events import new_event
    from tests.test_notifications_calendar import NOW

    person = Contact(
        person_id=uuid4(), name="Ana", email="ana@porto.example.eu", language="pt", timezone="Europe/Lisbon"
    )
    payload = DecisionReleased(
        application_id=uuid4(),
        call_id="c",
        call_titles={"en": "Call"},
        call_title="Convite",
        call_timezone="Europe/Brussels",
        city="Porto",
        country="PT",
        recipient=person,
        decision="waitlisted",
        released_at=NOW,
        waitlist_position=3,
    )
    event = new_event(payload, key="k", event_id=uuid4(), occurred_at=NOW, producer="registration", correlation_id="c")
    [email] = plan(event, ())
    assert (email.template, email.recipient.email, email.essential) == (
        "decision_released",
        "ana@porto.example.eu",
        True,
    )
    assert "(posição 3)" in render(email.template, email.recipient.language, email.context).text
