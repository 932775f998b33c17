"""Nominations: one row per person and activity, and the rules of nominating, withdrawing, promoting
and recording attendance.

A person nominated again for an activity gets their earlier nomination back (same id, so the same
ICS UID) with a higher revision: the invitation's SEQUENCE only grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from services.scheduling.domain import places
from services.scheduling.domain.activities import Activity, RuleBroken, Session
from services.scheduling.domain.cities import SignedUpCity
from services.scheduling.domain.conflicts import Interval, first_overlap
from shared.contracts import Explanation, Places, person_id_for_email

ACTIVE = ("confirmed", "waitlisted")
"""A nomination holding a place or waiting for one."""


@dataclass(frozen=True)
class Nominee:
    """The person a city nominates, as the focal point gives them."""

    name: str
    email: str
    language: str
    timezone: str
    rank: str | None = None
    accessibility_needs: str | None = None

    @property
    def address(self) -> str:
        """The email as nominations are keyed by it: trimmed, lower case."""
        return self.email.strip().lower()


@dataclass(frozen=True)
class Nomination:
    id: UUID
    activity_id: UUID
    city_id: UUID
    city_name: str
    city_country: str
    person_id: UUID
    name: str
    email: str
    language: str
    timezone: str
    rank: str | None
    accessibility_needs: str | None
    status: str
    waiting_since: datetime
    revision: int
    nominated_by: str
    attended: bool | None
    attendance_by: str | None
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def seat(self) -> places.Seat:
        return places.Seat(self.id, self.city_id, self.status, self.waiting_since)

    def withdrawn(self, activity: Activity, now: datetime, *, declined: bool) -> Nomination:
        """Cancelled by the city or staff, or declined by the participant: the place is free again."""
        if not self.active:
            raise RuleBroken("nomination_id", f"This nomination is already {self.status}.")
        if activity.closed:
            raise RuleBroken("nomination_id", f"The activity is {activity.status}.")
        return self._now(status="declined" if declined else "cancelled", now=now)

    def promoted(self, now: datetime) -> Nomination:
        return self._now(status="confirmed", now=now)

    def attendance(self, activity: Activity, attended: bool, by: str, now: datetime) -> Nomination:
        if now < activity.starts_at:
            raise RuleBroken("attended", "Attendance can be recorded once the activity has started.")
        if self.status != "confirmed":
            raise RuleBroken("nomination_id", f"Only confirmed participants attend; this one is {self.status}.")
        return replace(self, attended=attended, attendance_by=by, updated_at=now)

    @property
    def freed_by(self) -> str:
        """The places reason of the place this withdrawn nomination gives back."""
        return "nomination_declined" if self.status == "declined" else "nomination_cancelled"

    def _now(self, *, status: str, now: datetime) -> Nomination:
        return replace(self, status=status, revision=self.revision + 1, updated_at=now)


@dataclass(frozen=True)
class Nominated:
    """A nomination just made, and why it has a place or waits for one."""

    nomination: Nomination
    explanation: Explanation


def nominate(
    activity: Activity,
    city: SignedUpCity,
    nominee: Nominee,
    *,
    earlier: Nomination | None,
    nominations: Sequence[Nomination],
    commitments: Sequence[Interval],
    nomination_id: UUID,
    by: str,
    now: datetime,
) -> Nominated:
    """Confirm or waitlist `nominee` for `activity` (see domain.places); refuses a closed activity, a
    passed deadline, a person already nominated here, and one nominated for an overlapping activity.

    `earlier`: the person's earlier nomination here, if any; `nominations`: the activity's;
    `commitments`: the person's places in other activities; `nomination_id`: the id of a first one."""
    activity.accepts_nominations(now)
    email = nominee.address
    if earlier is not None and earlier.active:
        raise RuleBroken("email", f"{email} is already nominated for this activity ({earlier.status}).")
    clash = first_overlap(activity.interval, commitments)
    if clash is not None:
        raise RuleBroken(
            "email",
            f"{email} is already nominated for '{clash.label}' ({clash.starts_at:%Y-%m-%d %H:%M}–"
            f"{clash.ends_at:%Y-%m-%d %H:%M} UTC), which overlaps this activity.",
        )
    seats = [n.seat for n in nominations if n.active]
    explanation = places.decide(activity.limits, seats, city.city_id)
    nomination = Nomination(
        id=earlier.id if earlier else nomination_id,
        activity_id=activity.id,
        city_id=city.city_id,
        city_name=city.name,
        city_country=city.country,
        person_id=person_id_for_email(email),
        name=nominee.name,
        email=email,
        language=nominee.language,
        timezone=nominee.timezone,
        rank=nominee.rank,
        accessibility_needs=nominee.accessibility_needs,
        status="confirmed" if explanation.reason == "place_available" else "waitlisted",
        waiting_since=now,
        revision=earlier.revision + 1 if earlier else 1,
        nominated_by=by,
        attended=None,
        attendance_by=None,
        updated_at=now,
    )
    return Nominated(nomination, explanation)


@dataclass(frozen=True)
class Promotion:
    """A waitlisted nomination given a free place, and why."""

    nomination: Nomination
    explanation: Explanation


def promotions(
    activity: Activity, nominations: Sequence[Nomination], freed_by: str, ineligible: frozenset[UUID], now: datetime
) -> list[Promotion]:
    """Who of the waitlist gets the free places now, in order (see domain.places); nobody once the
    activity is cancelled or done. `ineligible`: people confirmed in an overlapping activity."""
    if activity.closed:
        return []
    by_id = {n.id: n for n in nominations}
    seats = [n.seat for n in nominations if n.active]
    offers = places.promotions(activity.limits, seats, freed_by, ineligible=ineligible)
    return [Promotion(by_id[o.nomination_id].promoted(now), o.explanation) for o in offers]


def waitlist_positions(nominations: Sequence[Nomination]) -> dict[UUID, int]:
    """Each waitlisted nomination's place in line (1 = next), in the order places would be offered."""
    order = places.waitlist_order([n.seat for n in nominations])
    return {seat.nomination_id: position for position, seat in enumerate(order, start=1)}


@dataclass(frozen=True)
class Listed:
    """A nomination as staff see it in the activity's list: its place on the waitlist and why it waits."""

    nomination: Nomination
    position: int | None = None
    waiting_because: str | None = None

    @property
    def group(self) -> str:
        """confirmed, attended, waitlisted or withdrawn (cancelled or declined)."""
        if self.nomination.status == "confirmed":
            return "attended" if self.nomination.attended else "confirmed"
        return self.nomination.status if self.nomination.status == "waitlisted" else "withdrawn"


def listed(activity: Activity, nominations: Sequence[Nomination]) -> list[Listed]:
    """Every nomination with its waitlist position and reason (domain.places), waitlisted in line order."""
    positions = waitlist_positions(nominations)
    seats = [n.seat for n in nominations]
    found = [
        Listed(n, position, places.waiting_reason(activity.limits, seats, n.seat) if position else None)
        for n in nominations
        for position in [positions.get(n.id)]
    ]
    return sorted(found, key=lambda item: (item.position or 0, item.nomination.waiting_since))


@dataclass(frozen=True)
class CityActivity:
    """An activity as one city's focal point or deputy sees it: its places, overall and for the city,
    and the city's own nominations (waitlisted ones with their place in the whole line)."""

    activity: Activity
    places: Places
    nominations: tuple[Listed, ...]

    @property
    def left(self) -> int:
        """Free places overall."""
        return max(self.places.capacity - self.places.confirmed, 0)

    @property
    def city_left(self) -> int:
        """Places the city may still take now: its quota's rest, within the free places."""
        return min(max(self.places.city_quota - self.places.city_confirmed, 0), self.left)

    def open_at(self, now: datetime) -> bool:
        """Whether the city may nominate now (before the deadline, the activity neither cancelled nor done,
        its dates not to be confirmed: Activity.accepts_nominations)."""
        activity = self.activity
        return not activity.closed and not activity.dates_to_be_confirmed and now < activity.nomination_deadline

    def started_at(self, now: datetime) -> bool:
        """Whether attendance may be recorded (the activity has started)."""
        return now >= self.activity.starts_at


def city_activity(activity: Activity, nominations: Sequence[Nomination], city_id: UUID) -> CityActivity:
    """`activity` with its `nominations` (every city's) as the city `city_id` sees it."""
    seats = [n.seat for n in nominations if n.active]
    mine = tuple(item for item in listed(activity, nominations) if item.nomination.city_id == city_id)
    return CityActivity(activity, places.places(activity.limits, seats, city_id), mine)


def for_the_city(activity: Activity, nominations: Sequence[Nomination], city_id: UUID, now: datetime) -> bool:
    """Whether the city's programme page lists the activity: every one not over yet and not cancelled,
    and any other the city nominated for (to see what became of them, and record attendance)."""
    upcoming = activity.ends_at > now and activity.status != "cancelled"
    return upcoming or any(n.city_id == city_id for n in nominations)


@dataclass(frozen=True)
class Commitment:
    """One activity as its participant sees it on their page: their nomination (its waitlist position
    and why it waits) and the activity's timetable."""

    activity: Activity
    place: Listed
    sessions: tuple[Session, ...]

    @property
    def state(self) -> str:
        """confirmed, waitlisted, cancelled, declined, attended or absent."""
        n = self.place.nomination
        if n.status == "confirmed" and n.attended is not None:
            return "attended" if n.attended else "absent"
        return n.status

    def declinable_at(self, now: datetime) -> bool:
        """Whether the participant may still decline (as their decline link: until the activity starts)."""
        return self.place.nomination.active and not self.activity.closed and now < self.activity.starts_at


def commitment(
    activity: Activity, nominations: Sequence[Nomination], person_id: UUID, sessions: Sequence[Session]
) -> Commitment:
    """The person's nomination for `activity` among everyone's `nominations` (for the waitlist position)."""
    [mine] = [item for item in listed(activity, nominations) if item.nomination.person_id == person_id]
    return Commitment(activity, mine, tuple(sessions))
