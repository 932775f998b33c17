"""Activities and sessions: what a valid one is, and when its reminders fall due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_REMINDER_DAYS: tuple[int, ...] = (14, 2)
"""Reminders before an activity's start, unless the activity says otherwise."""


class RuleBroken(ValueError):
    """A business rule refused a change; `field` names the input at fault (for a 4xx answer)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
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
class PlannedReminder:
    days_before: int
    due_at: datetime


def plan_reminders(starts_at: datetime, reminder_days: Sequence[int], now: datetime) -> list[PlannedReminder]:
    """One reminder per configured day, `days` before the start; those already past are not planned
    (a person nominated two days before gets the invitation, not a late 14-day reminder)."""
    planned = [PlannedReminder(d, starts_at - timedelta(days=d)) for d in sorted(set(reminder_days), reverse=True)]
    return [r for r in planned if r.due_at > now]
