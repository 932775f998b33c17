"""The event envelope and the one way to build an event.

Every event on Kafka is an `Event` envelope around a contract payload. Payload classes declare their
`TYPE`, `VERSION` and `TOPIC`; `shared.contracts.registry.parse_event()` is the one way to read one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PrivateAttr, field_validator

MAX_EVENT_BYTES = 1_000_000


class Payload(BaseModel):
    """Base class of every event payload: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    TOPIC: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A contract's published schema is named after its TYPE, whatever its class is called, so
        that `ApplicationSubmittedV1` and `ApplicationSubmittedV2` both document `ApplicationSubmitted`."""
        super().__init_subclass__(**kwargs)
        if "TYPE" in cls.__dict__:
            cls.__qualname__ = cls.TYPE
            cls.model_config = {**cls.model_config, "title": cls.TYPE}


P = TypeVar("P", bound=Payload)


class Event(BaseModel, Generic[P]):
    """The envelope. `key` is the aggregate id: it is the Kafka key, so per-aggregate order holds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    type: str = Field(min_length=1)
    schema_version: int = Field(ge=1)
    occurred_at: AwareDatetime
    producer: str = Field(min_length=1)
    correlation_id: str = Field(min_length=1, max_length=200)
    causation_id: str | None = Field(default=None, max_length=200)
    key: str = Field(min_length=1, max_length=200)
    payload: P
    _received: bytes | None = PrivateAttr(default=None)
    """The bytes it came as (sealed personal fields and all), set by the consumer."""

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    def received_json(self) -> bytes:
        """What to keep of a consumed event: the bytes it came as (personal fields still sealed)."""
        return self._received if self._received is not None else self.to_json()

    def as_received(self, raw: bytes) -> Event[P]:
        self._received = raw
        return self


class EventRejected(ValueError):
    """An event that cannot be accepted; `reason` says why (it goes to the dead-letter topic)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def new_event(
    payload: P,
    *,
    key: str,
    event_id: UUID,
    occurred_at: datetime,
    producer: str,
    correlation_id: str,
    causation_id: str | None = None,
) -> Event[P]:
    """Wrap a payload; ids and clock come from the caller so that domain code stays pure."""
    return Event[type(payload)](
        event_id=event_id,
        type=payload.TYPE,
        schema_version=payload.VERSION,
        occurred_at=occurred_at,
        producer=producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
        key=key,
        payload=payload,
    )
