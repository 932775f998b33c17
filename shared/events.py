"""The event envelope and the single way to build and parse events.

Every event on Kafka is an `Event` envelope around a contract payload (see `shared.contracts`).
Payload classes declare their `TYPE`, `VERSION` and `TOPIC`; `parse_event()` accepts only the
(type, version) pairs registered in `shared.contracts.CONTRACTS`, and returns old versions upcast
to the latest one (`shared.contracts.UPCASTS`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

MAX_EVENT_BYTES = 1_000_000


class Payload(BaseModel):
    """Base class of every event payload: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    TOPIC: ClassVar[str]


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

    @field_validator("occurred_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()


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


class _Header(BaseModel):
    """Only what is needed to find the contract, before validating the whole event."""

    type: str
    schema_version: int


def parse_event(raw: bytes | str | dict[str, Any]) -> Event[Any]:
    """Validate raw bytes/JSON into an Event of a registered contract, or raise EventRejected."""
    from shared.contracts import CONTRACTS, UPCASTS

    data = _decode(raw)
    try:
        header = _Header.model_validate(data)
    except ValidationError as error:
        raise EventRejected(f"not an event envelope: {_summary(error)}") from None
    contract = CONTRACTS.get((header.type, header.schema_version))
    if contract is None:
        known = sorted(v for (t, v) in CONTRACTS if t == header.type)
        detail = f"known versions {known}" if known else "unknown event type"
        raise EventRejected(f"unsupported event {header.type!r} schema_version {header.schema_version}: {detail}")
    try:
        event = Event[contract].model_validate(data)
    except ValidationError as error:
        raise EventRejected(f"invalid {header.type} v{header.schema_version}: {_summary(error)}") from None
    return _upcast(event, UPCASTS)


def _upcast(event: Event[Any], upcasts: dict[tuple[str, int], Any]) -> Event[Any]:
    """Step an old version up to the latest one, so that handlers only ever see the latest."""
    while (step := upcasts.get((event.type, event.schema_version))) is not None:
        try:
            payload = step(event.payload)
        except ValidationError as error:
            raise EventRejected(f"cannot upcast {event.type} v{event.schema_version}: {_summary(error)}") from None
        fields = event.model_dump(exclude={"payload", "schema_version"})
        event = Event[type(payload)](**fields, schema_version=payload.VERSION, payload=payload)
    return event


def _decode(raw: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if len(raw) > MAX_EVENT_BYTES:
        raise EventRejected(f"event of {len(raw)} bytes exceeds the {MAX_EVENT_BYTES} byte limit")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EventRejected(f"not JSON: {error}") from None
    except RecursionError:
        # A JSON bomb (arrays or objects nested thousands deep) must be rejected, not crash the consumer.
        raise EventRejected("not JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise EventRejected("not a JSON object")
    return data


def _summary(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors()[:10])
