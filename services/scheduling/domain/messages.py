"""The wire contracts scheduling publishes and serves, built from domain objects and links (pure).

Every event repeats the activity as it stands and, per person concerned, an `Invitation`. Its ICS
UID is stable per activity + participant (one nomination per person and activity, re-used when they
are nominated again) and its SEQUENCE is the activity's revision plus the nomination's: both only
grow, so every change of either gives a higher SEQUENCE.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from services.scheduling.domain.activities import Activity, Session, changed_fields, local_day
from services.scheduling.domain.links import Links
from services.scheduling.domain.nominations import Nominated, Nomination, Promotion
from services.scheduling.domain.reminders import Reminder
from shared import contracts
from shared.calendar import ICS_DOMAIN
from shared.contracts import Contact


def ics_uid(activity_id: UUID, person_id: UUID) -> str:
    return f"activity-{activity_id}-person-{person_id}@{ICS_DOMAIN}"


def venue(activity: Activity) -> contracts.Venue:
    return contracts.Venue(
        name=activity.venue_name,
        address=activity.venue_address,
        city=activity.host_city,
        country=activity.country,
        timezone=activity.timezone,
    )


def activity(activity: Activity, links: Links) -> contracts.Activity:
    return contracts.Activity(
        activity_id=activity.id,
        kind=activity.kind,
        titles=dict(activity.titles),
        status=activity.status,
        tentative_note=activity.tentative_note,
        host_city=activity.host_city,
        venue=venue(activity),
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        timezone=activity.timezone,
        working_languages=activity.working_languages,
        interpretation=activity.interpretation,
        capacity=activity.capacity,
        city_quota=activity.city_quota,
        nomination_deadline=activity.nomination_deadline,
        revision=activity.revision,
        organiser=links.organiser,
        calendar_url=links.calendar(activity.id),
    )


PARTICIPANT = (
    "person_id",
    "name",
    "email",
    "language",
    "timezone",
    "rank",
    "accessibility_needs",
    "city_id",
    "city_name",
)
"""The fields of a participant a nomination holds under the same name."""


def participant(nomination: Nomination) -> contracts.Participant:
    return contracts.Participant(
        **{name: getattr(nomination, name) for name in PARTICIPANT}, country=nomination.city_country
    )


def invitation(activity: Activity, nomination: Nomination, links: Links) -> contracts.Invitation:
    """What the participant's email and ICS need; a REQUEST while they attend, else a CANCEL."""
    attending = nomination.active and activity.status != "cancelled"
    decline_until = activity.starts_at
    return contracts.Invitation(
        nomination_id=nomination.id,
        participant=participant(nomination),
        status=nomination.status,
        activity_title=activity.title_in(nomination.language),
        ics_uid=ics_uid(activity.id, nomination.person_id),
        ics_sequence=activity.revision + nomination.revision,
        ics_method="REQUEST" if attending else "CANCEL",
        ics_url=links.invitation_ics(nomination.id, activity.ends_at),
        decline_url=links.decline(nomination.id, decline_until) if attending else None,
        decline_expires_at=decline_until if attending else None,
        participant_url=links.participant(nomination.person_id, activity.ends_at),
    )


def invitations(activity: Activity, nominations: Sequence[Nomination], links: Links) -> tuple:
    """The invitations of everyone confirmed or waitlisted, as they stand now."""
    return tuple(invitation(activity, n, links) for n in nominations if n.active)


def session(session: Session, timezone: str) -> contracts.Session:
    return contracts.Session(
        session_id=session.id,
        day=local_day(session.starts_at, timezone),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        room=session.room,
        titles=dict(session.titles),
        speaker=session.speaker,
    )


def scheduled(new: Activity, links: Links, by: str, at: datetime) -> contracts.ActivityScheduled:
    return contracts.ActivityScheduled(activity=activity(new, links), changed_by=by, occurred_at=at)


def _changed(of: Activity, nominations: Sequence[Nomination], links: Links, by: str, at: datetime) -> dict:
    """The fields every change of an activity repeats (see shared.contracts.scheduling._ActivityEvent)."""
    return dict(
        activity=activity(of, links),
        changed_by=by,
        occurred_at=at,
        invitations=invitations(of, nominations, links),
    )


def rescheduled(
    before: Activity, after: Activity, nominations: Sequence[Nomination], links: Links, by: str, at: datetime
) -> contracts.ActivityRescheduled:
    return contracts.ActivityRescheduled(
        **_changed(after, nominations, links, by, at),
        changed_fields=changed_fields(before, after),
        previous_starts_at=before.starts_at,
        previous_ends_at=before.ends_at,
        previous_venue=venue(before),
    )


def cancelled(
    gone: Activity, nominations: Sequence[Nomination], reason: str, links: Links, by: str, at: datetime
) -> contracts.ActivityCancelled:
    return contracts.ActivityCancelled(**_changed(gone, nominations, links, by, at), reason=reason)


def session_changed(
    touched: Activity,
    slot: Session,
    change: str,
    nominations: Sequence[Nomination],
    links: Links,
    by: str,
    at: datetime,
) -> contracts.SessionChanged:
    return contracts.SessionChanged(
        **_changed(touched, nominations, links, by, at), change=change, session=session(slot, touched.timezone)
    )


def _about(of: Activity, nomination: Nomination, focal_point: Contact, links: Links, at: datetime) -> dict:
    """The fields every nomination event repeats (see shared.contracts.scheduling._NominationEvent)."""
    return dict(
        activity=activity(of, links),
        invitation=invitation(of, nomination, links),
        focal_point=focal_point,
        occurred_at=at,
    )


def nominated(
    of: Activity, decision: Nominated, focal_point: Contact, links: Links, at: datetime
) -> contracts.ParticipantNominated:
    nomination = decision.nomination
    return contracts.ParticipantNominated(
        **_about(of, nomination, focal_point, links, at), nominated_by=nomination.nominated_by
    )


def placed(
    of: Activity, decision: Nominated, focal_point: Contact, links: Links, at: datetime
) -> contracts.NominationConfirmed | contracts.NominationWaitlisted:
    """The place decision on a new nomination: confirmed, or waitlisted with the reason."""
    about = _about(of, decision.nomination, focal_point, links, at)
    if decision.nomination.status == "confirmed":
        return contracts.NominationConfirmed(**about, explanation=decision.explanation)
    return contracts.NominationWaitlisted(**about, explanation=decision.explanation)


def promoted(
    of: Activity, promotion: Promotion, focal_point: Contact, links: Links, at: datetime
) -> contracts.NominationPromoted:
    return contracts.NominationPromoted(
        **_about(of, promotion.nomination, focal_point, links, at), explanation=promotion.explanation
    )


def withdrawn(
    of: Activity,
    nomination: Nomination,
    was_confirmed: bool,
    focal_point: Contact,
    links: Links,
    at: datetime,
    *,
    cancelled_by: str | None,
    reason: str | None,
) -> contracts.NominationCancelled | contracts.NominationDeclined:
    """A decline by the participant (`cancelled_by` None) or a cancellation by the city or staff."""
    about = _about(of, nomination, focal_point, links, at)
    if cancelled_by is None:
        return contracts.NominationDeclined(**about, was_confirmed=was_confirmed)
    return contracts.NominationCancelled(**about, cancelled_by=cancelled_by, reason=reason, was_confirmed=was_confirmed)


def attendance_recorded(
    of: Activity, nomination: Nomination, focal_point: Contact, links: Links, at: datetime
) -> contracts.AttendanceRecorded:
    return contracts.AttendanceRecorded(
        **_about(of, nomination, focal_point, links, at),
        attended=nomination.attended,
        recorded_by=nomination.attendance_by,
    )


def reminder_due(
    of: Activity, nomination: Nomination, reminder: Reminder, focal_point: Contact, links: Links, at: datetime
) -> contracts.ReminderDue:
    return contracts.ReminderDue(
        **_about(of, nomination, focal_point, links, at),
        reminder_id=reminder.id,
        days_before=reminder.days_before,
        due_at=reminder.due_at,
    )
