"""The AsyncAPI documents say what each service consumes, from the handlers it dispatches with."""

from __future__ import annotations

import importlib
from unittest.mock import MagicMock

import httpx
import pytest

from shared.contracts import CONTRACTS, ApplicationSubmitted, ApplicationWithdrawn, CitySignedUp, topics
from shared.messaging.consumer import IdempotentConsumer
from shared.web.asyncapi import documentation_broker, handled_in_document, specification


async def handle(conn, event) -> None:
    raise AssertionError("documentation never calls a handler")


def document_of(service: str, handled: tuple) -> dict:
    consumer = IdempotentConsumer(name=service, pool=None, handlers=dict.fromkeys(handled, handle), dead_letters=None)
    broker = documentation_broker(service, [(topics.REGISTRATION, consumer)])
    return specification(broker, service).to_specification().to_jsonable()


def test_the_consumed_topic_lists_exactly_the_handled_events_with_their_schemas():
    document = document_of("notifications", (ApplicationSubmitted, ApplicationWithdrawn, CitySignedUp))
    handled = handled_in_document(document, topics.REGISTRATION.name, "notifications")
    assert handled == {"ApplicationSubmitted", "ApplicationWithdrawn", "CitySignedUp"}
    schemas = document["components"]["schemas"]
    assert "contact_email" in schemas["ApplicationSubmitted"]["properties"]
    assert "was_selected" in schemas["ApplicationWithdrawn"]["properties"]
    assert document["operations"][f"{topics.REGISTRATION.name}:notifications"]["action"] == "receive"


def test_the_published_side_lists_every_contract_of_the_owned_topic():
    document = document_of("registration", (CitySignedUp,))
    published = " ".join(document["components"]["messages"])
    for (event_type, version), contract in CONTRACTS.items():
        if contract.TOPIC == topics.REGISTRATION.name:
            assert f":{event_type}.v{version}:" in published
    assert topics.DEAD_LETTER.name in " ".join(document["channels"])


SERVICES = ("registration", "scheduling", "notifications")


def consumes_of(service: str):
    return importlib.import_module(f"services.{service}.__main__").SERVICE.consumes


def handled_types(consumes, topic=None) -> set[str]:
    """The payload classes the service's consumer dispatches (of one topic), by TYPE; building the
    handlers calls nothing."""
    handled = consumes.handlers(MagicMock(name="dependencies"))
    return {contract.TYPE for contract in handled if topic is None or contract.TOPIC == topic.name}


@pytest.mark.parametrize("service", SERVICES)
async def test_each_served_document_lists_what_the_service_consumer_dispatches(stack, service):
    async with httpx.AsyncClient(base_url=stack[service].url, timeout=10) as client:
        document = (await client.get("/asyncapi.json")).json()
    consumes = consumes_of(service)
    if consumes is None:
        assert not any(op["action"] == "receive" for op in document["operations"].values())
        return
    for topic in consumes.topics:
        assert handled_in_document(document, topic.name, consumes.group) == handled_types(consumes, topic), topic.name


def test_notifications_consumes_every_event_it_mails_about_on_both_topics():
    consumes = consumes_of("notifications")
    assert {t.name for t in consumes.topics} == {topics.REGISTRATION.name, topics.SCHEDULING.name}
    assert {"ApplicationSubmitted", "DecisionReleased", "NominationConfirmed", "PersonErased"} <= handled_types(
        consumes
    )
