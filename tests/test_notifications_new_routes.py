"""The emails of EditLinkRequested, PlaceOffered, ReminderDue, CitySignedUp and NominationDeclined:
planned from real contract payloads, to the right people, rendered in their language."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from services.notifications.domain.emails import Recipient
from services.notifications.domain.routes import STAFF_KINDS, plan
from services.notifications.mail.rendering import render
from shared.contracts import (
    CallClosed,
    CitySignedUp,
    Contact,
    EditLinkRequested,
    NominationDeclined,
    PlaceOffered,
    ReminderDue,
)
from tests.test_notifications_calendar import NOW, activity, event, focal_point, invitation

STAFF = (Recipient("a@efus.eu", "A", "en", is_staff=True),)


def contact(language: str = "lv", timezone: str = "Europe/Riga", email: str = "anna@riga.example.eu") -> Contact:
    return Contact(person_id=uuid4(), name="Anna Bērziņa", email=email, language=language, timezone=timezone)


def application_fields(recipient: Contact) -> dict:
    return {
        "application_id": uuid4(),
        "call_id": "pactesur-2-associated-cities",
        "call_titles": {"en": "Call for associated cities"},
        "call_title": "Uzaicinājums asociētajām pilsētām",
        "call_timezone": "Europe/Brussels",
        "city": "Riga",
        "country": "LV",
        "recipient": recipient,
    }


def rendered(email):
    return render(email.template, email.recipient.language, email.context)


def test_edit_link_goes_only_to_the_application_contact_in_their_language_and_timezone():
    payload = EditLinkRequested(
        **application_fields(contact()),
        requested_at=NOW,
        edit_url="https://pactesur.efus.eu/applications/tok",
        editable_until=NOW + timedelta(days=20),
    )
    [email] = plan(event(payload), STAFF)
    assert (email.template, email.recipient.email, email.essential) == (
        "edit_link_requested",
        "anna@riga.example.eu",
        True,
    )
    out = rendered(email)
    assert "Riga" in out.subject and "https://pactesur.efus.eu/applications/tok" in out.text
    assert 'href="https://pactesur.efus.eu/applications/tok"' in out.html
    assert "(Europe/Riga)" in out.text and "Cienījamais" not in out.subject


def test_place_offered_gives_the_signup_link_and_its_deadline():
    payload = PlaceOffered(
        **application_fields(contact(language="pl", timezone="Europe/Warsaw", email="k@krakow.example.eu")),
        offered_at=NOW,
        replaces_city="Lyon",
        city_id=uuid4(),
        signup_url="https://pactesur.efus.eu/cities/signup/tok",
        signup_expires_at=NOW + timedelta(days=14),
    )
    [email] = plan(event(payload), STAFF)
    assert (email.template, email.recipient.email, email.essential) == ("place_offered", "k@krakow.example.eu", True)
    out = rendered(email)
    assert "Wolne miejsce" in out.subject
    assert "https://pactesur.efus.eu/cities/signup/tok" in out.text and "8 grudnia 2026" in out.text
    assert "(Europe/Warsaw)" in out.text and "Lyon" not in out.text


def reminder(inv, *, days_before: int) -> ReminderDue:
    return ReminderDue(
        activity=activity(),
        invitation=inv,
        focal_point=focal_point(),
        occurred_at=NOW,
        reminder_id=uuid4(),
        days_before=days_before,
        due_at=NOW,
    )


@pytest.mark.parametrize(
    ("days", "language", "expected"),
    [
        (7, "en", "begins in 7 days."),
        (1, "en", "begins in 1 day."),
        (0, "en", "begins today."),
        (2, "pl", "rozpoczyna się za 2 dni."),
        (21, "lv", "sākas pēc 21 dienas."),
        (5, "cs", "začíná za 5 dní."),
    ],
)
def test_reminder_in_the_participants_language_and_timezone(days, language, expected):
    inv = invitation("camille@lyon.example.eu", language=language)
    payload = reminder(inv, days_before=days)
    [email] = plan(event(payload), STAFF)
    assert (email.template, email.recipient.email, email.essential) == (
        "activity_reminder",
        "camille@lyon.example.eu",
        True,
    )
    assert email.calendar is None
    out = rendered(email)
    assert "Académie de police, Nice" in out.subject and expected in out.text
    assert "65 promenade des Anglais" in out.text and "(Europe/Paris)" in out.text
    assert inv.ics_url in out.text and f'href="{inv.ics_url}"' in out.html


def test_reminder_dates_are_in_the_participants_own_timezone():
    inv = invitation("camille@lyon.example.eu", language="en")
    inv = inv.model_copy(update={"participant": inv.participant.model_copy(update={"timezone": "Europe/Helsinki"})})
    payload = reminder(inv, days_before=3)
    [email] = plan(event(payload), STAFF)
    text = rendered(email).text
    assert "May 10, 2027, 10:00" in text and "(Europe/Helsinki)" in text and "(Europe/Paris)" not in text  # 07:00 UTC


def city_signed_up(role: str, deputy: Contact | None, application_id=None) -> CitySignedUp:
    return CitySignedUp(
        city_id=uuid4(),
        name="Riga",
        country="LV",
        role=role,
        languages=("lv", "en"),
        timezone="Europe/Riga",
        focal_point=contact(),
        deputy=deputy,
        signed_up_at=NOW,
        terms_version="2026-1",
        application_id=application_id,
    )


def test_city_signed_up_welcomes_the_focal_point_and_the_deputy():
    deputy = contact(language="en", email="deputy@riga.example.eu")
    planned = plan(event(city_signed_up("associated", deputy, uuid4())), STAFF)
    assert [(p.template, p.recipient.email, p.essential) for p in planned] == [
        ("city_signed_up", "anna@riga.example.eu", True),
        ("city_signed_up", "deputy@riga.example.eu", True),
        *(("staff_city_signed_up", member.email, False) for member in STAFF),
    ]
    assert "asociētā pilsēta" in rendered(planned[0]).text
    assert "Riga is now signed up for PACTESUR 2 as an associated city." in rendered(planned[1]).text
    assert "Riga (LV) has signed up to PACTESUR 2" in rendered(planned[2]).text
    [alone, *staff_told] = plan(event(city_signed_up("partner", None, uuid4())), STAFF)
    assert len(staff_told) == len(STAFF)
    assert alone.recipient.email == "anna@riga.example.eu"
    english = render("city_signed_up", "en", alone.context)
    assert "as a partner." in english.text and english.subject == "Welcome to PACTESUR 2: Riga"


def test_consortium_members_loaded_by_the_seed_are_not_welcomed():
    """The seed signs the consortium up without an application, on every deployment."""
    assert plan(event(city_signed_up("partner", contact(email="deputy@riga.example.eu"))), STAFF) == []


def test_staff_hear_that_a_call_closed_and_how_many_applied():
    closed = CallClosed(
        call_id="c", call_titles={"en": "Call for cities", "fr": "Appel aux villes"}, closed_at=NOW,
        call_timezone="Europe/Brussels", applications=37,
    )  # fmt: skip
    planned = plan(event(closed), STAFF)
    assert {p.template for p in planned} == {"staff_call_closed"} and len(planned) == len(STAFF)
    english = render("staff_call_closed", "en", planned[0].context)
    assert english.subject == "Call closed: Call for cities" and "Applications received: 37" in english.text


def test_declined_nomination_tells_staff_and_the_focal_point():
    payload = NominationDeclined(
        activity=activity(),
        invitation=invitation("camille@lyon.example.eu"),
        focal_point=focal_point(),
        occurred_at=NOW,
        was_confirmed=True,
    )
    planned = plan(event(payload), STAFF)
    assert [(p.template, p.recipient.email, p.essential) for p in planned] == [
        ("staff_nomination_declined", "a@efus.eu", False),
        ("nomination_declined", "focal@lyon.example.eu", True),
    ]
    assert "staff_nomination_declined" in STAFF_KINDS
    staff_notice = rendered(planned[0])
    assert staff_notice.subject == "Nomination declined: Camille Martin – Académie de police, Nice"
    focal = rendered(planned[1])
    assert "Camille Martin (Lyon) a décliné l’invitation à Académie de police, Nice." in focal.text
