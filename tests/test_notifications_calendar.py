"""Calendar invitations: the ICS parses (icalendar) with the right UID, SEQUENCE and METHOD, and
travels as a text/calendar alternative and as an .ics attachment."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import icalendar

from services.notifications.domain.routes import plan
from services.notifications.mail.message import build_message
from services.notifications.mail.rendering import render
from shared.calendar import build_ics
from shared.contracts import (
    Activity,
    ActivityRescheduled,
    Contact,
    Explanation,
    Invitation,
    NominationCancelled,
    NominationConfirmed,
    Participant,
    Places,
    Venue,
)
from shared.contracts.events import new_event
from tests.test_notifications_mime import INVITATION_PARTS

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
STARTS = datetime(2027, 5, 10, 7, 0, tzinfo=UTC)


def activity(revision: int = 1, starts_at: datetime = STARTS) -> Activity:
    venue = Venue(name="CUM", address="65 promenade des Anglais", city="Nice", country="FR", timezone="Europe/Paris")
    return Activity(
        activity_id=uuid4(),
        kind="police_academy",
        titles={"en": "Police Academy, Nice; day 1", "fr": "Académie de police, Nice"},
        status="confirmed",
        host_city="Nice",
        venue=venue,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=2, hours=9),
        timezone="Europe/Paris",
        working_languages=("en", "fr"),
        capacity=30,
        city_quota=3,
        nomination_deadline=starts_at - timedelta(days=30),
        revision=revision,
        organiser={"name": "Efus PACTESUR 2", "email": "pactesur@efus.eu"},
        calendar_url="https://pactesur.efus.eu/calendar/a.ics",
    )


def invitation(email_address: str, *, sequence: int = 0, method: str = "REQUEST", language: str = "fr") -> Invitation:
    person = Participant(
        person_id=uuid4(),
        name="Camille Martin",
        email=email_address,
        language=language,
        timezone="Europe/Paris",
        city_id=uuid4(),
        city_name="Lyon",
        country="FR",
    )
    return Invitation(
        nomination_id=uuid4(),
        participant=person,
        status="cancelled" if method == "CANCEL" else "confirmed",
        activity_title="Académie de police, Nice",
        ics_uid=f"nomination-{person.person_id}@pactesur.efus.eu",
        ics_sequence=sequence,
        ics_method=method,
        ics_url="https://pactesur.efus.eu/ics/x.ics",
        decline_url=None if method == "CANCEL" else "https://pactesur.efus.eu/decline?token=t",
    )


def focal_point() -> Contact:
    return Contact(
        person_id=uuid4(), name="Focal", email="focal@lyon.example.eu", language="fr", timezone="Europe/Paris"
    )


def places() -> Explanation:
    counts = Places(capacity=30, confirmed=1, city_quota=3, city_confirmed=1, waitlisted=0)
    return Explanation(reason="place_available", message="A place was free.", places=counts)


def confirmed(email_address: str, **kwargs):
    payload = NominationConfirmed(
        activity=activity(),
        invitation=invitation(email_address, **kwargs),
        focal_point=focal_point(),
        occurred_at=NOW,
        explanation=places(),
    )
    return event(payload)


def cancelled(inv: Invitation):
    payload = NominationCancelled(
        activity=activity(revision=2),
        invitation=inv,
        focal_point=focal_point(),
        occurred_at=NOW,
        cancelled_by="Focal",
        was_confirmed=True,
    )
    return event(payload)


def event(payload):
    return new_event(payload, key="a", event_id=uuid4(), occurred_at=NOW, producer="scheduling", correlation_id="c")


def parse(ics: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ics)


def test_invitation_ics_parses_with_uid_sequence_and_method():
    [planned] = plan(confirmed("camille@lyon.example.eu", sequence=3), ())
    assert planned.template == "activity_invitation" and planned.essential
    calendar = parse(build_ics(planned.calendar))
    [vevent] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == planned.context["invitation"].ics_uid and int(vevent["SEQUENCE"]) == 3
    assert vevent.decoded("DTSTART") == STARTS and vevent.decoded("DTSTART").tzinfo is not None
    assert str(vevent["SUMMARY"]) == "Académie de police, Nice"
    assert "camille@lyon.example.eu" in str(vevent["ATTENDEE"]) and str(vevent["STATUS"]) == "CONFIRMED"


def test_cancellation_keeps_the_uid_and_says_cancel():
    first = confirmed("camille@lyon.example.eu", sequence=1)
    inv = first.payload.invitation.model_copy(update={"ics_sequence": 2, "ics_method": "CANCEL", "decline_url": None})
    [planned] = plan(cancelled(inv), ())
    calendar = parse(build_ics(planned.calendar))
    [vevent] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL" and str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]) == first.payload.invitation.ics_uid and int(vevent["SEQUENCE"]) == 2
    email_ = render(planned.template, "fr", planned.context)
    assert email_.subject.startswith("Annulé : Académie de police")


def test_rescheduling_reissues_every_invitation_with_a_higher_sequence():
    invitations = tuple(invitation(f"p{i}@city.example.eu", sequence=4) for i in range(3))
    old = activity()
    payload = ActivityRescheduled(
        activity=activity(revision=5, starts_at=STARTS + timedelta(days=7)),
        changed_by="Marta",
        occurred_at=NOW,
        invitations=invitations,
        changed_fields=("starts_at", "ends_at"),
        previous_starts_at=old.starts_at,
        previous_ends_at=old.ends_at,
        previous_venue=old.venue,
    )
    planned = plan(event(payload), ())
    assert [p.recipient.email for p in planned] == [f"p{i}@city.example.eu" for i in range(3)]
    assert {int(parse(build_ics(p.calendar)).walk("VEVENT")[0]["SEQUENCE"]) for p in planned} == {4}
    assert render("activity_invitation", "de", planned[0].context).subject.startswith("Geändert:")


def test_ics_escapes_text_and_folds_long_lines():
    [planned] = plan(confirmed("camille@lyon.example.eu"), ())
    ics = build_ics(planned.calendar)
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    vevent = parse(ics).walk("VEVENT")[0]
    assert "65 promenade des Anglais" in str(vevent["LOCATION"]) and "," in str(vevent["LOCATION"])


def test_message_has_calendar_alternative_and_ics_attachment():
    [planned] = plan(confirmed("camille@lyon.example.eu"), ())
    rendered = render(planned.template, "fr", planned.context)
    ics = build_ics(planned.calendar)
    mail = build_message(
        sender="PACTESUR 2 <no-reply@pactesur.efus.eu>",
        recipient="camille@lyon.example.eu",
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        language="fr",
        message_id="<x@pactesur.efus.eu>",
        date=NOW,
        calendar=ics,
        calendar_method="REQUEST",
    )
    parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in parsed.walk()] == INVITATION_PARTS
    calendar_part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert calendar_part.get_param("method") == "REQUEST"
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == "invite.ics" and parse(
        attachment.get_content().decode() if isinstance(attachment.get_content(), bytes) else attachment.get_content()
    )
    assert "(Europe/Paris)" in rendered.text and "Décliner cette invitation" in rendered.text


def test_staff_hear_of_waitlisted_and_cancelled_nominations():
    from services.notifications.domain.emails import Recipient
    from shared.contracts import NominationWaitlisted

    staff = (Recipient("a@efus.eu", "A", "en", is_staff=True),)
    inv = invitation("camille@lyon.example.eu")
    waitlisted = NominationWaitlisted(
        activity=activity(), invitation=inv, focal_point=focal_point(), occurred_at=NOW, explanation=places()
    )
    planned = plan(event(waitlisted), staff)
    assert ("staff_nomination_waitlisted", "a@efus.eu") in [(p.template, p.recipient.email) for p in planned]
    cancel = inv.model_copy(update={"ics_method": "CANCEL", "ics_sequence": 1, "decline_url": None})
    planned = plan(cancelled(cancel), staff)
    assert [(p.template, p.recipient.email) for p in planned] == [
        ("activity_invitation", "camille@lyon.example.eu"),
        ("staff_nomination_cancelled", "a@efus.eu"),
    ]
    assert "Camille Martin" in render("staff_nomination_cancelled", "en", planned[1].context).subject
