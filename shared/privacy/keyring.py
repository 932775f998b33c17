"""The keys of people's data: one AES-256 data key per person, created on their first event, wrapped by
the master key (PERSONAL_DATA_KEY, else derived from SECRET_KEY) and kept in the shared key store.
Where ops have a KMS, `wrap`/`unwrap` are the two calls to hand to it.

Publishers seal an event's personal fields (`seal_event`, in the outbox transaction); consumers open
them (`open_event`). Erasure (`erase`) detaches the key from the address at once and lets it open only
the PersonErased that tells the other services; `destroy_erased` deletes it after the grace period,
and from then on no consumer, replay or dead-letter reader can read that person's fields again."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.contracts.events import Event
from shared.contracts.registry import decode_event
from shared.privacy.sealing import SEAL, decrypt, encrypt, kid_of, seal, sealables, seals_in, unseal
from shared.storage import person_keys

OPENED_AFTER_ERASURE = "PersonErased"
"""The one event an erased person's key still opens (until it is destroyed): the erasure itself."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pactesur personal data " + purpose).derive(
        master
    )


@dataclass(frozen=True)
class Keyring:
    wrapping_key: bytes
    subject_key: bytes

    @classmethod
    def of_secret(cls, master: str) -> Keyring:
        raw = master.encode()
        return cls(_derive(raw, b"wrapping"), _derive(raw, b"subject"))

    def subject(self, address: str) -> bytes:
        """Who a key belongs to, without the address: HMAC-SHA256 of the lower-cased address."""
        return hmac.new(self.subject_key, address.strip().lower().encode(), hashlib.sha256).digest()

    def wrap(self, kid: UUID, data_key: bytes) -> str:
        return encrypt(self.wrapping_key, kid, data_key)

    def unwrap(self, kid: UUID, wrapped: str) -> bytes:
        return decrypt(self.wrapping_key, kid, wrapped)

    async def seal_event(self, conn: asyncpg.Connection, event: Event[Any]) -> bytes:
        """The event's JSON for Kafka, every personal field sealed with its person's key."""
        data = event.model_dump(mode="json")
        found = list(sealables(event.payload, data["payload"]))
        if found:
            keys = await self._keys_for(conn, {item.subject for item in found})
            for item in found:
                kid, data_key = keys[item.subject]
                seal(item, kid, data_key)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    async def _keys_for(self, conn: asyncpg.Connection, addresses: set[str]) -> dict[str, tuple[UUID, bytes]]:
        """Found or created in one round trip: a new key is offered for every address (making one costs
        microseconds, a second round trip to ask first costs more) and kept only where none is stored."""
        subjects = {address: self.subject(address) for address in addresses}
        candidates = [
            (kid := uuid4(), subject, self.wrap(kid, AESGCM.generate_key(256))) for subject in subjects.values()
        ]
        stored = await person_keys.find_or_add_keys(conn, candidates)
        return {
            address: (stored[subject].kid, self.unwrap(stored[subject].kid, stored[subject].wrapped))
            for address, subject in subjects.items()
        }

    async def open_event(
        self, conn: asyncpg.Connection | asyncpg.Pool, raw: bytes | str
    ) -> bytes | str | dict[str, Any]:
        """The event with its seals opened where the key allows (placeholders where it does not);
        an unsealed event is returned as it came. Raises SealBroken for a tampered seal."""
        return (await self.open_events(conn, [raw]))[0]

    async def open_events(
        self, conn: asyncpg.Connection | asyncpg.Pool, raws: list[bytes | str | dict[str, Any]]
    ) -> list[bytes | str | dict[str, Any]]:
        """`open_event` of each, with one key-store read for all of them (a consumer's batch). An event
        already decoded (a dict) is opened in place."""
        opened: list[bytes | str | dict[str, Any]] = [
            raw
            if isinstance(raw, dict) or (SEAL if isinstance(raw, str) else SEAL.encode()) not in raw
            else decode_event(raw)
            for raw in raws
        ]
        sealed = [(data, list(seals_in(data))) for data in opened if isinstance(data, dict)]
        if not sealed:
            return opened
        stored = await person_keys.keys_by_id(conn, list({kid_of(m) for _, members in sealed for m in members}))
        data_keys: dict[UUID, bytes] = {}
        for data, members in sealed:
            for member in members:
                key = stored.get(kid_of(member))
                usable = key is not None and (not key.erased or data.get("type") == OPENED_AFTER_ERASURE)
                if usable and key and key.kid not in data_keys:
                    data_keys[key.kid] = self.unwrap(key.kid, key.wrapped)
                unseal(member, data_keys[key.kid] if usable and key else None)
        return opened

    async def erase(self, conn: asyncpg.Connection, address: str, at: datetime) -> list[UUID]:
        """After the person's PersonErased is written: their key opens nothing else, and a new applicant
        with the same address gets a new key."""
        return await person_keys.mark_erased(conn, self.subject(address), at)
