"""Fault injection on a Kafka cluster of three combined nodes, with the services' topics replicated
(KAFKA_REPLICATION_FACTOR=3, KAFKA_MIN_INSYNC_REPLICAS=2, producers acks=all), as deploy/cluster.env
runs them.

A stream of applications goes through while brokers are lost:
- the node that leads the most partitions is SIGKILLed, then restarted: leadership moves, the
  consumer groups find their coordinators again, and the lost node catches up;
- two of three nodes stop: no write can reach two replicas (and the quorum has no majority), so the
  outbox holds the events while HTTP intake keeps answering 201; then both come back.
Every email arrives exactly once, and nothing goes to the dead-letter topic. Each scenario prints
its figures (how long intake held, how long the pipeline took to drain after the brokers came back).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from deploy.local.kafka import LocalKafkaCluster
from shared.contracts import topics
from tests.test_end_to_end import APPLY, application
from tests.test_faults import Deployment, assert_each_email_once, deployed, submit_until_accepted

SERVICE_TOPICS = tuple(topic.name for topic in topics.ALL_TOPICS)
PACE = 0.2


@pytest.fixture
async def cluster_deployment(tmp_path):
    replicated = {"KAFKA_REPLICATION_FACTOR": "3", "KAFKA_MIN_INSYNC_REPLICAS": "2"}
    async with deployed(LocalKafkaCluster(tmp_path / "kafka", size=3), tmp_path, **replicated) as running:
        yield running


@dataclass
class Stream:
    """What a steady stream of applicants saw: each submission's answer time, and whether the first try took."""

    sent: list[dict] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    first_try: list[bool] = field(default_factory=list)

    def window(self, start: int, end: int) -> str:
        took = self.seconds[start:end]
        return f"{len(took)} applications, slowest answer {max(took) * 1000:.0f} ms"


async def stream_applications(deployment: Deployment, faults: dict, count: int = 30) -> Stream:
    """Submit `count` applications every PACE seconds, awaiting faults[i] (a coroutine function)
    before the i-th; each submission is timed, and retried like a person would if it failed."""
    stream = Stream()
    async with httpx.AsyncClient(base_url=deployment.stack["registration"].url, timeout=5) as client:
        for i in range(count):
            if i in faults:
                await faults[i]()
            body = application(f"cluster-{uuid.uuid4().hex[:10]}@city.example.eu", language="pt")
            started = time.monotonic()
            try:
                first_try = (await client.post(APPLY, json=body)).status_code == 201
            except httpx.HTTPError:
                first_try = False
            if not first_try:
                await submit_until_accepted(client, body)
            stream.seconds.append(time.monotonic() - started)
            stream.first_try.append(first_try)
            stream.sent.append(body)
            await asyncio.sleep(PACE)
    return stream


async def unpublished_outbox_rows(deployment: Deployment) -> int:
    conn = await asyncpg.connect(deployment.database_url)
    try:
        return await conn.fetchval("SELECT count(*) FROM registration.outbox WHERE published_at IS NULL")
    finally:
        await conn.close()


async def dead_letter_count(bootstrap: str) -> int:
    """How many records the dead-letter topic holds (the end offsets of its partitions)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topics.DEAD_LETTER.name, p) for p in range(topics.DEAD_LETTER.partitions)]
        consumer.assign(partitions)
        return sum((await consumer.end_offsets(partitions)).values())
    finally:
        await consumer.stop()


async def consumer_lag(deployment: Deployment) -> dict[str, int]:
    """Each service's consumer groups' lag, summed over partitions, as its /metrics reports it to ops
    (end offset − the group's committed offset, read through the group coordinator)."""
    lag: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for name, service in deployment.stack.services.items():
            text = (await client.get(f"{service.url}/metrics")).text
            for line in text.splitlines():
                if line.startswith("kafka_consumer_lag{"):
                    group = line.split('group="', 1)[1].split('"', 1)[0]
                    lag[f"{name}/{group}"] = lag.get(f"{name}/{group}", 0) + int(float(line.rsplit(" ", 1)[1]))
    return lag


async def wait_until_groups_caught_up(deployment: Deployment, timeout: float = 90) -> dict[str, int]:
    """Until every consumer group has committed up to the end of its topics: rebalanced onto live
    members, found its (possibly moved) coordinator, and consumed everything."""
    deadline = time.monotonic() + timeout
    while True:
        lag = await consumer_lag(deployment)
        if lag and not any(lag.values()):
            return lag
        if time.monotonic() > deadline:
            raise AssertionError(f"consumer groups still lag {timeout:.0f} s later: {lag}")
        await asyncio.sleep(1)


async def assert_recovered(deployment: Deployment, stream: Stream, since: float) -> None:
    """Every email once, nothing dead-lettered, every group caught up; prints how long draining took
    (`since`: the wall-clock time at which the brokers were back)."""
    await assert_each_email_once(deployment, stream.sent)
    last_email = max(mail.received_at.timestamp() for mail in deployment.sink.messages())
    print(f"the last email reached the sink {last_email - since:.1f} s after the brokers came back")
    assert await unpublished_outbox_rows(deployment) == 0
    assert await dead_letter_count(deployment.kafka.bootstrap_servers) == 0, "nothing may be dead-lettered"
    groups = await wait_until_groups_caught_up(deployment)
    print(f"consumer groups caught up: {sorted(groups)}")


async def test_leader_of_most_partitions_killed_and_restarted(cluster_deployment):
    deployment = cluster_deployment
    cluster: LocalKafkaCluster = deployment.kafka
    lost = {}

    async def kill_busiest_leader() -> None:
        lost["node"] = await cluster.leader_of_most_partitions(SERVICE_TOPICS)
        lost["led"] = (await cluster.partition_leaders(SERVICE_TOPICS))[lost["node"].node_id]
        lost["node"].kill()
        lost["at"] = time.time()

    async def restart_it() -> None:
        lost["node"].start(wait=False)
        await lost["node"].wait_ready()
        lost["back"] = time.time()

    stream = await stream_applications(deployment, {10: kill_busiest_leader, 20: restart_it})
    print(
        f"node {lost['node'].node_id} (leader of {lost['led']} partitions) down {lost['back'] - lost['at']:.1f} s; "
        f"meanwhile {stream.window(10, 20)}"
    )
    assert all(stream.first_try), "intake answers 201 at once while a broker is lost"
    await assert_recovered(deployment, stream, since=lost["back"])
    leaders = await cluster.partition_leaders(SERVICE_TOPICS)
    assert sum(leaders.values()) == sum(topic.partitions for topic in topics.ALL_TOPICS), leaders


async def test_two_of_three_brokers_stopped_the_outbox_holds(cluster_deployment):
    deployment = cluster_deployment
    cluster: LocalKafkaCluster = deployment.kafka
    outage = {}

    async def stop_two() -> None:
        cluster.stop(cluster.nodes[:2])
        outage["at"] = time.time()
        outage["held_before"] = await unpublished_outbox_rows(deployment)

    async def outbox_during_outage() -> None:
        outage["held"] = await unpublished_outbox_rows(deployment)

    async def bring_them_back() -> None:
        await outbox_during_outage()
        cluster.start(wait=False)
        await cluster.wait_ready()
        outage["back"] = time.time()

    stream = await stream_applications(deployment, {10: stop_two, 25: bring_them_back}, count=35)
    print(
        f"two of three nodes down {outage['back'] - outage['at']:.1f} s; meanwhile {stream.window(10, 25)}, "
        f"{outage['held']} events held in the outbox"
    )
    assert all(stream.first_try[10:25]), "intake answers 201 at once while Kafka cannot take writes"
    assert outage["held"] >= 10, f"the outbox holds what Kafka cannot take: {outage}"
    await assert_recovered(deployment, stream, since=outage["back"])
