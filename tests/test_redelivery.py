"""At-least-once delivery + idempotent consumers: a redelivered event has no second effect, and a
poison message is dead-lettered with its reason while the consumers carry on."""

import asyncio
import uuid

from shared.contracts import topics
from tests.conftest import publish, read_dead_letters
from tests.test_events import submitted_event


async def test_same_event_twice_sends_one_email(stack, smtp_sink, infrastructure, unique_email):
    duplicate = submitted_event(contact_email=unique_email, language="it")
    sentinel_email = "sentinel-" + unique_email
    sentinel = submitted_event(contact_email=sentinel_email, language="it")
    key = b"same-partition"
    await publish(
        infrastructure.kafka_bootstrap_servers,
        topics.REGISTRATION.name,
        duplicate.to_json(),
        duplicate.to_json(),
        sentinel.to_json(),
        key=key,
    )
    await smtp_sink.wait_for(lambda m: sentinel_email in m.rcpt_tos, timeout=30)
    await asyncio.sleep(1.5)  # one more delivery round for anything that would wrongly follow
    mails = [m for m in smtp_sink.messages() if unique_email in m.rcpt_tos]
    assert len(mails) == 1, [m.message_id for m in mails]
    assert mails[0].language == "it"


async def test_poison_message_is_dead_lettered_and_consumers_carry_on(stack, smtp_sink, infrastructure, unique_email):
    poison = b"\x00not json " + uuid.uuid4().hex.encode()
    wrong_version = submitted_event().to_json().replace(b'"schema_version":2', b'"schema_version":7')
    after = submitted_event(contact_email=unique_email)
    await publish(
        infrastructure.kafka_bootstrap_servers,
        topics.REGISTRATION.name,
        poison,
        wrong_version,
        after.to_json(),
        key=b"p",
    )
    await smtp_sink.wait_for(lambda m: unique_email in m.rcpt_tos, timeout=30)

    reasons = await dead_letter_reasons(infrastructure.kafka_bootstrap_servers, {poison, wrong_version})
    assert {consumer for consumer, _, _ in reasons} == {"notifications", "scheduling"}
    assert any(value == poison and reason.startswith("not JSON") for _, value, reason in reasons)
    assert any(value == wrong_version and "schema_version 7" in reason for _, value, reason in reasons)


async def dead_letter_reasons(bootstrap: str, values: set[bytes]) -> list[tuple[str, bytes, str]]:
    records = await read_dead_letters(bootstrap, lambda r: r.value in values, count=2 * len(values))
    return [
        (dict(r.headers)["dlq.consumer"].decode(), r.value, dict(r.headers)["dlq.reason"].decode()) for r in records
    ]
