"""Sample data for every email template: the staff preview endpoint and the rendering tests use it.

A new template needs its entry here (tests/test_notifications_rendering.py checks that every
template has one and renders it in all 24 languages).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

SAMPLE_TIME = datetime(2027, 3, 15, 9, 30, tzinfo=UTC)

_APPLICATION = {
    "application_id": UUID("6f1c2a4e-1111-4e5b-9c1a-2b3c4d5e6f70"),
    "call_id": "pactesur-2-associated-cities",
    "call_title": "PACTESUR 2 – call for associated cities",
    "city": "Kordelió-Évosmos",
    "country": "GR",
    "contact_name": "Νίκος Παπαδόπουλος",
    "contact_email": "focal.point@kordelio-evosmos.example.eu",
    "language": "el",
    "motivation": "Our squares host large open-air markets every week.",
    "submitted_at": SAMPLE_TIME,
    "closes_at": SAMPLE_TIME + timedelta(days=30),
    "timezone": "Europe/Athens",
    "edit_url": "https://pactesur.efus.eu/applications/sample-token",
}

_ACTIVITY = {
    "activity_id": UUID("0b7a1d52-2222-4c1e-8f00-1a2b3c4d5e6f"),
    "kind": "police_academy",
    "titles": {"en": "Police Academy: protecting public spaces"},
    "status": "confirmed",
    "host_city": "Nice",
    "venue": {
        "name": "Centre universitaire méditerranéen",
        "address": "65 promenade des Anglais",
        "city": "Nice",
        "country": "FR",
        "timezone": "Europe/Paris",
    },
    "starts_at": SAMPLE_TIME + timedelta(days=60),
    "ends_at": SAMPLE_TIME + timedelta(days=62, hours=8),
    "timezone": "Europe/Paris",
    "organiser": {"name": "Efus PACTESUR 2", "email": "pactesur@efus.eu"},
}
_INVITATION = {
    "activity_title": "Police Academy: protecting public spaces",
    "ics_uid": "activity-0b7a1d52-participant-1@pactesur.efus.eu",
    "ics_sequence": 0,
    "ics_method": "REQUEST",
    "decline_url": "https://pactesur.efus.eu/decline?token=sample",
    "participant": {"name": "Anna Bērziņa", "email": "anna@riga.example.eu"},
}

SAMPLES: dict[str, dict[str, Any]] = {
    "activity_invitation": {
        "activity": _ACTIVITY,
        "invitation": _INVITATION,
        "title": _INVITATION["activity_title"],
        "recipient_name": "Anna Bērziņa",
        "change": "invited",
    },
    "application_received": _APPLICATION,
    "staff_new_application": _APPLICATION,
    "decision_released": _APPLICATION
    | {
        "decision": "selected",
        "recipient_name": "Νίκος Παπαδόπουλος",
        "recipient": {"timezone": "Europe/Athens"},
        "signup_url": "https://pactesur.efus.eu/sign-up?token=sample",
        "signup_expires_at": SAMPLE_TIME + timedelta(days=14),
        "waitlist_position": None,
    },
    "staff_application_withdrawn": _APPLICATION,
    "staff_more_information_received": _APPLICATION,
    "more_information_requested": _APPLICATION
    | {
        "recipient_name": "Νίκος Παπαδόπουλος",
        "recipient": {"timezone": "Europe/Athens"},
        "message": "Could you describe the public spaces you would like to protect first?",
        "respond_by": SAMPLE_TIME + timedelta(days=10),
        "edit_url": "https://pactesur.efus.eu/applications/edit?token=sample",
    },
    "staff_nomination_waitlisted": {
        "invitation": _INVITATION | {"participant": _INVITATION["participant"] | {"city_name": "Riga"}},
        "explanation": {"waitlist_position": 2, "message": "Riga already has 3 confirmed participants (quota 3)."},
    },
    "staff_nomination_cancelled": {
        "invitation": _INVITATION | {"participant": _INVITATION["participant"] | {"city_name": "Riga"}},
        "reason": "The participant changed posts.",
    },
    "edit_link_requested": _APPLICATION
    | {
        "recipient_name": "Νίκος Παπαδόπουλος",
        "recipient": {"timezone": "Europe/Athens"},
        "edit_url": "https://pactesur.efus.eu/applications/edit?token=sample",
        "editable_until": SAMPLE_TIME + timedelta(days=30),
    },
    "place_offered": _APPLICATION
    | {
        "recipient_name": "Νίκος Παπαδόπουλος",
        "recipient": {"timezone": "Europe/Athens"},
        "replaces_city": "Lyon",
        "signup_url": "https://pactesur.efus.eu/sign-up?token=sample",
        "signup_expires_at": SAMPLE_TIME + timedelta(days=14),
    },
    "activity_reminder": {
        "activity": _ACTIVITY,
        "invitation": _INVITATION
        | {
            "ics_url": "https://pactesur.efus.eu/invitations/sample/invite.ics",
            "participant": _INVITATION["participant"] | {"timezone": "Europe/Riga"},
        },
        "title": _INVITATION["activity_title"],
        "recipient_name": "Anna Bērziņa",
        "days_before": 7,
    },
    "city_signed_up": {
        "name": "Kordelió-Évosmos",
        "country": "GR",
        "role": "associated",
        "recipient_name": "Νίκος Παπαδόπουλος",
    },
    "staff_nomination_declined": {
        "invitation": _INVITATION | {"participant": _INVITATION["participant"] | {"city_name": "Riga"}},
    },
    "nomination_declined": {
        "invitation": _INVITATION | {"participant": _INVITATION["participant"] | {"city_name": "Riga"}},
        "recipient_name": "Jānis Ozoliņš",
    },
    "staff_delivery_failed": {
        "recipient": "focal.point@kordelio-evosmos.example.eu",
        "failed_subject": "Application received: Kordelió-Évosmos – PACTESUR 2",
        "error": "550 5.1.1 mailbox unavailable",
    },
    "staff_digest": {
        "items": [
            {"subject": "New application: Riga (LV)", "text": "Riga (LV) has applied."},
            {"subject": "New application: Lyon (FR)", "text": "Lyon (FR) has applied."},
        ]
    },
}


def sample_context(template: str) -> dict[str, Any]:
    """The sample data of `template`; KeyError for a template without one."""
    return dict(SAMPLES[template])
