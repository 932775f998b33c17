"""Sample data for every email template: the staff preview endpoint and the rendering tests use it.

An event's email is sampled from a CONTRACT INSTANCE of the event that causes it, planned by the
routing table exactly as the consumer plans it: a renamed or removed field fails the rendering
tests (the templates are strict about undefined names) instead of rendering empty. Only the two
notices notifications writes itself (a failed delivery, the daily digest) have no contract.

A new template needs its entry here (tests/test_notifications_rendering.py checks that every
template has one and renders it in all 24 languages).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from services.notifications.domain.coalescing import WaitingNotice
from services.notifications.domain.emails import Recipient, failure_notices
from services.notifications.domain.routes import plan
from services.notifications.domain.stand_ins import BouncedCityEmail, stand_in_notices
from shared import contracts
from shared.contracts.events import Payload, new_event

SAMPLE_TIME = datetime(2027, 3, 15, 9, 30, tzinfo=UTC)
SAMPLE_STAFF = (Recipient("pactesur@efus.eu", "Efus staff", "en", is_staff=True),)

_APPLICATION_ID = UUID("6f1c2a4e-1111-4e5b-9c1a-2b3c4d5e6f70")
_CALL = {
    "application_id": _APPLICATION_ID,
    "call_id": "pactesur-2-associated-cities",
    "call_titles": {"en": "PACTESUR 2 – call for associated cities"},
    "call_title": "PACTESUR 2 – call for associated cities",
    "call_timezone": "Europe/Brussels",
    "city": "Kordelió-Évosmos",
    "country": "GR",
}


def _person(number: int, name: str, email: str, language: str, timezone: str) -> dict[str, Any]:
    """What every contract's person carries (contracts.PersonDetails)."""
    return {"person_id": UUID(int=number), "name": name, "email": email, "language": language, "timezone": timezone}


_CONTACT = contracts.Contact(
    **_person(1, "Νίκος Παπαδόπουλος", "focal.point@kordelio-evosmos.example.eu", "el", "Europe/Athens")
)
_APPLICATION = _CALL | {"recipient": _CONTACT}
_SUBMITTED = contracts.ApplicationSubmitted(
    **_CALL,
    contact_name=_CONTACT.name,
    contact_email=_CONTACT.email,
    contact_person_id=_CONTACT.person_id,
    language="el",
    motivation="Our squares host large open-air markets every week.",
    submitted_at=SAMPLE_TIME,
    closes_at=SAMPLE_TIME + timedelta(days=30),
    timezone="Europe/Athens",
    edit_url="https://pactesur.efus.eu/applications/sample-token",
)
_ACTIVITY = contracts.Activity(
    activity_id=UUID("0b7a1d52-2222-4c1e-8f00-1a2b3c4d5e6f"),
    kind="police_academy",
    titles={"en": "Police Academy: protecting public spaces"},
    status="confirmed",
    host_city="Nice",
    venue=contracts.Venue(
        name="Centre universitaire méditerranéen",
        address="65 promenade des Anglais",
        city="Nice",
        country="FR",
        timezone="Europe/Paris",
    ),
    starts_at=SAMPLE_TIME + timedelta(days=60),
    ends_at=SAMPLE_TIME + timedelta(days=62, hours=8),
    timezone="Europe/Paris",
    working_languages=("en", "fr"),
    capacity=30,
    city_quota=3,
    nomination_deadline=SAMPLE_TIME + timedelta(days=30),
    revision=1,
    organiser=contracts.Organiser(name="Efus PACTESUR 2", email="pactesur@efus.eu"),
    calendar_url="https://pactesur.efus.eu/activities/0b7a1d52/calendar.ics",
)
_INVITATION = contracts.Invitation(
    nomination_id=UUID("0b7a1d52-4444-4c1e-8f00-1a2b3c4d5e6f"),
    participant=contracts.Participant(
        **_person(2, "Anna Bērziņa", "anna@riga.example.eu", "lv", "Europe/Riga"),
        city_id=UUID("0b7a1d52-6666-4c1e-8f00-1a2b3c4d5e6f"),
        city_name="Riga",
        country="LV",
    ),
    status="confirmed",
    activity_title="Police Academy: protecting public spaces",
    ics_uid="activity-0b7a1d52-participant-1@pactesur.efus.eu",
    ics_sequence=0,
    ics_method="REQUEST",
    ics_url="https://pactesur.efus.eu/invitations/sample/invite.ics",
    decline_url="https://pactesur.efus.eu/decline?token=sample",
    participant_url="https://pactesur.efus.eu/participants/sample",
)
_STAFF_MEMBER = contracts.Contact(**_person(4, "Élodie Martin", "elodie.martin@efus.example.eu", "fr", "Europe/Paris"))
_FOCAL_POINT = contracts.Contact(**_person(3, "Jānis Ozoliņš", "janis@riga.example.eu", "lv", "Europe/Riga"))
_NOMINATION = {
    "activity": _ACTIVITY,
    "invitation": _INVITATION,
    "focal_point": _FOCAL_POINT,
    "occurred_at": SAMPLE_TIME,
}
_WAITLISTED = contracts.Explanation(
    reason="city_quota_full",
    message="Riga already has 3 confirmed participants (quota 3).",
    places=contracts.Places(capacity=30, confirmed=12, city_quota=3, city_confirmed=3, waitlisted=2),
    waitlist_position=2,
)
_PLACE_AVAILABLE = _WAITLISTED.model_copy(update={"reason": "place_available", "waitlist_position": None})

_CITY = {
    "city_id": UUID("6f1c2a4e-2222-4e5b-9c1a-2b3c4d5e6f70"),
    "name": "Kordelió-Évosmos",
    "country": "GR",
    "role": "associated",
    "languages": ("el", "en"),
    "timezone": "Europe/Athens",
    "focal_point": _CONTACT,
}
_SIGNED_UP = contracts.CitySignedUp(
    **_CITY, signed_up_at=SAMPLE_TIME, terms_version="2027-01", application_id=_APPLICATION_ID
)

PAYLOADS: dict[str, Payload] = {
    "application_received": _SUBMITTED,
    "staff_new_application": _SUBMITTED,
    "decision_released": contracts.DecisionReleased(
        **_APPLICATION,
        decision="selected",
        released_at=SAMPLE_TIME,
        signup_url="https://pactesur.efus.eu/sign-up?token=sample",
        signup_expires_at=SAMPLE_TIME + timedelta(days=14),
    ),
    "staff_application_withdrawn": contracts.ApplicationWithdrawn(
        **_APPLICATION, withdrawn_at=SAMPLE_TIME, was_selected=False
    ),
    "staff_more_information_received": contracts.ApplicationUpdated(
        **_APPLICATION,
        updated_at=SAMPLE_TIME,
        changed_fields=("motivation",),
        edit_url="https://pactesur.efus.eu/applications/edit?token=sample",
        editable_until=SAMPLE_TIME + timedelta(days=30),
        answers_more_information_request=True,
    ),
    "more_information_requested": contracts.MoreInformationRequested(
        **_APPLICATION,
        message="Could you describe the public spaces you would like to protect first?",
        requested_by="Efus reviewer",
        requested_at=SAMPLE_TIME,
        respond_by=SAMPLE_TIME + timedelta(days=10),
        edit_url="https://pactesur.efus.eu/applications/edit?token=sample",
    ),
    "edit_link_requested": contracts.EditLinkRequested(
        **_APPLICATION,
        requested_at=SAMPLE_TIME,
        edit_url="https://pactesur.efus.eu/applications/edit?token=sample",
        editable_until=SAMPLE_TIME + timedelta(days=30),
    ),
    "place_offered": contracts.PlaceOffered(
        **_APPLICATION,
        offered_at=SAMPLE_TIME,
        replaces_city="Lyon",
        city_id=UUID("6f1c2a4e-2222-4e5b-9c1a-2b3c4d5e6f70"),
        signup_url="https://pactesur.efus.eu/sign-up?token=sample",
        signup_expires_at=SAMPLE_TIME + timedelta(days=14),
    ),
    "city_signed_up": _SIGNED_UP,
    "staff_city_signed_up": _SIGNED_UP,
    "city_signup_reminder": contracts.CitySignUpReminder(
        **_CITY,
        signup_url="https://pactesur.efus.eu/cities/signup/sample-token",
        signup_due_at=SAMPLE_TIME + timedelta(days=14),
        reminded_at=SAMPLE_TIME,
    ),
    "staff_city_signup_overdue": contracts.CitySignUpOverdue(
        **_CITY,
        signup_due_at=SAMPLE_TIME,
        application_id=_APPLICATION_ID,
        noticed_at=SAMPLE_TIME,
    ),
    "staff_call_closed": contracts.CallClosed(
        call_id="pactesur-2-associated-cities",
        call_titles={"en": "PACTESUR 2: call for associated cities", "fr": "PACTESUR 2 : appel aux villes associées"},
        closed_at=SAMPLE_TIME,
        call_timezone="Europe/Brussels",
        applications=37,
    ),
    "activity_invitation": contracts.NominationConfirmed(**_NOMINATION, explanation=_PLACE_AVAILABLE),
    "activity_reminder": contracts.ReminderDue(
        **_NOMINATION,
        reminder_id=UUID("0b7a1d52-8888-4c1e-8f00-1a2b3c4d5e6f"),
        days_before=7,
        due_at=SAMPLE_TIME,
    ),
    "staff_nomination_waitlisted": contracts.NominationWaitlisted(
        **_NOMINATION | {"invitation": _INVITATION.model_copy(update={"status": "waitlisted"})},
        explanation=_WAITLISTED,
    ),
    "nomination_waitlisted": contracts.NominationWaitlisted(
        **_NOMINATION | {"invitation": _INVITATION.model_copy(update={"status": "waitlisted"})},
        explanation=_WAITLISTED,
    ),
    "nomination_waitlisted_city": contracts.NominationWaitlisted(
        **_NOMINATION | {"invitation": _INVITATION.model_copy(update={"status": "waitlisted"})},
        explanation=_WAITLISTED,
    ),
    "nomination_promoted_city": contracts.NominationPromoted(**_NOMINATION, explanation=_PLACE_AVAILABLE),
    "waitlist_activity_cancelled": contracts.ActivityCancelled(
        activity=_ACTIVITY.model_copy(update={"status": "cancelled"}),
        changed_by="Marta López",
        occurred_at=SAMPLE_TIME,
        invitations=(_INVITATION.model_copy(update={"status": "waitlisted"}),),
        reason="The venue is no longer available.",
    ),
    "staff_nomination_cancelled": contracts.NominationCancelled(
        **_NOMINATION,
        cancelled_by="Jānis Ozoliņš",
        reason="The participant changed posts.",
        was_confirmed=True,
    ),
    "staff_nomination_declined": contracts.NominationDeclined(**_NOMINATION, was_confirmed=True),
    "nomination_declined": contracts.NominationDeclined(**_NOMINATION, was_confirmed=True),
    "sign_in_link": contracts.SignInLinkRequested(
        recipient=_STAFF_MEMBER,
        person_kind="staff",
        link="https://pactesur.efus.eu/sign-in/sample-token",
        expires_at=SAMPLE_TIME + timedelta(minutes=15),
        requested_at=SAMPLE_TIME,
        invited_by="marta.lopez@efus.example.eu",
    ),
}
"""The contract instance each event email is sampled from."""


def _planned_context(template: str, payload: Payload) -> dict[str, Any]:
    event = new_event(
        payload,
        key="sample",
        event_id=UUID("00000000-0000-4000-8000-000000000001"),
        occurred_at=SAMPLE_TIME,
        producer="sample",
        correlation_id="sample",
    )
    [email] = [e for e in plan(event, SAMPLE_STAFF) if e.template == template]
    return dict(email.context)


_, [_FAILURE_NOTICE] = failure_notices(
    1,
    "focal.point@kordelio-evosmos.example.eu",
    "application_received",
    "Application received: Kordelió-Évosmos – PACTESUR 2",
    "550 5.1.1 mailbox unavailable",
    SAMPLE_STAFF,
)

_, [_STAND_IN_NOTICE] = stand_in_notices(
    BouncedCityEmail(
        2,
        "focal.point@kordelio-evosmos.example.eu",
        "Kordelió-Évosmos",
        "Welcome to PACTESUR 2, Kordelió-Évosmos",
        Recipient("deputy@kordelio-evosmos.example.eu", "Eleni Papadopoulou", "el", "Europe/Athens"),
    ),
    True,
    SAMPLE_STAFF,
)

SAMPLES: dict[str, dict[str, Any]] = {template: _planned_context(template, p) for template, p in PAYLOADS.items()} | {
    "staff_delivery_failed": dict(_FAILURE_NOTICE.context),
    "staff_focal_point_bounced": dict(_STAND_IN_NOTICE.context),
    "staff_notices": {
        "notices": [
            WaitingNotice(
                1,
                "staff@efus.eu",
                "staff_new_application",
                "en",
                "New application: Riga (LV)",
                "Riga (LV) has applied.",
                SAMPLE_TIME,
            ),
            WaitingNotice(
                2,
                "staff@efus.eu",
                "staff_new_application",
                "en",
                "New application: Lyon (FR)",
                "Lyon (FR) has applied.",
                SAMPLE_TIME,
            ),
        ],
        "total": 2,
    },  # fmt: skip
    "staff_digest": {
        "items": [
            {"subject": "New application: Riga (LV)", "text": "Riga (LV) has applied."},
            {"subject": "New application: Lyon (FR)", "text": "Lyon (FR) has applied."},
        ]
    },
}


def sample_context(template: str, **changes: Any) -> dict[str, Any]:
    """The sample data of `template`, its payload with `changes` (validated again); KeyError for a
    template without one."""
    context = dict(SAMPLES[template])
    if changes:
        context["payload"] = _changed(context["payload"], changes)
    return context


def _changed(payload: Payload, changes: dict[str, Any]) -> Payload:
    return type(payload).model_validate({**dict(payload), **changes})
