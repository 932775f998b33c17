"""The routing table: event type -> recipients -> template, essential or not.

Adding an email for a new event type is one entry in ROUTES, its templates, their translations
and a sample in mail/samples.py. Event types without a route are ignored on purpose (the consumer
logs each once). Whether a non-essential email goes now, in the staff digest or not at all is
decided per recipient by emails.disposition().

Templates receive the event's contract instance as `payload` (never a dump of it), the recipient's
name and, for an invitation, the recipient's typed `Invitation` and the `change` it announces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from services.notifications.domain.emails import FAILURE_NOTICE, PlannedEmail, Recipient
from services.notifications.domain.stand_ins import STAND_IN_NOTICE
from shared.calendar import invitation_invite
from shared.contracts import (
    ActivityCancelled,
    ActivityRescheduled,
    ActivityScheduled,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    CallClosed,
    CitySignedUp,
    CitySignUpOverdue,
    CitySignUpReminder,
    Contact,
    DecisionReleased,
    EditLinkRequested,
    Invitation,
    MoreInformationProvided,
    MoreInformationRequested,
    NominationCancelled,
    NominationConfirmed,
    NominationDeclined,
    NominationPromoted,
    NominationWaitlisted,
    PlaceOffered,
    ReminderDue,
    SessionChanged,
    SignInLinkRequested,
)
from shared.contracts.events import Event, Payload

Members = tuple[Recipient, ...]
"""The staff members, each in their language and zone."""
Addressee = tuple[Recipient, Invitation | None]
"""A recipient and, for an invitation email, their own invitation."""
Selector = Callable[[Any, Members], list[Addressee]]


def always(payload: Any) -> bool:
    return True


@dataclass(frozen=True)
class Route:
    template: str
    recipients: Selector
    essential: bool
    change: str | None = None
    """For an invitation (its ICS attached): invited, updated or cancelled."""
    when: Callable[[Any], bool] = always


def applicant(payload: ApplicationSubmitted, staff: Members) -> list[Addressee]:
    return [(Recipient(str(payload.contact_email), payload.contact_name, payload.language, payload.timezone), None)]


def _person(person: Contact) -> Addressee:
    return Recipient(str(person.email), person.name, person.language, person.timezone), None


def contact(payload: Any, staff: Members) -> list[Addressee]:
    """The application's official contact, whom later application events carry as `recipient`."""
    return [_person(payload.recipient)]


def city_contacts(payload: CitySignedUp, staff: Members) -> list[Addressee]:
    """The city's focal point, and its deputy when it has one, once the city signed up from an
    application. Consortium members loaded by the seed (no application) are not welcomed: their
    contacts are placeholders or Efus staff, and the seed runs on every deployment."""
    if payload.application_id is None:
        return []
    return [_person(person) for person in (payload.focal_point, payload.deputy) if person is not None]


def focal_point(payload: Any, staff: Members) -> list[Addressee]:
    """The focal point a nomination event (who nominated) or a city event names."""
    return [_person(payload.focal_point)]


def all_staff(payload: Any, staff: Members) -> list[Addressee]:
    return [(member, None) for member in staff]


def answers_more_information_request(payload: ApplicationUpdated) -> bool:
    """Staff hear of an update only when it answers their request for more information."""
    return payload.answers_more_information_request


def from_an_application(payload: CitySignedUp) -> bool:
    """A selected city signing up; not the consortium members the seed loads on every deployment."""
    return payload.application_id is not None


def _invited(invitation: Invitation) -> Addressee:
    person = invitation.participant
    return Recipient(str(person.email), person.name, person.language, person.timezone), invitation


def participant(payload: Any, staff: Members) -> list[Addressee]:
    """The one participant a nomination event is about."""
    return [_invited(payload.invitation)]


def waitlisted(payload: Any, staff: Members) -> list[Addressee]:
    """Everyone on the waiting list of an activity event (told when the activity is cancelled)."""
    return [_invited(invitation) for invitation in payload.invitations if invitation.status == "waitlisted"]


def invitees(payload: Any, staff: Members) -> list[Addressee]:
    """Everyone holding a place whose invitation an activity event re-issues: the event lists the
    waitlisted too (with their status), but they have no place, so no "details have changed" and no
    calendar REQUEST for them."""
    return [_invited(invitation) for invitation in payload.invitations if invitation.status == "confirmed"]


def _invitation(selector: Selector, change: str) -> Route:
    return Route("activity_invitation", selector, essential=True, change=change)


ROUTES: dict[type[Payload], tuple[Route, ...]] = {
    ApplicationSubmitted: (
        Route("application_received", applicant, essential=True),
        Route("staff_new_application", all_staff, essential=False),
    ),
    DecisionReleased: (Route("decision_released", contact, essential=True),),
    ApplicationWithdrawn: (Route("staff_application_withdrawn", all_staff, essential=False),),
    MoreInformationRequested: (Route("more_information_requested", contact, essential=True),),
    MoreInformationProvided: (Route("staff_more_information_received", all_staff, essential=False),),
    ApplicationUpdated: (
        Route("staff_more_information_received", all_staff, essential=False, when=answers_more_information_request),
    ),
    NominationWaitlisted: (
        Route("nomination_waitlisted", participant, essential=True),
        Route("nomination_waitlisted_city", focal_point, essential=True),
        Route("staff_nomination_waitlisted", all_staff, essential=False),
    ),
    NominationConfirmed: (_invitation(participant, "invited"),),
    NominationPromoted: (
        _invitation(participant, "invited"),
        Route("nomination_promoted_city", focal_point, essential=True),
    ),
    NominationCancelled: (
        _invitation(participant, "cancelled"),
        Route("staff_nomination_cancelled", all_staff, essential=False),
    ),
    ActivityScheduled: (_invitation(invitees, "invited"),),
    ActivityRescheduled: (_invitation(invitees, "updated"),),
    SessionChanged: (_invitation(invitees, "updated"),),
    ActivityCancelled: (
        _invitation(invitees, "cancelled"),
        Route("waitlist_activity_cancelled", waitlisted, essential=True),
    ),
    EditLinkRequested: (Route("edit_link_requested", contact, essential=True),),
    PlaceOffered: (Route("place_offered", contact, essential=True),),
    ReminderDue: (Route("activity_reminder", participant, essential=True),),
    CitySignedUp: (
        Route("city_signed_up", city_contacts, essential=True),
        Route("staff_city_signed_up", all_staff, essential=False, when=from_an_application),
    ),
    CallClosed: (Route("staff_call_closed", all_staff, essential=False),),
    CitySignUpReminder: (Route("city_signup_reminder", focal_point, essential=True),),
    CitySignUpOverdue: (Route("staff_city_signup_overdue", all_staff, essential=False),),
    SignInLinkRequested: (Route("sign_in_link", contact, essential=True),),
    NominationDeclined: (
        Route("staff_nomination_declined", all_staff, essential=False),
        Route("nomination_declined", focal_point, essential=True),
    ),
}


STAFF_KINDS: tuple[str, ...] = tuple(
    sorted(
        {r.template for routes in ROUTES.values() for r in routes if r.recipients is all_staff}
        | {FAILURE_NOTICE, STAND_IN_NOTICE}
    )
)
"""Workflow notices a staff member may take as a daily digest instead of one email each."""


def _routes_of(payload: Payload) -> list[Route]:
    return [route for route in ROUTES.get(type(payload), ()) if route.when(payload)]


def mails_staff(payload: Payload) -> bool:
    """Whether the event emails staff: only then are their profiles worth reading."""
    return any(route.recipients is all_staff for route in _routes_of(payload))


def plan(event: Event[Any], staff: Members) -> list[PlannedEmail]:
    """Every email an event causes; unknown event types cause none."""
    emails = []
    for route in _routes_of(event.payload):
        for recipient, invitation in route.recipients(event.payload, staff):
            context: dict[str, Any] = {"payload": event.payload, "recipient_name": recipient.name}
            calendar = None
            if route.change is not None and invitation is not None:
                calendar = invitation_invite(event.payload.activity, invitation, stamp=event.occurred_at)
                context["change"] = "cancelled" if calendar.method == "CANCEL" else route.change
            if invitation is not None:
                context["invitation"] = invitation
            emails.append(PlannedEmail(recipient, route.template, route.essential, context, calendar))
    return emails
