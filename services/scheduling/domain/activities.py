"""Activities and their timetable: what a valid one is, and how one changes.

Times are kept in UTC; a naive time given by staff is wall-clock time at the venue (`as_utc`).
Every change of an activity or of its timetable raises its `revision` (the ICS SEQUENCE grows with it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from services.scheduling.domain.conflicts import Interval, first_overlap
from services.scheduling.domain.places import Limits, Seat
from shared.contracts import title_in
from shared.refusals import Refused

DEFAULT_REMINDER_DAYS: tuple[int, ...] = (14, 2)
"""Reminders before an activity's start, unless the activity says otherwise."""
CLOSED = ("cancelled", "done")
"""An activity in one of these states changes no more and takes no nominations."""
TIMES = ("starts_at", "ends_at", "nomination_deadline")
LISTS = ("working_languages", "interpretation")


class RuleBroken(Refused):
    """A business rule refused a change; `field` names the input at fault (answered 422 next to it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message


def as_utc(value: datetime, timezone: str) -> datetime:
    """A naive datetime is wall-clock time in `timezone`; an aware one is kept as it is."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(ZoneInfo("UTC"))


def local_day(value: datetime, timezone: str) -> date:
    return value.astimezone(ZoneInfo(timezone)).date()


def check_activity(starts_at: datetime, ends_at: datetime, nomination_deadline: datetime, quota: int, capacity: int):
    if ends_at <= starts_at:
        raise RuleBroken("ends_at", "The activity must end after it starts.")
    if nomination_deadline > starts_at:
        raise RuleBroken("nomination_deadline", "The nomination deadline must be before the activity starts.")
    if quota > capacity:
        raise RuleBroken("city_quota", "The per-city quota cannot exceed the capacity.")


def check_limits(capacity: int, city_quota: int, confirmed: int, most_confirmed_by_a_city: int) -> None:
    """Lowering capacity or quota below the confirmed participants would silently drop people."""
    if capacity < confirmed:
        raise RuleBroken(
            "capacity", f"{confirmed} participants are confirmed: cancel nominations before going below that."
        )
    if city_quota < most_confirmed_by_a_city:
        raise RuleBroken(
            "city_quota",
            f"A city already has {most_confirmed_by_a_city} confirmed participants: cancel nominations first.",
        )


def check_session(
    starts_at: datetime, ends_at: datetime, activity_starts_at: datetime, activity_ends_at: datetime
) -> None:
    if ends_at <= starts_at:
        raise RuleBroken("ends_at", "The session must end after it starts.")
    if starts_at < activity_starts_at or ends_at > activity_ends_at:
        raise RuleBroken("starts_at", "The session must lie within the activity's dates.")


def check_reminder_days(days: Sequence[int]) -> tuple[int, ...]:
    if any(d < 0 or d > 365 for d in days):
        raise RuleBroken("reminder_days", "Reminder days must be between 0 and 365.")
    return tuple(sorted(set(days), reverse=True))


@dataclass(frozen=True)
class Activity:
    """An activity of the programme, times in UTC, `timezone` the venue's."""

    id: UUID
    kind: str
    titles: Mapping[str, str]
    status: str
    tentative_note: str | None
    host_city: str
    country: str
    venue_name: str
    venue_address: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    nomination_deadline: datetime
    working_languages: tuple[str, ...]
    interpretation: tuple[str, ...]
    capacity: int
    city_quota: int
    reminder_days: tuple[int, ...]
    revision: int
    updated_at: datetime
    seed_key: str | None = None
    """The programme seed's stable name of the activity, so that seeding twice changes nothing."""

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def limits(self) -> Limits:
        return Limits(self.capacity, self.city_quota)

    @property
    def interval(self) -> Interval:
        return Interval(self.id, self.starts_at, self.ends_at)

    def title_in(self, language: str) -> str:
        return title_in(dict(self.titles), language)

    def checked(self) -> Activity:
        check_activity(self.starts_at, self.ends_at, self.nomination_deadline, self.city_quota, self.capacity)
        return self

    @property
    def dates_to_be_confirmed(self) -> bool:
        """Known only to the month, season or year (`tentative_note` says which): its span is a placeholder,
        not a commitment of anyone's time."""
        return self.status == "tentative"

    def accepts_nominations(self, now: datetime) -> None:
        """Refuses (RuleBroken) a closed activity, one whose dates are to be confirmed (the rule: nominations
        open once staff set real dates, so that a placeholder span never blocks or misleads anyone), and
        one whose nomination deadline passed."""
        if self.closed:
            raise RuleBroken("activity_id", f"This activity is {self.status}: nominations are closed.")
        if self.dates_to_be_confirmed:
            raise RuleBroken(
                "activity_id", "The dates of this activity are to be confirmed: nominations open once they are."
            )
        if now >= self.nomination_deadline:
            raise RuleBroken(
                "activity_id", f"The nomination deadline passed ({self.nomination_deadline:%Y-%m-%d %H:%M} UTC)."
            )

    def changed(self, wanted: Mapping[str, Any], now: datetime) -> Activity:
        """The activity with staff's changes (naive times in the venue's new or current timezone);
        itself when nothing differs."""
        values = field_values(wanted, wanted.get("timezone", self.timezone))
        if self.closed:
            raise RuleBroken("status", f"This activity is {self.status}; it cannot change any more.")
        differing = {name: value for name, value in values.items() if getattr(self, name) != value}
        if not differing:
            return self
        return replace(self, **differing, revision=self.revision + 1, updated_at=now).checked()

    def cancelled(self, now: datetime) -> Activity:
        if self.closed:
            raise RuleBroken("status", f"This activity is already {self.status}.")
        return replace(self, status="cancelled", revision=self.revision + 1, updated_at=now)

    def touched(self, now: datetime) -> Activity:
        """Its timetable changed: the invitations are re-issued with a higher SEQUENCE."""
        return replace(self, revision=self.revision + 1, updated_at=now)

    def admits(self, confirmed: Sequence[Seat]) -> None:
        """Its capacity and quota still hold everyone confirmed."""
        per_city = Counter(seat.city_id for seat in confirmed)
        check_limits(self.capacity, self.city_quota, len(confirmed), max(per_city.values(), default=0))

    def holds(self, sessions: Sequence[Session]) -> None:
        """Every session of its timetable lies within its dates."""
        if any(s.starts_at < self.starts_at or s.ends_at > self.ends_at for s in sessions):
            raise RuleBroken(
                "starts_at", "Sessions of the timetable would fall outside the new dates: move them first."
            )


def field_values(values: Mapping[str, Any], timezone: str) -> dict[str, Any]:
    """Staff's (or the seed's) field values as an activity holds them: times in UTC, lists as
    tuples, reminder days checked."""
    held = dict(values)
    for name in TIMES:
        if name in held:
            held[name] = as_utc(held[name], timezone)
    for name in LISTS:
        if name in held:
            held[name] = tuple(held[name])
    if "reminder_days" in held:
        held["reminder_days"] = check_reminder_days(held["reminder_days"])
    return held


def new_activity(activity_id: UUID, values: Mapping[str, Any], now: datetime, seed_key: str | None = None) -> Activity:
    """A new activity of the programme from every field's value (naive times are the venue's)."""
    fields = field_values(values, values["timezone"])
    return Activity(id=activity_id, **fields, revision=1, updated_at=now, seed_key=seed_key).checked()


def changed_fields(before: Activity, after: Activity) -> tuple[str, ...]:
    """The names of the fields staff changed, in alphabetical order."""
    unchanged = ("id", "revision", "updated_at", "seed_key")
    names = [name for name in Activity.__dataclass_fields__ if name not in unchanged]
    return tuple(sorted(name for name in names if getattr(before, name) != getattr(after, name)))


def places_freed_by(before: Activity, after: Activity) -> str | None:
    """Why a change may free places for the waitlist (a domain.places reason), or None."""
    if after.capacity > before.capacity:
        return "capacity_raised"
    if after.city_quota > before.city_quota:
        return "quota_raised"
    if (after.starts_at, after.ends_at) != (before.starts_at, before.ends_at):
        return "activity_moved"
    return None


def reminders_move(before: Activity, after: Activity) -> bool:
    """A new start or new reminder days: the pending reminders are planned again."""
    return (after.starts_at, after.reminder_days) != (before.starts_at, before.reminder_days)


@dataclass(frozen=True)
class Session:
    """One slot of an activity's timetable, times in UTC."""

    id: UUID
    activity_id: UUID
    starts_at: datetime
    ends_at: datetime
    room: str
    titles: Mapping[str, str]
    speaker: str | None

    @property
    def interval(self) -> Interval:
        return Interval(self.id, self.starts_at, self.ends_at, self.titles.get("en", ""))

    def in_room(self, room: str) -> bool:
        return self.room.strip().casefold() == room.strip().casefold()


def new_session(activity: Activity, session_id: UUID, values: Mapping[str, Any]) -> Session:
    """A slot of `activity` from staff's values (naive times are the venue's), within its dates."""
    session = Session(
        id=session_id,
        activity_id=activity.id,
        starts_at=as_utc(values["starts_at"], activity.timezone),
        ends_at=as_utc(values["ends_at"], activity.timezone),
        room=values["room"],
        titles=values["titles"],
        speaker=values["speaker"],
    )
    check_session(session.starts_at, session.ends_at, activity.starts_at, activity.ends_at)
    return session


def refuse_room_clash(session: Session, timetable: Sequence[Session]) -> None:
    """Two sessions never share a room at the same time."""
    same_room = [other.interval for other in timetable if other.in_room(session.room)]
    clash = first_overlap(session.interval, same_room)
    if clash is not None:
        raise RuleBroken("room", f"Room {session.room!r} is taken by '{clash.label}' at that time.")


@dataclass(frozen=True)
class Timetable:
    """An activity with its sessions, in time order: what staff see of it."""

    activity: Activity
    sessions: tuple[Session, ...]
