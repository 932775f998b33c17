"""The payloads scheduling publishes: the activity as it stands, and each participant's invitation.

An invitation's ICS UID is stable per activity + participant (one nomination row per person and
activity, re-used if they are nominated again), and its SEQUENCE is the activity's revision plus the
nomination's: both only grow, so every change of either gives a higher SEQUENCE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from shared.calendar import CalendarEvent, Person
from shared.contracts import Activity, Invitation, Organiser, Participant, Venue, title_in
from shared.security import signing

DECLINE_PURPOSE = "scheduling-decline"
INVITATION_ICS_PURPOSE = "scheduling-invitation-ics"
ICS_DOMAIN = "pactesur.efus.eu"
ICS_LINK_VALIDITY = timedelta(days=60)
"""A participant's ICS link works until this long after the activity ends."""
DEFAULT_ORGANISER = Organiser(name="PACTESUR 2", email="no-reply@pactesur.efus.eu")


@dataclass(frozen=True)
class Links:
    """Where public links point, and the key that signs them."""

    base_url: str
    secret: bytes
    organiser: Organiser = DEFAULT_ORGANISER
    """The ICS ORGANIZER: the sender of the programme's emails (MAIL_FROM)."""


def scheduling_base_url(public_base_url: str, registration_port: int, scheduling_port: int) -> str:
    """PUBLIC_BASE_URL fronts every service behind a proxy; where it is registration's own port
    (local runs, compose), scheduling's links go to scheduling's port on the same host."""
    parts = urlsplit(str(public_base_url).rstrip("/"))
    if parts.port == registration_port:
        parts = parts._replace(netloc=f"{parts.hostname}:{scheduling_port}")
    return urlunsplit(parts)


def ics_uid(activity_id: UUID, person_id: UUID) -> str:
    return f"activity-{activity_id}-person-{person_id}@{ICS_DOMAIN}"


def activity_of(row: Mapping[str, Any], links: Links) -> Activity:
    return Activity(
        activity_id=row["id"],
        kind=row["kind"],
        titles=row["titles"],
        status=row["status"],
        tentative_note=row["tentative_note"],
        host_city=row["host_city"],
        venue=Venue(
            name=row["venue_name"],
            address=row["venue_address"],
            city=row["host_city"],
            country=row["country"],
            timezone=row["timezone"],
        ),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        working_languages=tuple(row["working_languages"]),
        interpretation=tuple(row["interpretation"]),
        capacity=row["capacity"],
        city_quota=row["city_quota"],
        nomination_deadline=row["nomination_deadline"],
        revision=row["revision"],
        organiser=links.organiser,
        calendar_url=f"{links.base_url}/api/v1/activities/{row['id']}/calendar.ics",
    )


def participant_of(row: Mapping[str, Any]) -> Participant:
    return Participant(
        person_id=row["person_id"],
        name=row["name"],
        email=row["email"],
        language=row["language"],
        timezone=row["timezone"],
        rank=row["rank"],
        accessibility_needs=row["accessibility_needs"],
        city_id=row["city_id"],
        city_name=row["city_name"],
        country=row["city_country"],
    )


def invitation_of(activity: Activity, nomination: Mapping[str, Any], links: Links) -> Invitation:
    attending = nomination["status"] in ("confirmed", "waitlisted") and activity.status != "cancelled"
    token_data = {"n": str(nomination["id"])}
    decline_until = activity.starts_at
    return Invitation(
        nomination_id=nomination["id"],
        participant=participant_of(nomination),
        status=nomination["status"],
        activity_title=title_in(activity.titles, nomination["language"]),
        ics_uid=ics_uid(activity.activity_id, nomination["person_id"]),
        ics_sequence=activity.revision + nomination["revision"],
        ics_method="REQUEST" if attending else "CANCEL",
        ics_url=f"{links.base_url}/api/v1/nominations/{nomination['id']}/invitation.ics?token="
        + signing.sign(
            links.secret, INVITATION_ICS_PURPOSE, token_data, expires_at=activity.ends_at + ICS_LINK_VALIDITY
        ),
        decline_url=(
            f"{links.base_url}/api/v1/nominations/decline?token="
            + signing.sign(links.secret, DECLINE_PURPOSE, token_data, expires_at=decline_until)
        )
        if attending
        else None,
        decline_expires_at=decline_until if attending else None,
    )


def _location(activity: Activity) -> str:
    return f"{activity.venue.name}, {activity.venue.address}"


def programme_event(activity: Activity, language: str = "en") -> CalendarEvent:
    """The activity in the public programme feed."""
    return CalendarEvent(
        uid=f"activity-{activity.activity_id}@{ICS_DOMAIN}",
        sequence=activity.revision,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        summary=title_in(activity.titles, language),
        location=_location(activity),
        description=activity.tentative_note or "",
        status=_ics_status(activity.status),
        organiser=Person(activity.organiser.name, str(activity.organiser.email)),
        url=activity.calendar_url,
    )


def invitation_event(activity: Activity, invitation: Invitation) -> CalendarEvent:
    """One participant's VEVENT, the same the invitation email attaches."""
    cancelled = invitation.ics_method == "CANCEL"
    return CalendarEvent(
        uid=invitation.ics_uid,
        sequence=invitation.ics_sequence,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        summary=invitation.activity_title,
        location=_location(activity),
        description=activity.tentative_note or "",
        status="CANCELLED" if cancelled else _ics_status(activity.status),
        organiser=Person(activity.organiser.name, str(activity.organiser.email)),
        attendee=Person(invitation.participant.name, str(invitation.participant.email)),
        url=activity.calendar_url,
    )


def _ics_status(status: str) -> str:
    return {"tentative": "TENTATIVE", "planned": "TENTATIVE", "cancelled": "CANCELLED"}.get(status, "CONFIRMED")
