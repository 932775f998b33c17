"""Fault injection: a stream of applications goes through while parts of the system break; at the
SMTP sink every expected email arrives, each with one Message-ID.

Each scenario gets a deployment of its own (broker, PostgreSQL, SMTP sink, the three services), so
it can kill and restart anything. "Exactly once in effect": every (recipient, email) arrives with
exactly one Message-ID. The one window SMTP leaves open (server accepted, process killed before the
delivery row says sent) may resend a message with the SAME Message-ID, which receivers deduplicate;
the tests allow at most one such resend per killed notifications process, and count them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from deploy.local.kafka import LocalKafka, LocalKafkaCluster
from deploy.local.postgres import LocalPostgres
from deploy.local.smtp_sink import SmtpSink
from deploy.local.stack import ServiceProcess, ServiceStack
from tests.conftest import STAFF, create_database, start_stack
from tests.test_end_to_end import APPLY, application

STREAM = 30
PACE = 0.1


@dataclass
class Deployment:
    kafka: LocalKafka | LocalKafkaCluster
    postgres: LocalPostgres
    sink: SmtpSink
    stack: ServiceStack
    database_url: str


@contextlib.asynccontextmanager
async def deployed(kafka: LocalKafka | LocalKafkaCluster, tmp_path, **extra_env: str) -> AsyncIterator[Deployment]:
    """A deployment of its own on `kafka` (not started yet): PostgreSQL, the sink and the three services."""
    postgres = LocalPostgres(tmp_path / "postgres", settings={"fsync": "off"})
    sink = SmtpSink()
    postgres.start()
    kafka.start(wait=False)
    await kafka.wait_ready()
    sink.start()
    database_url = await create_database(postgres.url, "faults")
    # the client retries while a fault lasts; those retries must not run into the per-client limit
    stack = start_stack(
        database_url,
        kafka.bootstrap_servers,
        sink,
        tmp_path / "logs",
        extra_env={"PUBLIC_RATE_LIMIT": "1000"} | extra_env,
    )
    try:
        yield Deployment(kafka, postgres, sink, stack, database_url)
    finally:
        stack.stop()
        sink.stop()
        kafka.stop()
        postgres.stop()


@pytest.fixture
async def deployment(tmp_path):
    async with deployed(LocalKafka(tmp_path / "kafka"), tmp_path) as running:
        yield running


Fault = Callable[[], Awaitable[None] | None]


async def stream_applications(deployment: Deployment, faults: dict[int, Fault]) -> list[dict]:
    """Submit STREAM applications at a steady pace, running faults[i] before the i-th one.

    Like a person in front of the form, the client tries again while registration is unreachable
    or failing; a 409 after a retry means the first attempt was committed before its answer was lost.
    """
    sent = []
    async with httpx.AsyncClient(base_url=deployment.stack["registration"].url, timeout=5) as client:
        for i in range(STREAM):
            if i in faults:
                outcome = faults[i]()
                if asyncio.iscoroutine(outcome):
                    await outcome
            body = application(f"fault-{uuid.uuid4().hex[:10]}@city.example.eu", language="nl")
            await submit_until_accepted(client, body)
            sent.append(body)
            await asyncio.sleep(PACE)
    return sent


async def submit_until_accepted(client: httpx.AsyncClient, body: dict, patience: float = 90) -> None:
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        try:
            response = await client.post(APPLY, json=body)
            if response.status_code in (201, 409):
                return
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as error:
            last = repr(error)
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"registration never accepted {body['contact_email']}: {last}")
        await asyncio.sleep(0.25)


def expected_emails(sent: list[dict], skip: set[str] = frozenset()) -> set[tuple[str, str]]:
    """(recipient, city) for the applicant's confirmation and each staff notice."""
    expected = set()
    for body in sent:
        if body["contact_email"] not in skip:
            expected.add((body["contact_email"], body["city"]))
        expected |= {(staff, body["city"]) for staff in STAFF}
    return expected


async def assert_each_email_once(
    deployment: Deployment, sent: list[dict], *, resends_allowed: int = 0, skip=frozenset()
) -> None:
    sink = deployment.sink
    expected = expected_emails(sent, skip)
    cities = {body["city"] for body in sent}

    def key(mail) -> tuple[str, str] | None:
        city = next((c for c in cities if c in mail.subject), None)
        return (mail.rcpt_tos[0], city) if city else None

    try:
        await sink.wait_for(lambda m: key(m) in expected, count=len(expected), timeout=180)
    except TimeoutError as missing:
        raise AssertionError(f"{missing}\n\n{await where_emails_stopped(deployment)}") from None
    await asyncio.sleep(2)  # anything that would wrongly follow has time to arrive
    by_key = defaultdict(list)
    for mail in sink.messages():
        if (k := key(mail)) is not None:
            by_key[k].append(mail)
    assert set(by_key) == expected, f"missing: {expected - set(by_key)}; unexpected: {set(by_key) - expected}"
    multiple_ids = {
        k: {m.message_id for m in mails} for k, mails in by_key.items() if len({m.message_id for m in mails}) > 1
    }
    assert not multiple_ids, f"the same email went out with different Message-IDs: {multiple_ids}"
    resends = sum(len(mails) - 1 for mails in by_key.values())
    assert resends <= resends_allowed, f"{resends} resends (same Message-ID), at most {resends_allowed} expected"
    print(f"{len(expected)} emails, each once; {resends} resend(s) with the same Message-ID")


async def where_emails_stopped(deployment: Deployment) -> str:
    """What a failed scenario leaves to read: the pipeline's counters and each service's warnings."""
    report = []
    try:
        conn = await asyncpg.connect(deployment.database_url, timeout=5)
        try:
            outbox = await conn.fetchval("SELECT count(*) FROM registration.outbox WHERE published_at IS NULL")
            recorded = await conn.fetch("SELECT status, count(*) FROM notifications.deliveries GROUP BY status")
        finally:
            await conn.close()
        report.append(f"registration outbox unpublished: {outbox}; deliveries: {dict(map(tuple, recorded))}")
    except Exception as error:
        report.append(f"database not readable: {error!r}")
    for name, process in deployment.stack.services.items():
        complaints = [line for line in process.log_tail(4000).splitlines() if '"WARNING"' in line or '"ERROR"' in line]
        report.append(f"--- {name}: last warnings and errors of {len(complaints)}")
        report += [line[:400] for line in complaints[-12:]]
    return "\n".join(report)


def second_notifications(deployment: Deployment) -> ServiceProcess:
    """Another notifications replica in the same consumer group, on a port of its own."""
    config = deployment.stack.config
    ports = dict(config.ports, notifications=config.ports["notifications"] + 1000)
    replica = ServiceProcess("notifications", dataclasses.replace(config, ports=ports))
    replica.log_path = config.log_dir / "notifications-replica.log"
    return replica


async def test_notifications_killed_mid_stream(deployment):
    notifications = deployment.stack["notifications"]
    sent = await stream_applications(deployment, {10: notifications.kill, 20: notifications.start})
    await assert_each_email_once(deployment, sent, resends_allowed=1)


async def test_registration_and_its_relay_killed_mid_stream(deployment):
    registration = deployment.stack["registration"]

    def crash_and_restart() -> None:
        registration.kill()
        registration.start()

    sent = await stream_applications(deployment, {10: crash_and_restart, 20: crash_and_restart})
    await assert_each_email_once(deployment, sent)


async def test_kafka_stopped_mid_stream(deployment):
    sent = await stream_applications(deployment, {10: deployment.kafka.stop, 20: deployment.kafka.start})
    await assert_each_email_once(deployment, sent)


async def test_smtp_down_for_a_while(deployment):
    sent = await stream_applications(deployment, {10: deployment.sink.stop, 20: deployment.sink.start})
    await assert_each_email_once(deployment, sent)


async def test_smtp_answers_451_for_a_while(deployment):
    def refuse(_recipient: str) -> str:
        return "451 4.3.0 Try again later"

    def accept_again() -> None:
        deployment.sink.rcpt_rule = None

    def refuse_all() -> None:
        deployment.sink.rcpt_rule = refuse

    sent = await stream_applications(deployment, {10: refuse_all, 20: accept_again})
    await assert_each_email_once(deployment, sent)


async def test_smtp_550_for_one_recipient_only(deployment):
    refused: set[str] = set()

    def refuse_first_applicant_seen(rcpt: str) -> str | None:
        """From now on, the first applicant address offered is unknown to the server, for good."""
        if not refused and rcpt.startswith("fault-"):
            refused.add(rcpt)
        return "550 5.1.1 No such user" if rcpt in refused else None

    sent = await stream_applications(
        deployment, {10: lambda: setattr(deployment.sink, "rcpt_rule", refuse_first_applicant_seen)}
    )
    await assert_each_email_once(deployment, sent, skip=refused)
    assert len(refused) == 1
    conn = await asyncpg.connect(deployment.database_url)
    try:
        row = await conn.fetchrow(
            "SELECT status, attempts, last_error FROM notifications.deliveries WHERE recipient = $1",
            next(iter(refused)),
        )
    finally:
        await conn.close()
    assert (row["status"], row["attempts"]) == ("failed", 1), "a permanent failure is not retried"
    assert row["last_error"].startswith("550") or "550" in row["last_error"]


async def test_postgres_restarted_mid_stream(deployment):
    async def down_for_a_while() -> None:
        """Long enough for every loop to meet the refusals of a stopped server, then a starting one."""
        deployment.postgres.stop()
        await asyncio.sleep(3)
        deployment.postgres.start()

    sent = await stream_applications(deployment, {10: deployment.postgres.restart, 20: down_for_a_while})
    # an email accepted by SMTP while PostgreSQL cannot record it is the documented window: resent,
    # with the same Message-ID, once its lease expires (at most one per outage)
    await assert_each_email_once(deployment, sent, resends_allowed=2)


async def test_two_notification_replicas_one_killed(deployment):
    replica = second_notifications(deployment)
    replica.start()
    try:
        replica.wait_ready()
        sent = await stream_applications(deployment, {15: replica.kill})
        await assert_each_email_once(deployment, sent, resends_allowed=1)
    finally:
        replica.stop()
