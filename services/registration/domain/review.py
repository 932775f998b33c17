"""The review state machine of one call's applications, with staged decisions and the quota.

    submitted -> under_review -> (more_info_requested <-> under_review) -> shortlisted
    shortlisted -> selected | waitlisted | rejected      (staged, then released together)
    submitted | under_review | more_info_requested -> rejected   (staged, then released)
    any non-final -> withdrawn (by the applicant); waitlisted -> selected (a place freed up)

`Board` holds every application of a call, so that rules spanning applications (the quota, the
waitlist order, promotion after a withdrawal) are checked in one place. Every method returns a new
board or raises `IllegalCommand`; `Board.check()` states the invariants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID


class Status(StrEnum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    MORE_INFO_REQUESTED = "more_info_requested"
    SHORTLISTED = "shortlisted"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


DECISIONS = (Status.SELECTED, Status.WAITLISTED, Status.REJECTED)
FINAL = frozenset({Status.REJECTED, Status.WITHDRAWN})

STAFF_MOVES: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        Status.SUBMITTED: frozenset({Status.UNDER_REVIEW}),
        Status.UNDER_REVIEW: frozenset({Status.MORE_INFO_REQUESTED, Status.SHORTLISTED}),
        Status.MORE_INFO_REQUESTED: frozenset({Status.UNDER_REVIEW}),
        Status.SHORTLISTED: frozenset({Status.UNDER_REVIEW}),
    }
)
"""Moves staff make one application at a time (decisions go through stage/release)."""

STAGEABLE: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        Status.SUBMITTED: frozenset({Status.REJECTED}),
        Status.UNDER_REVIEW: frozenset({Status.REJECTED}),
        Status.MORE_INFO_REQUESTED: frozenset({Status.REJECTED}),
        Status.SHORTLISTED: frozenset(DECISIONS),
    }
)
"""Which decision may be staged on an application in which status."""


class IllegalCommand(Exception):
    """A command the state machine refuses; `code` is stable, the message explains."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Entry:
    status: Status
    staged: Status | None = None
    waitlist_position: int | None = None


@dataclass(frozen=True)
class Released:
    application_id: UUID
    decision: Status
    waitlist_position: int | None


@dataclass(frozen=True)
class Board:
    quota: int
    entries: Mapping[UUID, Entry] = field(default_factory=dict)

    # --- reading ---------------------------------------------------------------------------

    def entry(self, application_id: UUID) -> Entry:
        try:
            return self.entries[application_id]
        except KeyError:
            raise IllegalCommand("unknown", f"no application {application_id} in this call") from None

    def count(self, status: Status) -> int:
        return sum(1 for e in self.entries.values() if e.status == status)

    def places_taken(self) -> int:
        """Selected cities plus those staged to be selected: never above the quota."""
        return self.count(Status.SELECTED) + sum(
            1 for e in self.entries.values() if e.staged == Status.SELECTED and e.status != Status.SELECTED
        )

    def staged(self) -> list[UUID]:
        return [a for a, e in self.entries.items() if e.staged is not None]

    def next_in_line(self) -> UUID | None:
        waiting = [
            (e.waitlist_position or 0, str(a), a) for a, e in self.entries.items() if e.status == Status.WAITLISTED
        ]
        return min(waiting)[2] if waiting else None

    def check(self) -> None:
        """The invariants; raises AssertionError naming the broken one."""
        assert self.places_taken() <= self.quota, "more places taken than the quota"
        positions = [e.waitlist_position for e in self.entries.values() if e.status == Status.WAITLISTED]
        assert None not in positions and len(set(positions)) == len(positions), "waitlist positions must be distinct"
        for e in self.entries.values():
            assert e.staged is None or e.staged in STAGEABLE.get(e.status, ()), f"{e.staged} staged on {e.status}"
            assert (e.waitlist_position is not None) == (e.status == Status.WAITLISTED), "position only on waitlist"

    # --- commands --------------------------------------------------------------------------

    def with_quota(self, quota: int) -> Board:
        """The board under a changed quota; IllegalCommand ("quota_below_taken") if fewer places than
        are already taken (selected, or staged to be selected): a selection is never undone by editing."""
        if quota < self.places_taken():
            raise IllegalCommand(
                "quota_below_taken",
                f"{self.places_taken()} places are taken (selected or staged to be selected): "
                f"the quota cannot be lower than that",
            )
        return replace(self, quota=quota)

    def _with(self, application_id: UUID, entry: Entry) -> Board:
        return replace(self, entries={**self.entries, application_id: entry})

    def add(self, application_id: UUID) -> Board:
        if application_id in self.entries:
            raise IllegalCommand("exists", "this application is already on the board")
        return self._with(application_id, Entry(Status.SUBMITTED))

    def move(self, application_id: UUID, target: Status) -> Board:
        entry = self.entry(application_id)
        if target not in STAFF_MOVES.get(entry.status, ()):
            raise IllegalCommand("transition", f"an application that is {entry.status} cannot become {target}")
        staged = entry.staged if entry.staged in STAGEABLE.get(target, ()) else None
        return self._with(application_id, Entry(target, staged))

    def stage(self, application_id: UUID, decision: Status) -> Board:
        entry = self.entry(application_id)
        if decision not in STAGEABLE.get(entry.status, ()):
            raise IllegalCommand(
                "transition", f"{decision} cannot be decided for an application that is {entry.status}"
            )
        board = self._with(application_id, replace(entry, staged=decision))
        if board.places_taken() > self.quota:
            raise IllegalCommand("quota", f"the quota of {self.quota} selected cities would be exceeded")
        return board

    def unstage(self, application_id: UUID) -> Board:
        return self._with(application_id, replace(self.entry(application_id), staged=None))

    def release(self, ranking: Sequence[UUID]) -> tuple[Board, list[Released]]:
        """Apply every staged decision at once; new waitlisted cities queue in `ranking` order."""
        staged = self.staged()
        if not staged:
            raise IllegalCommand("nothing_staged", "no decision is staged")
        order = {a: i for i, a in enumerate(ranking)}
        staged.sort(key=lambda a: (order.get(a, len(order)), str(a)))
        next_position = max((e.waitlist_position or 0 for e in self.entries.values()), default=0) + 1
        entries, released = dict(self.entries), []
        for application_id in staged:
            decision = entries[application_id].staged
            position = None
            if decision == Status.WAITLISTED:
                position, next_position = next_position, next_position + 1
            entries[application_id] = Entry(decision, None, position)
            released.append(Released(application_id, decision, position))
        board = replace(self, entries=entries)
        board.check()
        return board, released

    def withdraw(self, application_id: UUID) -> tuple[Board, UUID | None]:
        """The applicant withdraws; if they held a place, the next waitlisted city gets it (returned)."""
        entry = self.entry(application_id)
        if entry.status in FINAL:
            raise IllegalCommand("transition", f"an application that is {entry.status} cannot be withdrawn")
        board = self._with(application_id, Entry(Status.WITHDRAWN))
        promoted = board.next_in_line() if entry.status == Status.SELECTED else None
        if promoted is not None:
            board = board._with(promoted, Entry(Status.SELECTED))
        return board, promoted


def board_of(quota: int, entries: Iterable[tuple[UUID, Entry]]) -> Board:
    return Board(quota, dict(entries))
