"""Places: capacity, per-city quotas, the waitlist and who is promoted when a place frees.

The rule (documented for cities and staff):

1. A nomination is confirmed when the activity has a free place AND the nominating city is below
   its quota; otherwise it is waitlisted, with the reason (`capacity_full` or `city_quota_full`).
2. When places free (a cancellation, a decline, capacity or quota raised, the activity moved),
   they are offered one by one. Eligible: waitlisted people whose city is below its quota and who
   are not confirmed in an overlapping activity. Among them, the person whose city has the FEWEST
   confirmed participants goes first, so that places spread across cities; between cities with as
   many, the one waiting longest (first come, first served), then the nomination id (stable).
3. Offering continues while a place is free and someone eligible waits: no place stays empty
   while an eligible person waits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from shared.contracts import Explanation, Places

Status = Literal["confirmed", "waitlisted", "cancelled", "declined"]


@dataclass(frozen=True)
class Seat:
    """One nomination as the place rules see it."""

    nomination_id: UUID
    city_id: UUID
    status: Status
    waiting_since: datetime


@dataclass(frozen=True)
class Limits:
    capacity: int
    city_quota: int


@dataclass(frozen=True)
class Offer:
    """A waitlisted nomination that gets a place, and why."""

    nomination_id: UUID
    explanation: Explanation


def places(limits: Limits, seats: Iterable[Seat], city_id: UUID) -> Places:
    seats = list(seats)
    return Places(
        capacity=limits.capacity,
        confirmed=sum(s.status == "confirmed" for s in seats),
        city_quota=limits.city_quota,
        city_confirmed=sum(s.status == "confirmed" and s.city_id == city_id for s in seats),
        waitlisted=sum(s.status == "waitlisted" for s in seats),
    )


def decide(limits: Limits, seats: Sequence[Seat], city_id: UUID) -> Explanation:
    """Confirm or waitlist a new nomination of `city_id` (not yet in `seats`)."""
    now = places(limits, seats, city_id)
    if now.confirmed >= limits.capacity:
        return _waitlisted(
            "capacity_full", f"All {limits.capacity} places are taken.", now, position=now.waitlisted + 1
        )
    if now.city_confirmed >= limits.city_quota:
        return _waitlisted(
            "city_quota_full",
            f"Your city already has {now.city_confirmed} confirmed participant(s), its quota for this activity.",
            now,
            position=now.waitlisted + 1,
        )
    return Explanation(
        reason="place_available",
        message=f"A place was free ({now.confirmed + 1} of {limits.capacity} taken with this one).",
        places=now,
    )


def _waitlisted(reason: str, message: str, now: Places, *, position: int) -> Explanation:
    return Explanation(
        reason=reason,
        message=f"{message} You are on the waitlist (position {position}) and will be offered a place "
        "automatically when one frees.",
        places=now,
        waitlist_position=position,
    )


def waitlist_order(seats: Sequence[Seat]) -> list[Seat]:
    """The waitlist in the order places would be offered if every city had room (for display)."""
    confirmed = Counter(s.city_id for s in seats if s.status == "confirmed")
    waiting = [s for s in seats if s.status == "waitlisted"]
    return sorted(waiting, key=lambda s: (confirmed[s.city_id], s.waiting_since, s.nomination_id))


def waiting_reason(limits: Limits, seats: Sequence[Seat], seat: Seat) -> str:
    """Why a waitlisted seat has no place now: `capacity_full`, `city_quota_full`, or `overlapping`
    (a place and its city's quota would allow it, but the person is confirmed in an overlapping activity)."""
    confirmed = [s for s in seats if s.status == "confirmed"]
    if len(confirmed) >= limits.capacity:
        return "capacity_full"
    if sum(s.city_id == seat.city_id for s in confirmed) >= limits.city_quota:
        return "city_quota_full"
    return "overlapping"


def promotions(
    limits: Limits, seats: Sequence[Seat], freed_by: str, *, ineligible: frozenset[UUID] = frozenset()
) -> list[Offer]:
    """Who gets the free places now, in order; `ineligible`: people confirmed in an overlapping activity."""
    current = {s.nomination_id: s for s in seats}
    offers = []
    while True:
        state = list(current.values())
        confirmed = Counter(s.city_id for s in state if s.status == "confirmed")
        if sum(confirmed.values()) >= limits.capacity:
            return offers
        eligible = [
            s
            for s in state
            if s.status == "waitlisted"
            and confirmed[s.city_id] < limits.city_quota
            and s.nomination_id not in ineligible
        ]
        if not eligible:
            return offers
        chosen = min(eligible, key=lambda s: (confirmed[s.city_id], s.waiting_since, s.nomination_id))
        before = places(limits, state, chosen.city_id)
        current[chosen.nomination_id] = Seat(chosen.nomination_id, chosen.city_id, "confirmed", chosen.waiting_since)
        offers.append(
            Offer(
                chosen.nomination_id,
                Explanation(
                    reason=freed_by,
                    message=f"A place freed ({_FREED[freed_by]}). Waiting people of cities with the fewest "
                    f"confirmed participants go first, then the longest waiting; your city had "
                    f"{before.city_confirmed} of its {limits.city_quota} place(s).",
                    places=before,
                ),
            )
        )


_FREED = {
    "nomination_cancelled": "a nomination was cancelled",
    "nomination_declined": "a participant declined",
    "capacity_raised": "the capacity was raised",
    "quota_raised": "the per-city quota was raised",
    "activity_moved": "the activity moved",
}
FREED_REASONS = tuple(_FREED)
