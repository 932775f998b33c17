"""The registry of readable contracts and the one way to read an event.

`parse_event()` accepts only the (type, version) pairs in `CONTRACTS`, and returns old versions
upcast to the latest one (each old version class's `upcast()`), so that handlers only ever see the
latest version of a contract. Sealed personal fields (shared.privacy) read as their placeholders
here: a consumer opens the seals first (Keyring.open_event) to read the real values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.contracts import registration, scheduling
from shared.contracts.events import MAX_EVENT_BYTES, Event, EventRejected, Payload
from shared.privacy.sealing import without_seals


def _contracts_of(*modules: ModuleType) -> dict[tuple[str, int], type[Payload]]:
    """Every payload class a contract module defines (each version is its own class; an alias such
    as `ApplicationSubmitted = ApplicationSubmittedV2` is the same class and counted once)."""
    found: dict[tuple[str, int], type[Payload]] = {}
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Payload) and "TYPE" in value.__dict__:
                found[(value.TYPE, value.VERSION)] = value
    return found


CONTRACTS: dict[tuple[str, int], type[Payload]] = _contracts_of(registration, scheduling)
"""(type, version) -> payload class: every event a consumer may read."""

REGISTERED_TYPES: frozenset[str] = frozenset(kind for kind, _ in CONTRACTS)

UPCASTS: dict[tuple[str, int], Callable[[Any], Payload]] = {
    key: contract.upcast for key, contract in CONTRACTS.items() if hasattr(contract, "upcast")
}
"""(type, old version) -> the old version class's `upcast`, making the next version's payload."""


class _Header(BaseModel):
    """Only what is needed to find the contract, before validating the whole event."""

    type: str
    schema_version: int


def parse_event(raw: bytes | str | dict[str, Any]) -> Event[Any]:
    """Validate raw bytes/JSON into an Event of a registered contract, or raise EventRejected."""
    data = without_seals(decode_event(raw))
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
    return _upcast(event)


def _upcast(event: Event[Any]) -> Event[Any]:
    """Step an old version up to the latest one, so that handlers only ever see the latest."""
    while (step := UPCASTS.get((event.type, event.schema_version))) is not None:
        try:
            payload = step(event.payload)
        except ValidationError as error:
            raise EventRejected(f"cannot upcast {event.type} v{event.schema_version}: {_summary(error)}") from None
        fields = event.model_dump(exclude={"payload", "schema_version"})
        event = Event[type(payload)](**fields, schema_version=payload.VERSION, payload=payload)
    return event


def decode_event(raw: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """The JSON object of an event, within the size limit, or EventRejected."""
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
