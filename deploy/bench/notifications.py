"""Notifications benchmark: emails/s through the real pipeline next to the raw aiosmtplib rate.

`python -m deploy.bench.notifications [-n 2000]` starts PostgreSQL, Kafka and an SMTP sink on this
machine, then in ONE run measures:
1. raw: the same rendered multipart emails sent with aiosmtplib over one reused connection to the
   sink (the ceiling of any SMTP sender here);
2. pipeline: N ApplicationSubmitted events produced to Kafka, consumed by one notifications
   process (idempotent consumer -> render -> delivery log in PostgreSQL -> delivery worker ->
   SMTP), timed from the first event produced to the last email received; no staff addresses, so
   one email per event; send-rate throttling off.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosmtplib
from aiokafka import AIOKafkaProducer

from deploy.local.kafka import LocalKafka
from deploy.local.postgres import LocalPostgres, create_database
from deploy.local.processes import free_port
from deploy.local.smtp_sink import SmtpSink
from deploy.local.stack import ServiceStack, StackConfig
from services.notifications.mail.message import build_message
from services.notifications.mail.rendering import render
from services.notifications.mail.samples import sample_context
from shared.contracts import ApplicationSubmitted, person_id_for_email, topics
from shared.contracts.events import new_event

PREFIX = "bench"


def application_event(n: int, run: str) -> bytes:
    now = datetime.now(UTC)
    email = f"{PREFIX}-{run}-{n}@city.example.eu"
    payload = ApplicationSubmitted(
        application_id=uuid.uuid4(),
        call_id="pactesur-2-associated-cities",
        call_title="PACTESUR 2 – associated cities",
        city=f"City {n}",
        country="LV",
        contact_name="Anna Bērziņa",
        contact_email=email,
        language=("lv", "fr", "de", "el", "pl")[n % 5],
        motivation="Large public events every summer.",
        submitted_at=now,
        closes_at=now + timedelta(days=30),
        timezone="Europe/Riga",
        call_titles={"en": "PACTESUR 2 – associated cities"},
        call_timezone="Europe/Brussels",
        contact_person_id=person_id_for_email(email),
    )
    event = new_event(
        payload, key=str(payload.application_id), event_id=uuid.uuid4(), occurred_at=now, producer="bench",
        correlation_id=f"bench-{n}",
    )  # fmt: skip
    return event.to_json()


async def raw_smtp(port: int, messages: int) -> float:
    """Emails/s: the pipeline's kind of message, one reused aiosmtplib connection."""
    rendered = render("application_received", "lv", sample_context("application_received"))
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    try:
        started = time.perf_counter()
        for n in range(messages):
            mail = build_message(
                sender="PACTESUR 2 <no-reply@pactesur.efus.eu>",
                recipient=f"raw-{n}@city.example.eu",
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                language=rendered.language,
                message_id=f"<raw-{n}@pactesur.efus.eu>",
                date=datetime.now(UTC),
            )
            await client.sendmail(mail.sender, [mail.recipient], mail.data)
        return messages / (time.perf_counter() - started)
    finally:
        await client.quit()


async def pipeline(bootstrap: str, sink: SmtpSink, messages: int, timeout: float) -> tuple[float, int, int]:
    """(emails/s, received, duplicates) from the first event produced to the last email received."""
    run = uuid.uuid4().hex[:8]
    values = [application_event(n, run) for n in range(messages)]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    started = time.time()
    try:
        batch = [await producer.send(topics.REGISTRATION.name, v, key=str(n).encode()) for n, v in enumerate(values)]
        await asyncio.gather(*batch)
    finally:
        await producer.stop()
    marker = f"{PREFIX}-{run}-"
    deadline = time.monotonic() + timeout
    while True:
        arrived = [m for m in sink.messages() if m.rcpt_tos and m.rcpt_tos[0].startswith(marker)]
        if len(arrived) >= messages or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    last = max((m.received_at.timestamp() for m in arrived), default=time.time())
    duplicates = len(arrived) - len({m.rcpt_tos[0] for m in arrived})
    return len(arrived) / (last - started), len(arrived), duplicates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--emails", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-notifications-") as tmp:
        work = Path(tmp)
        postgres = LocalPostgres(work / "postgres", settings={"fsync": "off"})
        kafka = LocalKafka(work / "kafka")
        sink = SmtpSink(port=free_port())
        stack = None
        try:
            postgres.start()
            kafka.start()
            sink.start()
            config = StackConfig(
                database_url=asyncio.run(create_database(postgres.url, "bench")),
                kafka_bootstrap_servers=kafka.bootstrap_servers,
                smtp_host="127.0.0.1",
                smtp_port=sink.port,
                ports={"registration": free_port(), "scheduling": free_port(), "notifications": free_port()},
                log_dir=work / "logs",
                secret_key=uuid.uuid4().hex * 2,
                log_level="WARNING",
                extra_env={"NOTIFICATIONS_MAX_SEND_RATE": "0"},
            )
            stack = ServiceStack(config, names=("notifications",))
            stack.start()
            raw = asyncio.run(raw_smtp(sink.port, args.emails))
            rate, received, duplicates = asyncio.run(pipeline(kafka.bootstrap_servers, sink, args.emails, args.timeout))
        finally:
            if stack is not None:
                stack.stop()
            sink.stop()
            kafka.stop()
            postgres.stop()
    print(f"{'emails':<34}{args.emails}")
    print(f"{'raw aiosmtplib -> sink':<34}{raw:8.0f} emails/s")
    print(f"{'pipeline Kafka -> ... -> sink':<34}{rate:8.0f} emails/s ({rate / raw:.0%} of raw)")
    print(f"{'received / duplicates':<34}{received} / {duplicates}")


if __name__ == "__main__":
    main()
