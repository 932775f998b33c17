"""Sealed personal fields (issue [4/6] section 4), on a real key store: an event's names, addresses and
free text leave only sealed; its key opens them; without the key (erased, destroyed) the event still
reads, with placeholders; a tampered seal is refused; events written before sealing read as they were."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from shared.contracts import CitySignedUp, Contact, PersonErased, parse_event, person_id_for_email
from shared.contracts.common import is_erased_address
from shared.contracts.events import new_event
from shared.privacy.keyring import Keyring
from shared.privacy.sealing import SEAL, SealBroken, kid_of, seals_in
from shared.storage import person_keys
from shared.storage.migrations import apply_migrations

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
KEYRING = Keyring.of_secret("a master key of the tests, long enough")


def person(name: str, address: str) -> Contact:
    return Contact(person_id=person_id_for_email(address), name=name, email=address, language="lv",
                   timezone="Europe/Riga", role="Head of municipal police")  # fmt: skip


def event_of(payload):
    return new_event(payload, key="k", event_id=uuid.uuid4(), occurred_at=NOW, producer="registration",
                     correlation_id="c")  # fmt: skip


def signed_up(focal: Contact, deputy: Contact | None = None):
    return event_of(CitySignedUp(
        city_id=uuid.uuid4(), name="Valmiera", country="LV", role="associated", languages=("lv",),
        timezone="Europe/Riga", focal_point=focal, deputy=deputy, signed_up_at=NOW, terms_version="2023-09",
    ))  # fmt: skip


@pytest.fixture
async def keystore(database_url):
    await apply_migrations(database_url, "sealing_test", Path("/nonexistent"))  # the platform's: the key store
    return database_url


@pytest.fixture
async def conn(keystore):
    connection = await asyncpg.connect(keystore)
    yield connection
    await connection.close()


def kids_in(sealed: bytes) -> set[uuid.UUID]:
    return {kid_of(member) for member in seals_in(json.loads(sealed))}


async def test_personal_fields_leave_sealed_and_open_with_the_person_key(conn):
    focal, deputy = person("Ieva Kalniņa", "ieva@valmiera.example.lv"), person("Hans Weber", "hans@valmiera.example.lv")
    event = signed_up(focal, deputy)
    sealed = await KEYRING.seal_event(conn, event)
    for clear in (b"ieva@valmiera", "Kalniņa".encode(), b"hans@valmiera", b"Head of municipal police"):
        assert clear not in sealed
    assert sealed.count(SEAL.encode()) == 2  # one seal per person
    placeholders = parse_event(sealed).payload  # without a key: valid, with placeholders
    assert is_erased_address(str(placeholders.focal_point.email)) and placeholders.focal_point.role is None
    assert placeholders.city_id == event.payload.city_id and placeholders.focal_point.person_id == focal.person_id
    assert parse_event(await KEYRING.open_event(conn, sealed)).payload == event.payload
    again = await KEYRING.seal_event(conn, signed_up(focal))
    kids = {await conn.fetchval("SELECT count(*) FROM keystore.person_keys")}
    assert kids == {2} and again != sealed  # the same key for the same person; a fresh nonce each time


async def test_two_first_events_of_one_person_sealed_at_once_use_one_key(keystore, conn):
    """The second transaction's key lookup waits on the first's new key and, once that commits, reads it:
    its own statement's snapshot is older than that key (the case the second statement is for)."""
    focal = person("Ieva Kalniņa", "ieva@valmiera.example.lv")
    other, watcher = await asyncpg.connect(keystore), await asyncpg.connect(keystore)
    try:
        first = conn.transaction()
        await first.start()
        sealed_first = await KEYRING.seal_event(conn, signed_up(focal))
        second = other.transaction()
        await second.start()
        sealing = asyncio.create_task(KEYRING.seal_event(other, signed_up(focal)))
        for _ in range(100):
            if await watcher.fetchval("SELECT cardinality(pg_blocking_pids($1)) > 0", other.get_server_pid()):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the second transaction never waited for the first one's key")
        await first.commit()
        sealed_second = await sealing
        await second.commit()
    finally:
        await other.close()
        await watcher.close()
    assert kids_in(sealed_first) == kids_in(sealed_second)
    assert await conn.fetchval("SELECT count(*) FROM keystore.person_keys") == 1
    for sealed in (sealed_first, sealed_second):
        assert parse_event(await KEYRING.open_event(conn, sealed)).payload.focal_point == focal


async def test_an_erased_key_opens_only_the_erasure_then_nothing(conn):
    focal = person("Ieva Kalniņa", "ieva@valmiera.example.lv")
    sealed = await KEYRING.seal_event(conn, signed_up(focal))
    erasure = await KEYRING.seal_event(conn, event_of(PersonErased(
        person_id=focal.person_id, email=focal.email, names=("Ieva Kalniņa",), erased_at=NOW, reason="request",
    )))  # fmt: skip
    await KEYRING.erase(conn, str(focal.email), NOW)
    assert is_erased_address(str(parse_event(await KEYRING.open_event(conn, sealed)).payload.focal_point.email))
    told = parse_event(await KEYRING.open_event(conn, erasure)).payload
    assert str(told.email) == "ieva@valmiera.example.lv" and told.names == ("Ieva Kalniņa",)
    fresh = await KEYRING.seal_event(conn, signed_up(focal))  # the same address applying again: a new key
    assert parse_event(await KEYRING.open_event(conn, fresh)).payload.focal_point == focal
    assert await person_keys.destroy_erased(conn, NOW + timedelta(hours=25)) == 1
    gone = parse_event(await KEYRING.open_event(conn, erasure)).payload
    assert is_erased_address(str(gone.email)) and gone.names == ()


async def test_a_tampered_seal_is_refused_and_an_unsealed_event_reads_as_before(conn):
    event = signed_up(person("Ieva Kalniņa", "ieva@valmiera.example.lv"))
    sealed = (await KEYRING.seal_event(conn, event)).decode()
    start = sealed.index('"ct":"') + 6
    tampered = sealed[:start] + ("A" if sealed[start] != "A" else "B") + sealed[start + 1 :]
    with pytest.raises(SealBroken):
        await KEYRING.open_event(conn, tampered)
    other = Keyring.of_secret("another deployment's master key!")
    with pytest.raises(SealBroken):
        await other.open_event(conn, sealed)
    unsealed = event.to_json()  # as every event before sealing (v1 or v2) was written
    assert await KEYRING.open_event(conn, unsealed) is unsealed
    assert parse_event(unsealed).payload == event.payload
