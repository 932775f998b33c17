"""Calls for expressions of interest: window, quota, scoring criteria; what staff may set."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shared.contracts import EuLanguage, Name, Text, TimeZone, title_in


class Criterion(BaseModel):
    """A scoring criterion: a stable key, its name per language, its weight in the total."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    name: dict[EuLanguage, Name] = Field(min_length=1)
    weight: float = Field(gt=0, le=100)


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion(key="relevance", name={"en": "Relevance to protecting public spaces"}, weight=3),
    Criterion(key="experience", name={"en": "Experience and large public events"}, weight=2),
    Criterion(key="cooperation", name={"en": "Public-private security cooperation"}, weight=2),
    Criterion(key="commitment", name={"en": "Commitment to Police Academies and exchanges"}, weight=3),
)


@dataclass(frozen=True)
class Call:
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    opens_at: datetime
    closes_at: datetime
    timezone: str = "Europe/Brussels"
    quota: int = 11
    criteria: tuple[Criterion, ...] = field(default=DEFAULT_CRITERIA)

    def title_in(self, language: str) -> str:
        return title_in(self.title, language)

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: datetime) -> bool:
        return now >= self.closes_at


class CallSpec(BaseModel):
    """What staff send to create or change a call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: dict[EuLanguage, Name]
    description: dict[EuLanguage, Text] = Field(default_factory=dict)
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    timezone: TimeZone = "Europe/Brussels"
    quota: int = Field(default=11, ge=1, le=1000)
    criteria: tuple[Criterion, ...] = DEFAULT_CRITERIA

    @field_validator("title")
    @classmethod
    def _english_title(cls, title: dict[str, str]) -> dict[str, str]:
        if "en" not in title:
            raise ValueError("title: an English title is required (the fallback of every language)")
        return title

    @field_validator("closes_at")
    @classmethod
    def _after_opening(cls, closes_at: datetime, info: ValidationInfo) -> datetime:
        """Checked on the field (not the model) so that the error names it: forms show it beside the field."""
        opens_at = info.data.get("opens_at")
        if opens_at is not None and closes_at <= opens_at:
            raise ValueError("closes_at must be after opens_at")
        return closes_at

    @field_validator("criteria")
    @classmethod
    def _distinct_criteria(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        keys = [c.key for c in criteria]
        if not keys or len(set(keys)) != len(keys):
            raise ValueError("criteria: at least one, with distinct keys")
        return criteria

    def to_call(self, slug: str) -> Call:
        return Call(
            slug=slug,
            title=dict(self.title),
            description=dict(self.description),
            opens_at=self.opens_at,
            closes_at=self.closes_at,
            timezone=self.timezone,
            quota=self.quota,
            criteria=self.criteria,
        )


class CallNotOpen(Exception):
    """Submissions and edits are refused outside the call's window; the HTTP layer words it."""

    def __init__(self, call: Call, now: datetime) -> None:
        self.call = call
        self.not_yet_open = now < call.opens_at
        self.when = call.opens_at if self.not_yet_open else call.closes_at
        super().__init__(f"{'opens' if self.not_yet_open else 'closed'} at {self.when.isoformat()}")


def ensure_open(call: Call, now: datetime) -> None:
    if not call.is_open(now):
        raise CallNotOpen(call, now)
