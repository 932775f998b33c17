"""The envelope and parse_event(): what is accepted and how a rejection explains itself."""

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from pydantic import ValidationError

from shared.contracts import ApplicationSubmitted
from shared.contracts.events import EventRejected, new_event
from shared.contracts.registry import parse_event

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def submitted_event(**overrides):
    payload = (
        dict(
            application_id=uuid4(),
            call_id="c",
            call_title="Call",
            city="Riga",
            country="LV",
            contact_name="Anna",
            contact_email="anna@riga.lv",
            language="lv",
            motivation="m",
            submitted_at=NOW,
            closes_at=NOW + timedelta(days=1),
            timezone="Europe/Riga",
            call_titles={"en": "Call", "lv": "Call"},
            call_timezone="Europe/Brussels",
            contact_person_id=uuid4(),
        )
        | overrides
    )
    return new_event(
        ApplicationSubmitted(**payload),
        key="k",
        event_id=uuid4(),
        occurred_at=NOW,
        producer="registration",
        correlation_id="corr-1",
    )


def test_round_trip_keeps_every_field():
    event = submitted_event()
    parsed = parse_event(event.to_json())
    assert parsed == event
    assert isinstance(parsed.payload, ApplicationSubmitted)
    assert parsed.type == "ApplicationSubmitted" and parsed.schema_version == ApplicationSubmitted.VERSION


def test_occurred_at_is_normalised_to_utc():
    local = datetime(2026, 11, 24, 16, 0, tzinfo=timezone(timedelta(hours=1)))
    event = submitted_event().model_copy(update={"occurred_at": local})
    parsed = parse_event(event.model_dump_json())
    assert parsed.occurred_at.utcoffset() == timedelta(0) and parsed.occurred_at.hour == 15


def test_envelope_is_frozen():
    with pytest.raises(ValidationError):
        submitted_event().key = "other"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"type": "ApplicationSubmitted"}', "not an event envelope"),
        (b'{"type": "Nope", "schema_version": 1}', "unknown event type"),
        (b"x" * 2_000_000, "exceeds"),
    ],
)
def test_rejections_say_why(raw, reason):
    with pytest.raises(EventRejected) as caught:
        parse_event(raw)
    assert reason in caught.value.reason


def test_unknown_version_lists_known_ones():
    raw = submitted_event().to_json().replace(b'"schema_version":2', b'"schema_version":9')
    with pytest.raises(EventRejected, match=r"known versions \[1, 2\]"):
        parse_event(raw)


def test_invalid_payload_names_the_field():
    raw = submitted_event().to_json().replace(b'"country":"LV"', b'"country":"Latvia"')
    with pytest.raises(EventRejected, match="payload.country"):
        parse_event(raw)


def test_naive_timestamps_are_refused():
    raw = (
        submitted_event()
        .to_json()
        .replace(b'"occurred_at":"2026-11-24T15:00:00Z"', b'"occurred_at":"2026-11-24T15:00:00"')
    )
    with pytest.raises(EventRejected, match="occurred_at"):
        parse_event(raw)
