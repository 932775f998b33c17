"""The AsyncAPI document of a service, generated from the code: its subscribers (as registered on
its FastStream broker) and the contracts it publishes through the outbox (every contract whose
topic the service owns, plus the dead-letter topic). Served as /asyncapi.json and /asyncapi.

`python -m shared.web.asyncapi <service>` prints the document without connecting to anything.
"""

from __future__ import annotations

import json
import sys

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from faststream.specification.asyncapi.site import get_asyncapi_html

from shared.contracts import CONTRACTS, topics
from shared.contracts.events import Event


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
    import importlib

    service = importlib.import_module(f"services.{service_name}.__main__").SERVICE
    broker = KafkaBroker("localhost:9092")
    declare_published_contracts(broker, service.name)
    return specification(broker, service.name).to_specification().to_jsonable()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m shared.web.asyncapi <registration|scheduling|notifications>")
    print(json.dumps(_offline_document(sys.argv[1]), indent=2))
