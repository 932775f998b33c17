"""iCalendar (RFC 5545) text, written once for every service (feeds, invitations, cancellations).

Times are written in UTC (`...Z`), which every client converts to the reader's zone and which avoids
VTIMEZONE blocks. An update keeps the UID and raises SEQUENCE; a cancellation is METHOD:CANCEL with
STATUS:CANCELLED. Lines are folded at 75 octets and text is escaped as the RFC requires. Pure: the
stamp time (DTSTAMP) is passed in.

`invitation_event` is the one VEVENT of a participant's invitation, built from the typed contract
(`Activity` + `Invitation`): the email attaches it and scheduling's signed ICS link serves it, so
both say the same STATUS (tentative dates are TENTATIVE) and the same DESCRIPTION. A participant's
personal feed (scheduling's participant page) publishes the same VEVENT (`feed_event`: same UID and
SEQUENCE, no reply asked) and one VEVENT per session of the timetable (`session_event`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from shared.contracts import Activity, Invitation, Session, title_in

PRODUCT_ID = "-//Efus//PACTESUR 2//EN"
ICS_DOMAIN = "pactesur.efus.eu"
Method = Literal["PUBLISH", "REQUEST", "CANCEL"]
PartStat = Literal["NEEDS-ACTION", "ACCEPTED", "DECLINED"]


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    description: str = ""
    status: Literal["TENTATIVE", "CONFIRMED", "CANCELLED"] = "CONFIRMED"
    organiser: Person | None = None
    attendee: Person | None = None
    attendee_partstat: PartStat = "ACCEPTED"
    attendee_rsvp: bool = False
    """Whether the attendee is asked to reply (an emailed REQUEST asks, a feed or a CANCEL does not)."""
    url: str | None = None


@dataclass(frozen=True)
class CalendarInvite:
    """One VEVENT sent to its attendee by email: METHOD REQUEST or CANCEL, `stamp` = DTSTAMP."""

    event: CalendarEvent
    method: Literal["REQUEST", "CANCEL"]
    stamp: datetime


def calendar(
    events: Sequence[CalendarEvent],
    *,
    stamp: datetime,
    method: Method = "PUBLISH",
    name: str | None = None,
) -> str:
    """The whole VCALENDAR text (CRLF line ends), `stamp` = DTSTAMP (when it was generated)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}", "CALSCALE:GREGORIAN", f"METHOD:{method}"]
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    for event in events:
        lines += _event_lines(event, stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def build_ics(invite: CalendarInvite) -> str:
    """The VCALENDAR text of one emailed invitation (or its cancellation)."""
    return calendar([invite.event], stamp=invite.stamp, method=invite.method)


def _event_lines(event: CalendarEvent, stamp: datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape(event.uid)}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(event.starts_at)}",
        f"DTEND:{utc(event.ends_at)}",
        f"SUMMARY:{escape(event.summary)}",
        f"LOCATION:{escape(event.location)}",
        f"STATUS:{event.status}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.organiser:
        lines.append(f"ORGANIZER;CN={_param(event.organiser.name)}:mailto:{event.organiser.email}")
    if event.attendee:
        lines.append(
            f"ATTENDEE;CN={_param(event.attendee.name)};ROLE=REQ-PARTICIPANT;PARTSTAT={event.attendee_partstat};"
            f"RSVP={'TRUE' if event.attendee_rsvp else 'FALSE'}:mailto:{event.attendee.email}"
        )
    lines.append("END:VEVENT")
    return lines


def utc(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape(text: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11). A lone CR is a line break too: mail transport turns it into CRLF,
    which would start a new property (e.g. an injected ATTENDEE)."""
    escaped = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _param(value: str) -> str:
    """A parameter value: quoted, without the characters a quoted value may not hold."""
    return '"' + value.replace('"', "'").replace("\r", " ").replace("\n", " ") + '"'


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        limit = 75 if not out else 74
        if len(current) + len(encoded) > limit:
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def activity_status(status: str) -> Literal["TENTATIVE", "CONFIRMED", "CANCELLED"]:
    """An activity's STATUS: dates not final yet (tentative, planned) are TENTATIVE."""
    return {"tentative": "TENTATIVE", "planned": "TENTATIVE", "cancelled": "CANCELLED"}.get(status, "CONFIRMED")


def activity_location(activity: Activity) -> str:
    venue = activity.venue
    return f"{venue.name}, {venue.address}, {venue.city} ({venue.country})"


def _activity_description(title: str, activity: Activity) -> str:
    return "\n".join(line for line in (title, activity_location(activity), activity.tentative_note) if line)


def programme_event(activity: Activity, language: str = "en") -> CalendarEvent:
    """The activity in the public programme feed (no attendee)."""
    title = title_in(activity.titles, language)
    return CalendarEvent(
        uid=f"activity-{activity.activity_id}@{ICS_DOMAIN}",
        sequence=activity.revision,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        summary=title,
        location=activity_location(activity),
        description=_activity_description(title, activity),
        status=activity_status(activity.status),
        organiser=Person(activity.organiser.name, str(activity.organiser.email)),
        url=activity.calendar_url,
    )


def invitation_event(activity: Activity, invitation: Invitation) -> CalendarEvent:
    """One participant's VEVENT: a REQUEST asks them to reply, a CANCEL marks them declined."""
    cancelled = invitation.ics_method == "CANCEL"
    return CalendarEvent(
        uid=invitation.ics_uid,
        sequence=invitation.ics_sequence,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        summary=invitation.activity_title,
        location=activity_location(activity),
        description=_activity_description(invitation.activity_title, activity),
        status="CANCELLED" if cancelled else activity_status(activity.status),
        organiser=Person(activity.organiser.name, str(activity.organiser.email)),
        attendee=Person(invitation.participant.name, str(invitation.participant.email)),
        attendee_partstat="DECLINED" if cancelled else "NEEDS-ACTION",
        attendee_rsvp=not cancelled,
        url=invitation.ics_url,
    )


def invitation_invite(activity: Activity, invitation: Invitation, *, stamp: datetime) -> CalendarInvite:
    """The invitation as an emailed iTIP message (METHOD REQUEST or CANCEL)."""
    return CalendarInvite(invitation_event(activity, invitation), method=invitation.ics_method, stamp=stamp)


def feed_event(activity: Activity, invitation: Invitation) -> CalendarEvent:
    """The invitation's VEVENT in the participant's own feed (METHOD:PUBLISH): nobody is asked to reply."""
    event = invitation_event(activity, invitation)
    partstat = "DECLINED" if event.status == "CANCELLED" else "ACCEPTED"
    return replace(event, attendee_rsvp=False, attendee_partstat=partstat)


def session_event(activity: Activity, session: Session, invitation: Invitation) -> CalendarEvent:
    """One session of the activity in the participant's feed: UID stable per session and participant,
    SEQUENCE the invitation's (the activity's revision grows with every change of its timetable)."""
    title = title_in(session.titles, invitation.participant.language)
    event = feed_event(activity, invitation)
    return replace(
        event,
        uid=f"session-{session.session_id}-{invitation.ics_uid}",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=f"{title} – {invitation.activity_title}",
        location=f"{session.room}, {event.location}",
        description="\n".join(line for line in (title, session.speaker, invitation.activity_title) if line),
    )
