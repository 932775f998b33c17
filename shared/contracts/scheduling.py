"""Scheduling's events: activities, their timetable, nominations and reminders (topic
`topics.SCHEDULING`).
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field

from shared.contracts import topics
from shared.contracts.common import (
    ERASED_EMAIL,
    ERASED_NAME,
    Contact,
    CountryCode,
    EuLanguage,
    FrozenModel,
    Name,
    PersonalData,
    PersonDetails,
    Text,
    TimeZone,
    Titles,
    Url,
)
from shared.contracts.events import Payload


class _SchedulingPayload(Payload):
    """Every scheduling event goes to scheduling's topic."""

    TOPIC = topics.SCHEDULING.name


# --- Scheduling --------------------------------------------------------------------------------
# Every scheduling event repeats the whole activity (titles per language, venue, UTC times, the
# venue's timezone) and, per person concerned, an `Invitation` with all an email and an ICS file
# need: a UID stable per activity + participant and a SEQUENCE that grows with every change.

ActivityKind = Literal[
    "police_academy", "police_exchange", "public_private_workshop", "annual_meeting", "kickoff", "final_event"
]  # fmt: skip
ActivityStatus = Literal["tentative", "planned", "confirmed", "cancelled", "done"]
NominationStatus = Literal["confirmed", "waitlisted", "cancelled", "declined"]
PlaceReason = Literal[
    "place_available", "capacity_full", "city_quota_full",
    "nomination_cancelled", "nomination_declined", "capacity_raised", "quota_raised", "activity_moved",
]  # fmt: skip


class Venue(FrozenModel):
    """Where an activity takes place; `timezone` is the venue's, used to show local times."""

    name: Name
    address: Text
    city: Name
    country: CountryCode
    timezone: TimeZone


class Organiser(FrozenModel, PersonalData):
    """The ICS ORGANIZER: who invites (Efus programme team)."""

    PERSONAL = {"name": ERASED_NAME, "email": ERASED_EMAIL}

    name: Name
    email: EmailStr


class Activity(FrozenModel):
    """An activity of the programme as it stands after the change an event reports."""

    activity_id: UUID
    kind: ActivityKind
    titles: Titles
    status: ActivityStatus
    tentative_note: Text | None = Field(
        default=None, description="why the dates are not final, e.g. 'only the month is known: May 2025'"
    )
    host_city: Name
    venue: Venue
    starts_at: AwareDatetime = Field(description="UTC")
    ends_at: AwareDatetime = Field(description="UTC")
    timezone: TimeZone = Field(description="the venue's timezone")
    working_languages: tuple[EuLanguage, ...] = Field(min_length=1)
    interpretation: tuple[EuLanguage, ...] = Field(default=(), description="languages interpreted into")
    capacity: int = Field(ge=1)
    city_quota: int = Field(ge=1, description="most confirmed participants per city")
    nomination_deadline: AwareDatetime
    revision: int = Field(ge=1, description="grows with every change of the activity or its sessions")
    organiser: Organiser
    calendar_url: Url = Field(description="public programme feed (ICS) of this activity")


class Participant(PersonDetails):
    """A nominated person, with the city that nominated them."""

    PERSONAL = PersonDetails.PERSONAL | {"rank": None, "accessibility_needs": None}

    person_id: UUID = Field(description="person_id_for_email(email): PersonErased may name it")
    rank: Name | None = Field(default=None, description="role or rank, e.g. 'Chief inspector'")
    accessibility_needs: Text | None = None
    city_id: UUID
    city_name: Name
    country: CountryCode


class Invitation(FrozenModel):  # InvitationV1 below; named so in v1 schemas
    """What one participant's email and ICS need: titles in their language, UID, SEQUENCE, links."""

    nomination_id: UUID
    participant: Participant
    status: NominationStatus
    activity_title: Name = Field(description="the activity's title in the participant's language")
    ics_uid: Name = Field(description="stable per activity + participant")
    ics_sequence: int = Field(ge=0, description="grows with every change of this invitation or its activity")
    ics_method: Literal["REQUEST", "CANCEL"]
    ics_url: Url = Field(description="this participant's ICS file")
    decline_url: Url | None = Field(default=None, description="signed link to decline; None once not attending")
    decline_expires_at: AwareDatetime | None = None


InvitationV1 = Invitation
"""An invitation of a v1 event (no participant page link)."""


class Invitation(InvitationV1):
    """What one participant's email and ICS need: titles in their language, UID, SEQUENCE, links.

    Since v2 of every scheduling event, `participant_url` is the signed link to the participant's page
    (all their activities, their calendar feed, declining); None only in events upcast from v1."""

    participant_url: Url | None = Field(default=None, description="signed link to the participant's page")


class Places(FrozenModel):
    """The counts a place decision was made on."""

    capacity: int = Field(ge=1)
    confirmed: int = Field(ge=0)
    city_quota: int = Field(ge=1)
    city_confirmed: int = Field(ge=0)
    waitlisted: int = Field(ge=0)


class Explanation(FrozenModel):
    """Why a place was given or refused: a code for translated emails and an English sentence for staff."""

    reason: PlaceReason
    message: Text
    places: Places
    waitlist_position: int | None = Field(default=None, ge=1, description="1 = next in line")


class _ActivityEvent(_SchedulingPayload):
    activity: Activity
    changed_by: Name = Field(description="staff member's name, or 'seed'")
    occurred_at: AwareDatetime
    invitations: tuple[Invitation, ...] = Field(
        default=(),
        description="updated invitations of everyone confirmed or waitlisted, each with its status (ICS REQUEST"
        " or CANCEL); only the confirmed hold a place and are re-invited",
    )


class ActivityScheduled(_ActivityEvent):
    """A new activity is in the programme (key: activity id)."""

    TYPE = "ActivityScheduled"
    VERSION = 2


class ActivityRescheduled(_ActivityEvent):
    """An activity changed (dates, venue, capacity, quota, status...); invitations re-issued (key: activity id)."""

    TYPE = "ActivityRescheduled"
    VERSION = 2

    changed_fields: tuple[Name, ...]
    previous_starts_at: AwareDatetime
    previous_ends_at: AwareDatetime
    previous_venue: Venue


class ActivityCancelled(_ActivityEvent):
    """An activity was cancelled; every invitation is cancelled (ICS METHOD:CANCEL) (key: activity id)."""

    TYPE = "ActivityCancelled"
    VERSION = 2

    reason: Text


class Session(FrozenModel):
    """One slot of an activity's timetable."""

    session_id: UUID
    day: date = Field(description="in the activity's timezone")
    starts_at: AwareDatetime = Field(description="UTC")
    ends_at: AwareDatetime = Field(description="UTC")
    room: Name
    titles: Titles
    speaker: Name | None = None


class SessionChanged(_ActivityEvent):
    """A session of the timetable was added, changed or removed (key: activity id)."""

    TYPE = "SessionChanged"
    VERSION = 2

    change: Literal["added", "changed", "removed"]
    session: Session


class _NominationEvent(_SchedulingPayload):
    activity: Activity
    invitation: Invitation
    focal_point: Contact = Field(description="the city's focal point, who nominated")
    occurred_at: AwareDatetime


class _PlaceDecisionEvent(_NominationEvent):
    """A nomination event that gave or refused a place, and says why."""

    explanation: Explanation


class ParticipantNominated(_NominationEvent):
    """A focal point nominated someone; NominationConfirmed or NominationWaitlisted follows (key: activity id)."""

    TYPE = "ParticipantNominated"
    VERSION = 2

    nominated_by: Name


class NominationConfirmed(_PlaceDecisionEvent):
    """The participant has a place: send the invitation with its ICS (key: activity id)."""

    TYPE = "NominationConfirmed"
    VERSION = 2


class NominationWaitlisted(_PlaceDecisionEvent):
    """No place now (capacity or city quota); the explanation says which and the position (key: activity id)."""

    TYPE = "NominationWaitlisted"
    VERSION = 2


class NominationPromoted(_PlaceDecisionEvent):
    """A place freed and this waitlisted participant got it: send the invitation (key: activity id)."""

    TYPE = "NominationPromoted"
    VERSION = 2


class NominationCancelled(_NominationEvent, PersonalData):
    """The focal point or staff withdrew a nomination (ICS METHOD:CANCEL) (key: activity id)."""

    TYPE = "NominationCancelled"
    VERSION = 2
    PERSONAL = {"reason": None}
    SUBJECT = "invitation.participant.email"

    cancelled_by: Name
    reason: Text | None = None
    was_confirmed: bool


class NominationDeclined(_NominationEvent):
    """The participant declined through the signed link in their invitation (key: activity id)."""

    TYPE = "NominationDeclined"
    VERSION = 2

    was_confirmed: bool


class ReminderDue(_NominationEvent):
    """A reminder of the schedule fell due for a confirmed participant (key: activity id)."""

    TYPE = "ReminderDue"
    VERSION = 2

    reminder_id: UUID
    days_before: int = Field(ge=0)
    due_at: AwareDatetime


class AttendanceRecorded(_NominationEvent):
    """Staff or the focal point marked whether a participant attended, after the activity (key: activity id)."""

    TYPE = "AttendanceRecorded"
    VERSION = 2

    attended: bool
    recorded_by: Name


# --- v1 of every event: invitations without the participant page link ---------------------------
# Kept so that events already on the topic stay readable; `upcast()` makes the v2 handlers receive
# (shared.contracts.registry.parse_event), every field kept, `participant_url` None.


class _InvitationsV1:
    """upcast() of a v1 event: its next version is the class it derives from, with the same fields."""

    def upcast(self) -> Payload:
        latest = type(self).__mro__[1]
        return latest(**self.model_dump())  # type: ignore[attr-defined]


class ActivityScheduledV1(ActivityScheduled, _InvitationsV1):
    TYPE = "ActivityScheduled"
    VERSION = 1

    invitations: tuple[InvitationV1, ...] = ()


class ActivityRescheduledV1(ActivityRescheduled, _InvitationsV1):
    TYPE = "ActivityRescheduled"
    VERSION = 1

    invitations: tuple[InvitationV1, ...] = ()


class ActivityCancelledV1(ActivityCancelled, _InvitationsV1):
    TYPE = "ActivityCancelled"
    VERSION = 1

    invitations: tuple[InvitationV1, ...] = ()


class SessionChangedV1(SessionChanged, _InvitationsV1):
    TYPE = "SessionChanged"
    VERSION = 1

    invitations: tuple[InvitationV1, ...] = ()


class ParticipantNominatedV1(ParticipantNominated, _InvitationsV1):
    TYPE = "ParticipantNominated"
    VERSION = 1

    invitation: InvitationV1


class NominationConfirmedV1(NominationConfirmed, _InvitationsV1):
    TYPE = "NominationConfirmed"
    VERSION = 1

    invitation: InvitationV1


class NominationWaitlistedV1(NominationWaitlisted, _InvitationsV1):
    TYPE = "NominationWaitlisted"
    VERSION = 1

    invitation: InvitationV1


class NominationPromotedV1(NominationPromoted, _InvitationsV1):
    TYPE = "NominationPromoted"
    VERSION = 1

    invitation: InvitationV1


class NominationCancelledV1(NominationCancelled, _InvitationsV1):
    TYPE = "NominationCancelled"
    VERSION = 1

    invitation: InvitationV1


class NominationDeclinedV1(NominationDeclined, _InvitationsV1):
    TYPE = "NominationDeclined"
    VERSION = 1

    invitation: InvitationV1


class ReminderDueV1(ReminderDue, _InvitationsV1):
    TYPE = "ReminderDue"
    VERSION = 1

    invitation: InvitationV1


class AttendanceRecordedV1(AttendanceRecorded, _InvitationsV1):
    TYPE = "AttendanceRecorded"
    VERSION = 1

    invitation: InvitationV1
