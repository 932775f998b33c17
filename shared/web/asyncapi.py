"""The AsyncAPI document of a service, generated from the code. Served as /asyncapi.json and /asyncapi.

It is described on a broker of its own that is never started: the running subscribers take raw
batches (so that a poison message can be dead-lettered), which FastStream would document as an
empty payload. Instead, per consumed topic and consumer group, the document lists the events the
consumer handles with their schemas, read from the same `handlers` mapping the consumer dispatches
with; and it lists the contracts the service publishes through its outbox (every contract whose
topic it owns) and the dead-letter topic.

`python -m shared.web.asyncapi <service>` prints the published side without connecting to anything.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.site import get_asyncapi_html

from shared.contracts import CONTRACTS, topics
from shared.contracts.events import Event, Payload
from shared.contracts.topics import Topic
from shared.messaging.consumer import IdempotentConsumer


def documentation_broker(service: str, consumed: Sequence[tuple[Topic, IdempotentConsumer]]) -> KafkaBroker:
    """A broker that only describes `service` (never started, it connects to nothing)."""
    broker = KafkaBroker("documentation-only:9092")
    for topic, consumer in consumed:
        declare_consumed_contracts(broker, topic, consumer)
    declare_published_contracts(broker, service)
    return broker


def declare_consumed_contracts(broker: KafkaBroker, topic: Topic, consumer: IdempotentConsumer) -> None:
    """One documented handler per handled contract of this topic, typed with its envelope: the message
    of the channel is then `oneOf` these events."""
    subscriber = broker.subscriber(
        topic.name,
        group_id=consumer.name,
        title=f"{topic.name}:{consumer.name}",
        description=f"Consumer group {consumer.name}: the events it handles; any other type is skipped.",
    )
    for contract in sorted(consumer.handlers, key=lambda c: (c.TYPE, c.VERSION)):
        if contract.TOPIC == topic.name:
            subscriber(_documented_handler(contract))


def _documented_handler(contract: type[Payload]) -> Callable[..., Awaitable[None]]:
    async def handled(event: Event) -> None:
        """Never called: its signature documents the message."""

    handled.__annotations__ = {"event": Event[contract], "return": None}  # this module's annotations are strings
    handled.__name__ = f"{contract.TYPE}.v{contract.VERSION}"
    handled.__doc__ = (contract.__doc__ or "").strip()
    return handled


def handled_in_document(document: dict, topic: str, group: str) -> set[str]:
    """The `Type` names a served document says `group` handles on `topic` (for tests and checks)."""
    message = next(iter(document["channels"][f"{topic}:{group}"]["messages"].values()))
    name = message["$ref"].rsplit("/", 1)[-1]
    payload = document["components"]["messages"][name]["payload"]
    refs = [entry["$ref"] for entry in payload.get("oneOf", [payload])]
    return {unquote(ref.rsplit("/", 1)[-1]).removeprefix("Event[").removesuffix("]") for ref in refs}


def declare_published_contracts(broker: KafkaBroker, service: str) -> None:
    """Documentation only: the outbox relay publishes these with its own producer."""
    for (event_type, version), contract in sorted(CONTRACTS.items()):
        topic = next(t for t in topics.ALL_TOPICS if t.name == contract.TOPIC)
        if topic.owner == service:
            broker.publisher(
                contract.TOPIC,
                title=f"{contract.TOPIC}:{event_type}.v{version}",
                description=(contract.__doc__ or "").strip(),
                schema=Event[contract],
            )
    broker.publisher(
        topics.DEAD_LETTER.name,
        title=f"{topics.DEAD_LETTER.name}:DeadLetter",
        description="Messages a consumer could not process, unchanged, with dlq.reason/dlq.source headers.",
        schema=bytes,
    )


def specification(broker: KafkaBroker, service: str) -> AsyncAPI:
    return AsyncAPI(
        broker, title=f"PACTESUR 2 {service}", version="1", description=f"Kafka topics and events of {service}"
    )


def asyncapi_router() -> APIRouter:
    router = APIRouter(tags=["asyncapi"])

    @router.get("/asyncapi.json", include_in_schema=False)
    async def document(request: Request) -> dict:
        return request.app.state.asyncapi.to_specification().to_jsonable()

    @router.get("/asyncapi", include_in_schema=False)
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(get_asyncapi_html(request.app.state.asyncapi.to_specification()))

    return router


def _offline_document(service_name: str) -> dict:
    """The published side only: what a service consumes is known once its consumers are built."""
    service = importlib.import_module(f"services.{service_name}.__main__").SERVICE
    return specification(documentation_broker(service.name, ()), service.name).to_specification().to_jsonable()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m shared.web.asyncapi <registration|scheduling|notifications>")
    print(json.dumps(_offline_document(sys.argv[1]), indent=2))
