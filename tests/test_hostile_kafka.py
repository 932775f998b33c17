"""Hostile input on Kafka, over the real stack: every topic a service consumes gets poison (bad bytes,
non-envelopes, unknown types and versions, missing fields, a JSON bomb, payloads near and over the size
limit); each is dead-lettered with its reason by each consumer of the topic, and a valid event published
after them on the same key still takes effect."""

from __future__ import annotations

import asyncio
import importlib
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from deploy.local.stack import SERVICES
from shared.contracts import CONTRACTS, topics
from shared.contracts.events import MAX_EVENT_BYTES
from tests.conftest import publish, read_dead_letters
from tests.test_end_to_end import known_cities
from tests.test_events import submitted_event
from tests.test_notifications_calendar import confirmed

LABELLED_JSON = (("content-type", b"application/json"),)


# --- A. Kafka --------------------------------------------------------------------------------------


def consumers_by_topic() -> dict[str, set[str]]:
    """Topic name -> the consumer groups reading it, from each service's wiring (`SERVICE.consumes`)."""
    found: dict[str, set[str]] = defaultdict(set)
    for service in SERVICES:
        consumes = importlib.import_module(f"services.{service}.__main__").SERVICE.consumes
        for topic in consumes.topics if consumes else ():
            found[topic.name].add(consumes.group)
    return dict(found)


@dataclass(frozen=True)
class Poison:
    name: str
    value: bytes
    marker: str
    """Unique text in the first bytes of `value`: how its dead letter is found (even truncated)."""
    reason: str
    """What the `dlq.reason` header must say."""
    headers: tuple[tuple[str, bytes], ...] = ()


def _envelope(good: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of a valid envelope (event_id first, fresh) with `changes` applied."""
    return {**good, "event_id": str(uuid.uuid4()), **changes}


def _poison_of_envelope(name: str, envelope: dict[str, Any], reason: str) -> Poison:
    return Poison(name, json.dumps(envelope).encode(), envelope["event_id"], reason)


def poison_messages(good_event) -> list[Poison]:
    """Every kind of bad message, built from a valid event of the topic."""
    good = json.loads(good_event.to_json())
    contract = CONTRACTS[(good_event.type, good_event.schema_version)]
    required = next(name for name, field in contract.model_fields.items() if field.is_required())
    markers = [uuid.uuid4().hex for _ in range(5)]
    without_field = _envelope(good, payload={k: v for k, v in good["payload"].items() if k != required})
    bomb_id = str(uuid.uuid4())
    bomb = f'{{"event_id": "{bomb_id}", "payload": {"[" * 100_000}{"]" * 100_000}}}'.encode()
    near_limit = MAX_EVENT_BYTES - 10_000
    over_limit = MAX_EVENT_BYTES + 10_000
    return [
        Poison("not UTF-8", markers[0].encode() + b"\xff\xfe\x00\x80", markers[0], "not JSON"),
        Poison("not JSON", f"{markers[1]} {{oops".encode(), markers[1], "not JSON"),
        Poison("not JSON, labelled JSON", f"{markers[2]} {{oops".encode(), markers[2], "not JSON", LABELLED_JSON),
        Poison("JSON, not an object", json.dumps([markers[3], 1]).encode(), markers[3], "not a JSON object"),
        Poison("JSON, not an envelope", json.dumps({"m": markers[4]}).encode(), markers[4], "not an event envelope"),
        _poison_of_envelope("unknown type", _envelope(good, type="NoSuchEvent"), "unknown event type"),
        _poison_of_envelope("wrong schema_version", _envelope(good, schema_version=99), "schema_version 99"),
        _poison_of_envelope("missing payload field", without_field, f"payload.{required}: Field required"),
        Poison("JSON bomb (100k nested lists)", bomb, bomb_id, "nested too deeply"),
        _poison_of_envelope(
            "giant string field", _envelope(good, correlation_id="x" * near_limit), "at most 200 characters"
        ),
        _poison_of_envelope("over the size limit", _envelope(good, correlation_id="x" * over_limit), "byte limit"),
    ]


def sentinel_event(topic: str, address: str):
    """A valid event for `topic` whose effect is visible: an email to `address` (and, for registration's
    ApplicationSubmitted, a city in scheduling's projection named after it)."""
    if topic == topics.REGISTRATION.name:
        return submitted_event(contact_email=address, city=sentinel_city(address), country="LV")
    if topic == topics.SCHEDULING.name:
        return confirmed(address)
    pytest.fail(f"{topic} is consumed but this test has no valid event for it: add one to sentinel_event()")


def sentinel_city(address: str) -> str:
    return "Sentinel " + address.partition("@")[0]


CONSUMED = consumers_by_topic()
POISON_NAMES = [p.name for p in poison_messages(submitted_event())]


@dataclass
class KafkaOutcome:
    reasons: dict[tuple[str, str, str], str]
    """(topic, poison name, consumer) -> dlq.reason of its dead letter."""
    expected: dict[tuple[str, str], str]
    """(topic, poison name) -> what its reason must say."""
    addresses: dict[str, str]
    """topic -> the address of its sentinel event."""


@pytest.fixture(scope="module")
async def kafka_outcome(stack, infrastructure) -> KafkaOutcome:
    """Publishes every poison on every consumed topic, then a valid event on the same key; reads the
    dead letters once."""
    bootstrap = infrastructure.kafka_bootstrap_servers
    addresses, by_marker, expected = {}, {}, {}
    batches = []
    for topic in CONSUMED:
        addresses[topic] = f"sentinel-{uuid.uuid4().hex[:12]}@city.example.eu"
        sentinel = sentinel_event(topic, addresses[topic])
        poison = poison_messages(sentinel)
        by_marker |= {p.marker: (topic, p.name) for p in poison}
        expected |= {(topic, p.name): p.reason for p in poison}
        key = f"hostile-{uuid.uuid4().hex}".encode()
        batches.append(publish(bootstrap, topic, *[(p.value, p.headers) for p in poison], sentinel.to_json(), key=key))
    await asyncio.gather(*batches)

    def marker_of(value: bytes | None) -> str | None:
        head = (value or b"")[:200].decode(errors="replace")
        return next((marker for marker in by_marker if marker in head), None)

    count = sum(len(POISON_NAMES) * len(groups) for groups in CONSUMED.values())
    records = await read_dead_letters(bootstrap, lambda r: marker_of(r.value) is not None, count, timeout=90)
    reasons = {}
    for record in records:
        headers = {k: v.decode() for k, v in record.headers}
        topic, name = by_marker[marker_of(record.value)]
        assert headers["dlq.source"].startswith(f"{topic}/")
        reasons[(topic, name, headers["dlq.consumer"])] = headers["dlq.reason"]
    return KafkaOutcome(reasons, expected, addresses)


@pytest.mark.parametrize("topic", sorted(CONSUMED))
@pytest.mark.parametrize("poison", POISON_NAMES)
def test_poison_is_dead_lettered_with_its_reason_by_every_consumer(kafka_outcome, topic, poison):
    expected_reason = kafka_outcome.expected[(topic, poison)]
    for consumer in sorted(CONSUMED[topic]):
        reason = kafka_outcome.reasons.get((topic, poison, consumer))
        assert reason is not None, f"{consumer} did not dead-letter {poison!r} from {topic}"
        assert expected_reason in reason, reason


@pytest.mark.parametrize("topic", sorted(CONSUMED))
async def test_a_valid_event_after_the_poison_still_takes_effect(kafka_outcome, stack, smtp_sink, topic):
    address = kafka_outcome.addresses[topic]
    await smtp_sink.wait_for(lambda m: address in m.rcpt_tos, timeout=60)
    if "scheduling" in CONSUMED[topic]:
        await scheduling_knows_city(stack["scheduling"].url, sentinel_city(address))


async def scheduling_knows_city(base: str, city: str, timeout: float = 30) -> None:
    async with httpx.AsyncClient(base_url=base) as scheduling:
        for _ in range(int(timeout / 0.25)):
            if city in {c["city"] for c in await known_cities(scheduling, "LV")}:
                return
            await asyncio.sleep(0.25)
    pytest.fail(f"scheduling never learnt of {city}")
