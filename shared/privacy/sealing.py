"""Which fields of an event are personal, and sealing them (pure: keys are passed in).

A model that is `PersonalData` has its PERSONAL fields sealed together in the event's JSON: the
fields read their placeholders and a `"$sealed": {"kid": ..., "ct": ...}` member holds the real
values, AES-256-GCM encrypted with the data key `kid` of the person the model's SUBJECT names. The
event stays valid without the key (placeholders), so a consumer that cannot open a seal, because the
person was erased, still reads the event. Unsealed events (every event written before sealing, v1 or
v2) read as they are."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from shared.contracts.common import ERASED_EMAIL, PersonalData

SEAL = "$sealed"
NONCE_BYTES = 12


class SealBroken(ValueError):
    """A sealed member that does not decrypt with its key: tampered or not ours."""


@dataclass(frozen=True)
class Sealable:
    """One personal model inside an event: its JSON object and the address of the person it is about."""

    target: dict[str, Any]
    model: PersonalData
    subject: str


def _subject_of(model: PersonalData) -> str:
    value: Any = model
    for part in model.SUBJECT.split("."):
        value = getattr(value, part)
    return str(value).strip().lower()


def sealables(model: Any, data: Any) -> Iterator[Sealable]:
    """Every personal model in `model` (a payload) with its JSON object in `data` (its model_dump)."""
    if isinstance(model, BaseModel):
        for name in type(model).model_fields:
            if isinstance(data, dict) and name in data:
                yield from sealables(getattr(model, name), data[name])
        if isinstance(model, PersonalData) and model.PERSONAL:
            yield Sealable(data, model, _subject_of(model))
    elif isinstance(model, (tuple, list)) and isinstance(data, list):
        for item, item_data in zip(model, data, strict=True):
            yield from sealables(item, item_data)
    elif isinstance(model, dict) and isinstance(data, dict):
        for key, item in model.items():
            yield from sealables(item, data.get(str(key)))


def placeholders(model: PersonalData, kid: UUID) -> dict[str, Any]:
    return {
        name: ERASED_EMAIL.format(kid=kid.hex[:16]) if value == ERASED_EMAIL else value
        for name, value in model.PERSONAL.items()
    }


def encrypt(key: bytes, kid: UUID, clear: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, clear, kid.bytes)).decode()


def decrypt(key: bytes, kid: UUID, token: str) -> bytes:
    try:
        raw = base64.b64decode(token, validate=True)
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], kid.bytes)
    except (InvalidTag, ValueError) as error:
        raise SealBroken(f"a sealed field of key {kid} does not open: {error!r}") from None


def seal(item: Sealable, kid: UUID, key: bytes) -> None:
    """Replace the personal fields of `item.target` by placeholders and their sealed values."""
    clear = {name: item.target.get(name) for name in item.model.PERSONAL}
    item.target.update(placeholders(item.model, kid))
    item.target[SEAL] = {"kid": str(kid), "ct": encrypt(key, kid, json.dumps(clear).encode())}


def seals_in(data: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in `data` that carries a seal."""
    if isinstance(data, dict):
        if isinstance(data.get(SEAL), dict):
            yield data
        for value in data.values():
            yield from seals_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from seals_in(value)


def kid_of(sealed: dict[str, Any]) -> UUID:
    try:
        return UUID(str(sealed[SEAL]["kid"]))
    except (KeyError, ValueError):
        raise SealBroken("a sealed member without a valid key id") from None


def unseal(sealed: dict[str, Any], key: bytes | None) -> None:
    """Put the real values back (with the key), or leave the placeholders (without); drop the seal."""
    seal_member = sealed.pop(SEAL)
    if key is None:
        return
    values = json.loads(decrypt(key, kid_of({SEAL: seal_member}), str(seal_member.get("ct", ""))))
    if not isinstance(values, dict):
        raise SealBroken("a sealed member that is not an object")
    sealed.update(values)


def without_seals(data: Any) -> Any:
    """The placeholder view: every seal dropped (what one reads without any key)."""
    for sealed in list(seals_in(data)):
        sealed.pop(SEAL)
    return data
