"""The routing table: event type -> recipients -> template, essential or not.

Adding an email for a new event type is one entry in ROUTES, its templates, their translations
and a sample in samples.py. Event types without a route are ignored on purpose (the consumer logs
each once). Whether a non-essential email goes now, in the staff digest or not at all is decided
per recipient by domain.disposition().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.notifications.domain import FAILURE_NOTICE, PlannedEmail, Recipient
from shared.calendar import CalendarEvent, CalendarInvite, Person
from shared.contracts import (
    ActivityCancelled,
    ActivityRescheduled,
    ActivityScheduled,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    CitySignedUp,
    Contact,
    DecisionReleased,
    EditLinkRequested,
    Invitation,
    MoreInformationRequested,
    NominationCancelled,
    NominationConfirmed,
    NominationDeclined,
    NominationPromoted,
    NominationWaitlisted,
    PlaceOffered,
    ReminderDue,
    SessionChanged,
)
from shared.contracts.events import Event, Payload

Staff = tuple[Recipient, ...]
Addressee = tuple[Recipient, dict[str, Any]]
"""A recipient and what their email (only theirs) adds to the context, e.g. their invitation."""
Selector = Callable[[Any, Staff], list[Addressee]]


@dataclass(frozen=True)
class Route:
    template: str
    recipients: Selector
    essential: bool
    context: dict[str, Any] = field(default_factory=dict)
    calendar: bool = False
    """The context has `activity` and `invitation`: attach the ICS of that invitation."""


def applicant(payload: ApplicationSubmitted, staff: Staff) -> list[Addressee]:
    return [(Recipient(str(payload.contact_email), payload.contact_name, payload.language, payload.timezone), {})]


def _person(person: Contact) -> Addressee:
    return Recipient(str(person.email), person.name, person.language, person.timezone), {}


def contact(payload: Any, staff: Staff) -> list[Addressee]:
    """The application's official contact, whom later application events carry as `recipient`."""
    return [_person(payload.recipient)]


def city_contacts(payload: CitySignedUp, staff: Staff) -> list[Addressee]:
    """The city's focal point, and its deputy when it has one, once the city signed up from an
    application. Consortium members loaded by the seed (no application) are not welcomed: their
    contacts are placeholders or Efus staff, and the seed runs on every deployment."""
    if payload.application_id is None:
        return []
    return [_person(person) for person in (payload.focal_point, payload.deputy) if person is not None]


def focal_point(payload: Any, staff: Staff) -> list[Addressee]:
    """The focal point of the city a nomination event is about (who nominated)."""
    return [_person(payload.focal_point)]


def all_staff(payload: Any, staff: Staff) -> list[Addressee]:
    return [(member, {}) for member in staff]


def staff_if_answering(payload: ApplicationUpdated, staff: Staff) -> list[Addressee]:
    """Staff hear of an update only when it answers their request for more information."""
    return all_staff(payload, staff) if payload.answers_more_information_request else []


def _invited(invitation: Invitation) -> Addressee:
    person = invitation.participant
    recipient = Recipient(str(person.email), person.name, person.language, person.timezone)
    return recipient, {"invitation": invitation.model_dump(mode="python"), "title": invitation.activity_title}


def participant(payload: Any, staff: Staff) -> list[Addressee]:
    """The one participant a nomination event is about."""
    return [_invited(payload.invitation)]


def invitees(payload: Any, staff: Staff) -> list[Addressee]:
    """Everyone whose invitation an activity event re-issues."""
    return [_invited(invitation) for invitation in payload.invitations]


def _invitation(selector: Selector, change: str) -> Route:
    return Route("activity_invitation", selector, essential=True, context={"change": change}, calendar=True)


ROUTES: dict[type[Payload], tuple[Route, ...]] = {
    ApplicationSubmitted: (
        Route("application_received", applicant, essential=True),
        Route("staff_new_application", all_staff, essential=False),
    ),
    DecisionReleased: (Route("decision_released", contact, essential=True),),
    ApplicationWithdrawn: (Route("staff_application_withdrawn", all_staff, essential=False),),
    MoreInformationRequested: (Route("more_information_requested", contact, essential=True),),
    ApplicationUpdated: (Route("staff_more_information_received", staff_if_answering, essential=False),),
    NominationWaitlisted: (Route("staff_nomination_waitlisted", all_staff, essential=False),),
    NominationConfirmed: (_invitation(participant, "invited"),),
    NominationPromoted: (_invitation(participant, "invited"),),
    NominationCancelled: (
        _invitation(participant, "cancelled"),
        Route("staff_nomination_cancelled", all_staff, essential=False),
    ),
    ActivityScheduled: (_invitation(invitees, "invited"),),
    ActivityRescheduled: (_invitation(invitees, "updated"),),
    SessionChanged: (_invitation(invitees, "updated"),),
    ActivityCancelled: (_invitation(invitees, "cancelled"),),
    EditLinkRequested: (Route("edit_link_requested", contact, essential=True),),
    PlaceOffered: (Route("place_offered", contact, essential=True),),
    ReminderDue: (Route("activity_reminder", participant, essential=True),),
    CitySignedUp: (Route("city_signed_up", city_contacts, essential=True),),
    NominationDeclined: (
        Route("staff_nomination_declined", all_staff, essential=False),
        Route("nomination_declined", focal_point, essential=True),
    ),
}


STAFF_KINDS: tuple[str, ...] = tuple(
    sorted(
        {r.template for routes in ROUTES.values() for r in routes if r.recipients in (all_staff, staff_if_answering)}
        | {FAILURE_NOTICE}
    )
)
"""Workflow notices a staff member may take as a daily digest instead of one email each."""


def plan(event: Event[Any], staff: Staff) -> list[PlannedEmail]:
    """Every email an event causes; unknown event types cause none."""
    base = event.payload.model_dump(mode="python") | {"event_id": str(event.event_id)}
    emails = []
    for route in ROUTES.get(type(event.payload), ()):
        for recipient, own in route.recipients(event.payload, staff):
            context = base | route.context | own | {"recipient_name": recipient.name}
            calendar = _calendar(context, event) if route.calendar else None
            if calendar is not None and calendar.method == "CANCEL":
                context["change"] = "cancelled"
            emails.append(PlannedEmail(recipient, route.template, route.essential, context, calendar))
    return emails


def _calendar(context: dict[str, Any], event: Event[Any]) -> CalendarInvite:
    """The ICS of the `invitation` in the context: a REQUEST asks the participant to reply, a CANCEL declines."""
    activity, invitation = context["activity"], context["invitation"]
    venue, participant, organiser = activity["venue"], invitation["participant"], activity["organiser"]
    cancel = invitation["ics_method"] == "CANCEL"
    entry = CalendarEvent(
        uid=invitation["ics_uid"],
        sequence=invitation["ics_sequence"],
        starts_at=activity["starts_at"],
        ends_at=activity["ends_at"],
        summary=invitation["activity_title"],
        location=f"{venue['name']}, {venue['address']}, {venue['city']} ({venue['country']})",
        description=f"{invitation['activity_title']}\n{venue['name']}, {venue['address']}, {venue['city']}",
        status="CANCELLED" if cancel else "CONFIRMED",
        organiser=Person(organiser["name"], str(organiser["email"])),
        attendee=Person(participant["name"], str(participant["email"])),
        attendee_partstat="DECLINED" if cancel else "NEEDS-ACTION",
        attendee_rsvp=not cancel,
        url=invitation.get("ics_url"),
    )
    return CalendarInvite(entry, method=invitation["ics_method"], stamp=event.occurred_at)
