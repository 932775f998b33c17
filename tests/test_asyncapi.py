"""The AsyncAPI documents say what each service consumes, from the handlers it dispatches with."""

from __future__ import annotations

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
