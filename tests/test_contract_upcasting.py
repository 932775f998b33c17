"""Old contract versions still on the topic reach handlers as the latest version (parse_event upcasts)."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from shared.contracts import (
    CONTRACTS,
    UPCASTS,
    ApplicationSubmitted,
    ApplicationSubmittedV1,
    person_id_for_email,
)
from shared.contracts.events import EventRejected, new_event
from shared.contracts.registry import parse_event

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def v1_event(**overrides):
    payload = dict(
        application_id=uuid4(),
        call_id="pactesur-2-associated-cities",
        call_title="PACTESUR 2 – Appel",
        city="Nice",
        country="FR",
        contact_name="Camille Martin",
        contact_email="Camille.Martin@nice.fr",
        language="fr",
        motivation="Promenade des Anglais",
        submitted_at=NOW,
        closes_at=NOW + timedelta(days=30),
        timezone="Europe/Brussels",
    )
    return new_event(
        ApplicationSubmittedV1(**payload | overrides),
        key="k",
        event_id=uuid4(),
        occurred_at=NOW,
        producer="registration",
        correlation_id="corr-v1",
    )


def test_v1_is_read_as_v2_with_every_v1_field_kept():
    old = v1_event()
    parsed = parse_event(old.to_json())
    assert isinstance(parsed.payload, ApplicationSubmitted)
    assert parsed.schema_version == ApplicationSubmitted.VERSION == 2
    assert parsed.payload.model_dump(include=set(ApplicationSubmittedV1.model_fields)) == old.payload.model_dump()
    assert (parsed.event_id, parsed.key, parsed.correlation_id) == (old.event_id, old.key, old.correlation_id)


def test_v1_defaults_are_sensible():
    payload = parse_event(v1_event().to_json()).payload
    assert payload.call_titles == {"fr": "PACTESUR 2 – Appel"}
    assert payload.call_timezone == "Europe/Brussels"
    assert payload.contact_person_id == person_id_for_email("camille.martin@nice.fr")
    assert payload.edit_url is None and payload.region is None and payload.population is None


def test_v1_in_a_language_outside_the_eu_list_falls_back_to_english_titles():
    payload = parse_event(v1_event(language="no").to_json()).payload
    assert payload.language == "no" and payload.call_titles == {"en": "PACTESUR 2 – Appel"}


def test_v2_is_returned_as_is():
    latest = parse_event(v1_event().to_json())
    assert parse_event(latest.to_json()) == latest


def test_every_upcast_leads_to_a_registered_version():
    for (event_type, version), step in UPCASTS.items():
        assert (event_type, version) in CONTRACTS and (event_type, version + 1) in CONTRACTS, step


def test_invalid_v1_is_still_rejected_with_the_field():
    raw = v1_event().to_json().replace(b'"country":"FR"', b'"country":"France"')
    with pytest.raises(EventRejected, match="payload.country"):
        parse_event(raw)


@pytest.mark.parametrize("template", ["activity_invitation", "activity_reminder"])
def test_a_v1_scheduling_event_is_read_as_v2_without_the_participant_link(template):
    """v2 of every scheduling event adds Invitation.participant_url; a v1 event reads as v2 with None."""
    from services.notifications.mail.samples import PAYLOADS

    latest = PAYLOADS[template]
    data = latest.model_dump(mode="json")
    del data["invitation"]["participant_url"]
    old = CONTRACTS[(latest.TYPE, 1)].model_validate(data)
    event = new_event(old, key="k", event_id=uuid4(), occurred_at=NOW, producer="scheduling", correlation_id="c")
    parsed = parse_event(event.to_json())
    assert type(parsed.payload) is type(latest) and parsed.schema_version == latest.VERSION == 2
    assert parsed.payload.invitation.participant_url is None
    assert parsed.payload.model_dump(exclude={"invitation"}) == latest.model_dump(exclude={"invitation"})


def test_every_scheduling_event_reads_its_v1():
    from shared.contracts import scheduling

    types = {t for (t, _), c in CONTRACTS.items() if c.TOPIC == scheduling._SchedulingPayload.TOPIC}
    assert types and all((t, 1) in UPCASTS and (t, 2) in CONTRACTS for t in types)
